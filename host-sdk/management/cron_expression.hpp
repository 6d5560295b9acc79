// A cron expression: which wall-clock minutes a job runs at (docs/SCHEDULING.md "Syntax").
//
// Five fields separated by blanks: minute (0-59), hour (0-23), day of month (1-31), month (1-12
// or JAN-DEC), day of week (0-7 or SUN-SAT; 0 and 7 are Sunday). A field is `*`, a value, a
// range `a-b`, any of those with a step `/n` (`*/15`, `10-50/20`, `5/10` = `5-59/10`), or a
// comma-separated list of them. Names are case-insensitive. Or one of the shortcuts @yearly
// (@annually), @monthly, @weekly, @daily (@midnight), @hourly.
//
// Day rule (as Vixie cron and cronie, crontab(5)): when both day fields are restricted (neither
// starts with `*`) a day matches if EITHER matches; otherwise it must match both (so `*` in one
// of them leaves the other in charge).
//
// Parsing refuses, naming the field and the bad text: a wrong number of fields, values out of
// range, backwards ranges, steps of 0, unknown names, and a schedule that can never run
// (`0 0 31 2 *`: "never runs"). Immutable after parsing; safe to share between threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "certbackup/base/error.hpp"

namespace backup_host {

class CronExpression {
  public:
    static certbackup::Result<CronExpression> parse(std::string_view text);

    // The expression as written, blanks trimmed (a shortcut stays a shortcut).
    const std::string& text() const noexcept { return text_; }

    // The schedule in words: "every day at 02:00", "every Sunday at 03:30", "at minute 15 of
    // every hour", "every 15 minutes on Mondays to Fridays", ...
    std::string describe() const;

    bool has_minute(int minute) const noexcept { return bit(minutes_, minute); }
    bool has_hour(int hour) const noexcept { return bit(hours_, hour); }
    // Whether the job runs on `date` at all (month and the day rule above).
    bool matches_date(std::chrono::year_month_day date) const noexcept;

    // True when the hour field selects every hour of the day: such a schedule runs by the clock
    // in both passes of a repeated hour and not at all in a skipped one (SCHEDULING.md "DST").
    bool runs_every_hour() const noexcept { return hours_ == kAllHours; }

    // Whether value n is in the field set `set` (false for n outside 0..63).
    static bool bit(std::uint64_t set, int n) noexcept {
        return n >= 0 && n < 64 && ((set >> n) & 1U) != 0;
    }
    // The raw field sets: bit n set when value n is selected (days of week 0-6, Sunday 0).
    std::uint64_t minutes() const noexcept { return minutes_; }
    std::uint64_t hours() const noexcept { return hours_; }
    std::uint64_t days_of_month() const noexcept { return days_of_month_; }
    std::uint64_t months() const noexcept { return months_; }
    std::uint64_t days_of_week() const noexcept { return days_of_week_; }
    // Whether the day fields are restricted in the sense of the day rule.
    bool day_of_month_restricted() const noexcept { return !day_of_month_star_; }
    bool day_of_week_restricted() const noexcept { return !day_of_week_star_; }

  private:
    static constexpr std::uint64_t kAllHours = (std::uint64_t{1} << 24) - 1;
    std::string text_;
    std::uint64_t minutes_ = 0;
    std::uint64_t hours_ = 0;
    std::uint64_t days_of_month_ = 0;
    std::uint64_t months_ = 0;
    std::uint64_t days_of_week_ = 0;
    bool day_of_month_star_ = true;
    bool day_of_week_star_ = true;
};

}  // namespace backup_host
