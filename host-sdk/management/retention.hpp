// Retention: which backup sets of a job to delete (docs/SCHEDULING.md "Retention").
//
// Rules, for the sets of ONE job at one location:
// - keep_last N: the N newest complete sets are kept by this rule; older ones are deleted.
// - max_age_days D: a set created more than D days (D x 24 h) before `now` is deleted.
// - A set is deleted when either rule says so, except that the newest complete set of the job is
//   NEVER deleted (a job always keeps its latest good backup, however old), and sets of other
//   jobs are never touched (they are not even candidates).
// - A set whose record says failed or cancelled is never counted by keep_last and never
//   protected as the newest; it is deleted when older than max_age_days or, with keep_last,
//   when older than the oldest set keep_last keeps.
// - Sets being written are never candidates: the catalog lists only committed sets (a set being
//   written is a hidden .<id>.partial directory until its final rename), and deletion takes the
//   set's lock (docs/STORAGE.md).
//
// Non-timestamped jobs (timestamped = false: "each run replaces the job's last set"): the run
// commits its new set first and only then deletes the job's earlier sets (sets_replaced_by), so
// there is never a moment without a complete set; a crash in between leaves one set too many,
// which the next run or `prune` removes (their retention is keep_last = 1).
//
// Pure functions over plain values; thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "certbackup/base/error.hpp"
#include "host-sdk/management/local_time.hpp"

namespace backup_host {

struct RetentionPolicy {
    std::optional<unsigned> keep_last;     // >= 1
    std::optional<unsigned> max_age_days;  // >= 1

    bool empty() const noexcept { return !keep_last && !max_age_days; }
    auto operator<=>(const RetentionPolicy&) const = default;
};

// What retention needs to know of one set (from the catalog's records).
struct RetentionCandidate {
    std::string id;
    SystemTime created;
    std::string job;
    bool complete = true;  // the record's status is complete
};

struct RetentionDecision {
    std::string id;
    SystemTime created;
    std::string reason;  // why deleted or why kept, for people
};

struct RetentionPlan {
    std::vector<RetentionDecision> remove;  // oldest first
    std::vector<RetentionDecision> keep;    // the job's other sets, oldest first
};

// Applies `policy` to the sets of `job` among `sets` (any order; sets of other jobs are
// ignored). Ordering is by creation time, then id, as the catalog orders.
RetentionPlan plan_retention(std::span<const RetentionCandidate> sets, std::string_view job,
                             const RetentionPolicy& policy, SystemTime now);

// After a successful run of a non-timestamped job that committed `new_set_id`: every other set
// of `job` (any age, any status). Refuses (not_found) when `new_set_id` is not among `sets` as
// a complete set of `job`: then nothing may be deleted, or the job could be left without a set.
certbackup::Result<std::vector<RetentionDecision>> sets_replaced_by(
    std::span<const RetentionCandidate> sets, std::string_view job, std::string_view new_set_id);

}  // namespace backup_host
