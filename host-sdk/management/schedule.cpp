#include "host-sdk/management/schedule.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

namespace backup_host {
namespace {

namespace chr = std::chrono;

// Every schedule that can run at all runs within one 400-year Gregorian cycle.
constexpr int kSearchDays = 146097 + 2;

chr::sys_days local_day_of(SystemTime instant) {
    const LocalDateTime local = to_local(instant);
    return chr::sys_days{chr::year{local.year} / chr::month{static_cast<unsigned>(local.month)} /
                         chr::day{static_cast<unsigned>(local.day)}};
}

std::string short_local(SystemTime instant) {
    const LocalDateTime local = to_local(instant);
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d", local.year, local.month, local.day,
                  local.hour, local.minute);
    return text;
}

}  // namespace

certbackup::Result<Schedule> Schedule::parse(std::string_view text, ScheduleWindow window) {
    auto expression = CronExpression::parse(text);
    if (!expression)
        return std::unexpected(expression.error());
    return Schedule(std::move(*expression), window);
}

std::string Schedule::describe() const {
    std::string words = expression_.describe();
    if (window_.start)
        words += ", from " + short_local(*window_.start);
    if (window_.end)
        words += ", until " + short_local(*window_.end);
    return words;
}

std::vector<SystemTime> Schedule::runs_on(chr::year_month_day date) const {
    std::vector<SystemTime> runs;
    if (!expression_.matches_date(date))
        return runs;
    const bool every_hour = expression_.runs_every_hour();
    LocalDateTime time;
    time.year = static_cast<int>(date.year());
    time.month = static_cast<int>(static_cast<unsigned>(date.month()));
    time.day = static_cast<int>(static_cast<unsigned>(date.day()));
    for (int hour = 0; hour < 24; ++hour) {
        if (!expression_.has_hour(hour))
            continue;
        for (int minute = 0; minute < 60; ++minute) {
            if (!expression_.has_minute(minute))
                continue;
            time.hour = hour;
            time.minute = minute;
            const LocalTimeInstants instants = resolve_local_time(time);
            switch (instants.kind) {
                case LocalTimeInstants::Kind::unique:
                    runs.push_back(instants.first);
                    break;
                case LocalTimeInstants::Kind::skipped:
                    if (!every_hour)
                        runs.push_back(instants.first);
                    break;
                case LocalTimeInstants::Kind::repeated:
                    runs.push_back(instants.first);
                    if (every_hour)
                        runs.push_back(instants.second);
                    break;
            }
        }
    }
    std::sort(runs.begin(), runs.end());
    runs.erase(std::unique(runs.begin(), runs.end()), runs.end());
    return runs;
}

std::vector<SystemTime> Schedule::next_runs(SystemTime after, std::size_t count) const {
    std::vector<SystemTime> result;
    if (count == 0 || (window_.end && *window_.end <= after))
        return result;
    const SystemTime from = window_.start && *window_.start > after ? *window_.start : after;
    // A day's runs are never earlier than the previous day's, so once `count` runs are known at
    // the end of a day, later days cannot add earlier ones. Start a day early: a run skipped
    // into the next day (zones that skip midnight) belongs to the day before.
    const chr::sys_days first_day = local_day_of(from) - chr::days{1};
    // (Plain values with a flag: g++ 12 mistakes an optional<sys_days> for uninitialised.)
    const bool has_last_day = window_.end.has_value();
    const chr::sys_days last_day =
        has_last_day ? local_day_of(*window_.end) + chr::days{1} : chr::sys_days{};
    std::set<SystemTime> found;
    for (int n = 0; n < kSearchDays; ++n) {
        const chr::sys_days day = first_day + chr::days{n};
        if (has_last_day && day > last_day)
            break;
        for (const SystemTime run : runs_on(chr::year_month_day{day}))
            if (run > after && window_.contains(run))
                found.insert(run);
        if (found.size() >= count)
            break;
    }
    for (const SystemTime run : found) {
        if (result.size() == count)
            break;
        result.push_back(run);
    }
    return result;
}

std::optional<SystemTime> Schedule::next_run(SystemTime after) const {
    const std::vector<SystemTime> runs = next_runs(after, 1);
    return runs.empty() ? std::nullopt : std::optional(runs.front());
}

std::optional<SystemTime> Schedule::latest_run(SystemTime at) const {
    if (window_.start && *window_.start > at)
        return std::nullopt;
    const SystemTime until = window_.end && *window_.end <= at ? *window_.end : at;
    const chr::sys_days first_day = local_day_of(until) + chr::days{1};
    const bool has_last_day = window_.start.has_value();
    const chr::sys_days last_day =
        has_last_day ? local_day_of(*window_.start) - chr::days{1} : chr::sys_days{};
    for (int n = 0; n < kSearchDays; ++n) {
        const chr::sys_days day = first_day - chr::days{n};
        if (has_last_day && day < last_day)
            break;
        // Every run of this day is later than every run of earlier days: the first day with a
        // run in range holds the latest one.
        std::optional<SystemTime> latest;
        for (const SystemTime run : runs_on(chr::year_month_day{day}))
            if (run <= at && window_.contains(run))
                latest = run;
        if (latest)
            return latest;
    }
    return std::nullopt;
}

}  // namespace backup_host
