// A job's schedule: a cron expression (cron_expression.hpp) read on the local wall clock, within
// an optional window [start, end), turned into the instants the job runs at.
//
// Daylight-saving rules (docs/SCHEDULING.md "Daylight saving time"):
// - A schedule that runs at fixed hours (its hour field is not every hour): a run whose time
//   falls in the hour skipped when the clocks go forward runs once, at the first instant after
//   the gap (02:30 on a 02:00 -> 03:00 day runs at 03:00 of the new time); several skipped runs
//   of that day, and a run at 03:00 itself, become that one run. A run whose time falls in the
//   hour repeated when the clocks go back runs once, at the first occurrence (summer time).
// - A schedule that runs in every hour (`*/15 * * * *`, `0 * * * *`, @hourly) follows the clock
//   as it is: nothing in a skipped hour (the runs before and after it are an hour apart in real
//   time anyway) and both passes of a repeated hour, so it keeps its pace in real time.
//
// Window: runs at instants s with start <= s < end; a schedule whose end has passed has no next
// run. The local zone is read at each call (local_time.hpp). Immutable; thread-safe as
// local_time.hpp is.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certbackup/base/error.hpp"
#include "host-sdk/management/cron_expression.hpp"
#include "host-sdk/management/local_time.hpp"

namespace backup_host {

struct ScheduleWindow {
    std::optional<SystemTime> start;  // first instant a run may happen at
    std::optional<SystemTime> end;    // runs happen strictly before it

    bool contains(SystemTime instant) const noexcept {
        return (!start || instant >= *start) && (!end || instant < *end);
    }
};

class Schedule {
  public:
    Schedule(CronExpression expression, ScheduleWindow window)
        : expression_(std::move(expression)), window_(window) {}

    // Parses `text` (CronExpression::parse) with `window`.
    static certbackup::Result<Schedule> parse(std::string_view text, ScheduleWindow window = {});

    const CronExpression& expression() const noexcept { return expression_; }
    const ScheduleWindow& window() const noexcept { return window_; }

    // The expression in words, with the window when there is one: "every day at 02:00, from
    // 2026-01-01 00:00 until 2027-01-01 00:00" (local times).
    std::string describe() const;

    // The next `count` run instants strictly after `after`, earliest first; fewer (maybe none)
    // when the window ends first.
    std::vector<SystemTime> next_runs(SystemTime after, std::size_t count) const;
    std::optional<SystemTime> next_run(SystemTime after) const;

    // The latest run instant at or before `at`, within the window; nullopt when there is none
    // (within 400 years).
    std::optional<SystemTime> latest_run(SystemTime at) const;

    // The run instants of one local calendar day, earliest first, by the rules above (an
    // instant a skipped run moved to may lie on the next day only in zones that skip midnight).
    // Ignores the window.
    std::vector<SystemTime> runs_on(std::chrono::year_month_day date) const;

  private:
    CronExpression expression_;
    ScheduleWindow window_;
};

}  // namespace backup_host
