#include "host-sdk/management/due_jobs.hpp"

#include <algorithm>

namespace backup_host {
namespace {

bool schedulable(const DueCheck& check) {
    return check.schedule != nullptr && check.enabled && !check.disabled;
}

// The latest slot of `check` at or before `now`, if no run has served it yet.
std::optional<SystemTime> unserved_slot(const DueCheck& check, SystemTime now) {
    const std::optional<SystemTime> slot = check.schedule->latest_run(now);
    if (!slot || *slot <= check.served_until.value_or(now))
        return std::nullopt;
    return slot;
}

}  // namespace

std::vector<DueRun> due_jobs(SystemTime now, std::span<const DueCheck> jobs) {
    std::vector<DueRun> due;
    for (const DueCheck& check : jobs) {
        if (!schedulable(check))
            continue;
        const std::optional<SystemTime> slot = unserved_slot(check, now);
        if (!slot)
            continue;
        const std::optional<SystemTime> first =
            check.schedule->next_run(check.served_until.value_or(now));
        due.push_back(DueRun{check.job, *slot, first && *first < *slot ? *first : *slot});
    }
    std::sort(due.begin(), due.end(), [](const DueRun& a, const DueRun& b) {
        return a.slot != b.slot ? a.slot < b.slot : a.job < b.job;
    });
    return due;
}

std::optional<SystemTime> next_wakeup(SystemTime now, std::span<const DueCheck> jobs) {
    std::optional<SystemTime> earliest;
    for (const DueCheck& check : jobs) {
        if (!schedulable(check))
            continue;
        const std::optional<SystemTime> slot =
            unserved_slot(check, now)
                ? std::optional(now)
                : check.schedule->next_run(std::max(check.served_until.value_or(now), now));
        if (slot && (!earliest || *slot < *earliest))
            earliest = slot;
    }
    return earliest;
}

}  // namespace backup_host
