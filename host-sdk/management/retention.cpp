#include "host-sdk/management/retention.hpp"

#include <algorithm>

namespace backup_host {
namespace {

using certbackup::ErrorCode;
using certbackup::fail;

bool older(const RetentionCandidate* a, const RetentionCandidate* b) {
    return a->created != b->created ? a->created < b->created : a->id < b->id;
}

std::vector<const RetentionCandidate*> sets_of(std::span<const RetentionCandidate> sets,
                                               std::string_view job) {
    std::vector<const RetentionCandidate*> mine;
    for (const RetentionCandidate& set : sets)
        if (set.job == job)
            mine.push_back(&set);
    std::sort(mine.begin(), mine.end(), older);
    return mine;
}

std::string ordinal(std::size_t n) {
    const std::size_t tens = n % 100;
    const char* suffix = (tens >= 11 && tens <= 13) ? "th"
                         : n % 10 == 1              ? "st"
                         : n % 10 == 2              ? "nd"
                         : n % 10 == 3              ? "rd"
                                                    : "th";
    return std::to_string(n) + suffix;
}

}  // namespace

RetentionPlan plan_retention(std::span<const RetentionCandidate> sets, std::string_view job,
                             const RetentionPolicy& policy, SystemTime now) {
    const std::vector<const RetentionCandidate*> mine = sets_of(sets, job);

    // Rank of each complete set from the newest (1) down, and the oldest one keep_last keeps.
    std::vector<std::size_t> rank(mine.size(), 0);
    std::size_t complete = 0;
    const RetentionCandidate* oldest_kept = nullptr;
    for (std::size_t i = mine.size(); i-- > 0;) {
        if (!mine[i]->complete)
            continue;
        rank[i] = ++complete;
        if (policy.keep_last && rank[i] <= *policy.keep_last)
            oldest_kept = mine[i];
    }

    RetentionPlan plan;
    for (std::size_t i = 0; i < mine.size(); ++i) {
        const RetentionCandidate& set = *mine[i];
        RetentionDecision decision{set.id, set.created, {}};
        std::vector<std::string> reasons;
        if (policy.max_age_days) {
            const auto limit = std::chrono::hours(24) * *policy.max_age_days;
            if (now - set.created > limit)
                reasons.push_back("older than " + std::to_string(*policy.max_age_days) +
                                  (*policy.max_age_days == 1 ? " day" : " days"));
        }
        if (policy.keep_last) {
            if (set.complete && rank[i] > *policy.keep_last)
                reasons.push_back("beyond keep_last = " + std::to_string(*policy.keep_last) +
                                  " (the " + ordinal(rank[i]) + " newest)");
            else if (!set.complete && oldest_kept != nullptr && older(&set, oldest_kept))
                reasons.push_back("a failed or cancelled run older than the sets keep_last = " +
                                  std::to_string(*policy.keep_last) + " keeps");
        }
        if (set.complete && rank[i] == 1) {
            decision.reason = reasons.empty()
                                  ? "the newest complete set"
                                  : "the newest complete set, kept although " + reasons.front();
            plan.keep.push_back(std::move(decision));
        } else if (!reasons.empty()) {
            decision.reason = reasons.front();
            for (std::size_t r = 1; r < reasons.size(); ++r)
                decision.reason += "; " + reasons[r];
            plan.remove.push_back(std::move(decision));
        } else {
            decision.reason = policy.empty() ? "no retention configured" : "within retention";
            plan.keep.push_back(std::move(decision));
        }
    }
    return plan;
}

certbackup::Result<std::vector<RetentionDecision>> sets_replaced_by(
    std::span<const RetentionCandidate> sets, std::string_view job, std::string_view new_set_id) {
    const std::vector<const RetentionCandidate*> mine = sets_of(sets, job);
    const bool listed = std::any_of(mine.begin(), mine.end(), [&](const RetentionCandidate* set) {
        return set->id == new_set_id && set->complete;
    });
    if (!listed)
        return fail(ErrorCode::not_found,
                    "the new set " + std::string(new_set_id) + " of job '" + std::string(job) +
                        "' is not listed as a complete set, so the job's earlier sets are kept");
    std::vector<RetentionDecision> replaced;
    for (const RetentionCandidate* set : mine)
        if (set->id != new_set_id)
            replaced.push_back({set->id, set->created, "replaced by " + std::string(new_set_id)});
    return replaced;
}

}  // namespace backup_host
