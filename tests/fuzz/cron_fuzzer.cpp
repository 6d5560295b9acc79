// A job's 5-field cron schedule: parsed, described in words, and its next runs computed on the
// local clock (with its DST rules) from a fixed instant.
#include <chrono>

#include "fuzz_input.hpp"
#include "host-sdk/management/schedule.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto schedule = backup_host::Schedule::parse(certbackup::fuzzing::text(data, size));
    if (!schedule)
        return 0;
    (void)schedule->describe();
    // The night Europe's clocks go forward (TZ comes from scripts/fuzz.sh).
    const backup_host::SystemTime from = std::chrono::sys_days{std::chrono::year{2026} / 3 / 28};
    (void)schedule->next_runs(from, 3);
    return 0;
}
