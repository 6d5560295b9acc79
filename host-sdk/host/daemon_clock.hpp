// The daemon's sense of time: which scheduled runs are due and when to wake up (command_daemon).
//
// Normally the system clock. With BACKUP_HOST_DAEMON_CLOCK set to a time (the forms of
// parse_time_argument: "2026-01-03T03:30:00Z", or local "2026-01-03 03:30"), the clock reads that
// time when the daemon starts and runs on from there at the system clock's pace. The variable
// exists so that tests can put the daemon on a chosen date (a run missed on a known night,
// whatever today's date is); it changes nothing else: runs record the real time (docs/CLI.md).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "certbackup/base/error.hpp"
#include "host-sdk/management/local_time.hpp"

namespace certbackup::host {

inline constexpr const char* kDaemonClockVariable = "BACKUP_HOST_DAEMON_CLOCK";

class DaemonClock {
  public:
    // The system clock.
    DaemonClock() = default;

    // The system clock when `start` is nullopt or empty, else a clock that reads `start` now.
    // invalid_argument naming kDaemonClockVariable and the text when it is not a time.
    static Result<DaemonClock> starting_at(std::optional<std::string_view> start);
    // starting_at($BACKUP_HOST_DAEMON_CLOCK).
    static Result<DaemonClock> from_environment();

    backup_host::SystemTime now() const { return std::chrono::system_clock::now() + offset_; }
    // Whether kDaemonClockVariable set this clock (the daemon says so in its log).
    bool is_set() const { return set_; }

  private:
    std::chrono::system_clock::duration offset_{};
    bool set_ = false;
};

}  // namespace certbackup::host
