// Applying retention to a backup location (docs/SCHEDULING.md "Retention"): list the sets with
// the storage's catalog, decide with retention.hpp, delete with the catalog's delete_set.
//
// Deletion is set by set, each atomic (a set is renamed out of the listing before it is
// removed, under the set's lock; docs/STORAGE.md). A failed deletion does not stop the others;
// it is reported. A set that another process deleted meanwhile is skipped. A dry run lists and
// decides but changes nothing.
//
// Every file-system step goes through `env` (fault injection in tests). Not thread-safe per
// location beyond what the storage's locks give: two prunes of one location at once are safe
// (each deletion takes the set's lock) but may report each other's deletions as conflicts.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "certbackup/base/env.hpp"
#include "certbackup/base/error.hpp"
#include "host-sdk/management/retention.hpp"

namespace backup_host {

struct PruneFailure {
    std::string id;
    certbackup::Error error;
};

struct PruneReport {
    bool dry_run = false;
    RetentionPlan plan;                      // what the rules decided, for the job's sets
    std::vector<RetentionDecision> deleted;  // what was deleted (empty in a dry run)
    std::vector<PruneFailure> failures;      // deletions that failed
    std::vector<std::string> skipped;        // entries named like sets that are not sets, why
};

// Applies `policy` to the sets of `job` at `location`. A location that does not exist yet has
// nothing to prune (an empty report). Errors: the listing failed (io naming the location).
certbackup::Result<PruneReport> prune_job(certbackup::Env& env,
                                          const std::filesystem::path& location,
                                          std::string_view job, const RetentionPolicy& policy,
                                          SystemTime now, bool dry_run);

// After a successful run of a non-timestamped job that committed `new_set_id` at `location`:
// deletes the job's other sets (retention.hpp sets_replaced_by). not_found, deleting nothing,
// when the new set is not listed as complete.
certbackup::Result<PruneReport> delete_replaced_sets(certbackup::Env& env,
                                                     const std::filesystem::path& location,
                                                     std::string_view job,
                                                     std::string_view new_set_id);

}  // namespace backup_host
