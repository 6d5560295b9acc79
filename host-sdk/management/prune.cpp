#include "host-sdk/management/prune.hpp"

#include "host-sdk/storage/set_catalog.hpp"
#include "host-sdk/storage/storage_io.hpp"

namespace backup_host {

using certbackup::Env, certbackup::Error, certbackup::ErrorCode, certbackup::Result;
namespace fs = std::filesystem;

namespace {

struct Listed {
    std::vector<RetentionCandidate> candidates;
    std::vector<std::string> skipped;
};

Result<Listed> list_candidates(Env& env, const fs::path& location) {
    Listed listed;
    auto listing = list_sets(env, location);
    if (!listing) {
        if (listing.error().code == ErrorCode::not_found && !env.exists(location))
            return listed;
        return std::unexpected(listing.error());
    }
    for (const SetSummary& set : listing->sets) {
        const auto created = SystemTime(std::chrono::duration_cast<SystemTime::duration>(
            std::chrono::seconds(set.record.created_unix_seconds()) +
            std::chrono::nanoseconds(set.record.created_nanos())));
        listed.candidates.push_back(
            {set.id, created, set.record.job(), set.record.status() == proto::SET_STATUS_COMPLETE});
    }
    for (const SkippedEntry& entry : listing->skipped)
        listed.skipped.push_back(entry.name + ": " + entry.reason);
    return listed;
}

void delete_sets(Env& env, const fs::path& location, PruneReport& report,
                 const std::vector<RetentionDecision>& doomed) {
    StorageIo io{env, WritableFileSystem::posix()};
    for (const RetentionDecision& decision : doomed) {
        auto deleted = delete_set(io, location, decision.id);
        if (deleted)
            report.deleted.push_back(decision);
        else if (deleted.error().code != ErrorCode::not_found)  // not_found: already gone
            report.failures.push_back({decision.id, deleted.error()});
    }
}

}  // namespace

Result<PruneReport> prune_job(Env& env, const fs::path& location, std::string_view job,
                              const RetentionPolicy& policy, SystemTime now, bool dry_run) {
    auto listed = list_candidates(env, location);
    if (!listed)
        return std::unexpected(listed.error());
    PruneReport report;
    report.dry_run = dry_run;
    report.skipped = std::move(listed->skipped);
    report.plan = plan_retention(listed->candidates, job, policy, now);
    if (!dry_run)
        delete_sets(env, location, report, report.plan.remove);
    return report;
}

Result<PruneReport> delete_replaced_sets(Env& env, const fs::path& location, std::string_view job,
                                         std::string_view new_set_id) {
    auto listed = list_candidates(env, location);
    if (!listed)
        return std::unexpected(listed.error());
    auto replaced = sets_replaced_by(listed->candidates, job, new_set_id);
    if (!replaced)
        return std::unexpected(replaced.error().with_context(location.string()));
    PruneReport report;
    report.skipped = std::move(listed->skipped);
    report.plan.remove = std::move(*replaced);
    for (const RetentionCandidate& set : listed->candidates)
        if (set.job == job && set.id == new_set_id)
            report.plan.keep.push_back({set.id, set.created, "the new set"});
    delete_sets(env, location, report, report.plan.remove);
    return report;
}

}  // namespace backup_host
