// Wall-clock times of the process's local time zone and the instants they name.
//
// The local zone is the C library's: $TZ, else /etc/localtime. g++ 12's libstdc++ has no
// std::chrono time zones, so this goes through localtime_r and the zone database the C library
// reads (tzdata). Every public function here calls tzset() first, so a TZ changed with setenv()
// takes effect at the next call (tests rely on that). Thread safety: as the C library's
// localtime_r and tzset; do not change TZ while another thread converts times.
//
// Around a daylight-saving transition a wall-clock time can name no instant (it lies in the hour
// skipped when the clocks go forward) or two (it lies in the hour repeated when they go back);
// resolve_local_time says which, and to_instant applies the rule docs/SCHEDULING.md states.
#pragma once

#include <chrono>
#include <compare>
#include <string>
#include <string_view>

#include "certbackup/base/error.hpp"

namespace backup_host {

// The same alias as the storage's set_id.hpp: an instant, in system_clock.
using SystemTime = std::chrono::system_clock::time_point;

// A date and time on the local wall clock, without a zone. Fields hold calendar values
// (month 1-12, day 1-31, hour 0-23, minute 0-59, second 0-59).
struct LocalDateTime {
    int year = 1970;
    int month = 1;
    int day = 1;
    int hour = 0;
    int minute = 0;
    int second = 0;

    auto operator<=>(const LocalDateTime&) const = default;
};

// True when the fields name a real calendar date and a time of day.
bool is_valid(const LocalDateTime& time) noexcept;

// "2026-03-29T02:30:00".
std::string to_string(const LocalDateTime& time);

// The instants a wall-clock time names in the local zone.
struct LocalTimeInstants {
    enum class Kind {
        unique,    // one instant: `first` (== `second`)
        skipped,   // none: it lies in a gap; `first` (== `second`) is the first instant after it
        repeated,  // two: `first` the earlier, `second` the later occurrence
    };
    Kind kind = Kind::unique;
    SystemTime first;
    SystemTime second;
};

// Resolves `time` (is_valid) in the local zone. A skipped time resolves to the first instant
// whose wall-clock time is later than `time`, i.e. the moment the clocks jumped (03:00 on a
// 02:00 -> 03:00 spring-forward day).
LocalTimeInstants resolve_local_time(const LocalDateTime& time);

// The one instant a configured wall-clock time (a job's start or end) stands for: the unique
// one; for a skipped time the first instant after the gap; for a repeated time the first
// occurrence.
SystemTime to_instant(const LocalDateTime& time);

// The wall-clock time of `instant` in the local zone (seconds truncated).
LocalDateTime to_local(SystemTime instant);

// "2026-03-29T03:00:00+02:00": local time with its UTC offset (RFC 3339), for JSON and logs.
std::string format_local_rfc3339(SystemTime instant);

// "Sun 2026-03-29 03:00 CEST": for people (the zone's abbreviation tells summer from winter
// time in a repeated hour).
std::string format_local_for_people(SystemTime instant);

// The years parse_time_argument accepts: a SystemTime counts nanoseconds in 64 bits and ends in
// 2262, and a schedule window beyond 2199 is a typing error, not a plan.
inline constexpr int kFirstSupportedYear = 1970;
inline constexpr int kLastSupportedYear = 2199;

// Parses a time given on a command line (`schedule --from TIME`) or read from a state file:
// "YYYY-MM-DDTHH:MM[:SS]" (also with a space for 'T') is local time (to_instant's rule);
// with a trailing "Z" or "+HH:MM"/"-HH:MM" it is that instant; "YYYY-MM-DD" alone is local
// midnight. invalid_argument naming the text otherwise, and for a year outside
// [kFirstSupportedYear, kLastSupportedYear].
certbackup::Result<SystemTime> parse_time_argument(std::string_view text);

}  // namespace backup_host
