#include "host-sdk/management/due_jobs.hpp"

#include <algorithm>

namespace backup_host {
namespace {

bool schedulable(const DueCheck& check) {
    return check.schedule != nullptr && check.enabled && !check.disabled;
}

}  // namespace

std::vector<DueRun> due_jobs(SystemTime now, std::span<const DueCheck> jobs) {
    std::vector<DueRun> due;
    for (const DueCheck& check : jobs) {
        if (!schedulable(check))
            continue;
        const SystemTime served = check.served_until.value_or(now);
        const std::optional<SystemTime> slot = check.schedule->latest_run(now);
        if (!slot || *slot <= served)
            continue;
        const std::optional<SystemTime> first = check.schedule->next_run(served);
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
        const SystemTime served = check.served_until.value_or(now);
        const std::optional<SystemTime> latest = check.schedule->latest_run(now);
        const std::optional<SystemTime> slot =
            latest && *latest > served ? std::optional(now)
                                       : check.schedule->next_run(std::max(served, now));
        if (slot && (!earliest || *slot < *earliest))
            earliest = slot;
    }
    return earliest;
}

}  // namespace backup_host
