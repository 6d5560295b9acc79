// CronExpression::describe(): a schedule in words (docs/SCHEDULING.md shows examples).
#include <string>
#include <vector>

#include "host-sdk/management/cron_expression.hpp"
#include "host-sdk/management/cron_words.hpp"

namespace backup_host {
namespace {

using cron_words::and_list;
using cron_words::clock_time;
using cron_words::day_name;
using cron_words::month_name;
using cron_words::number_list;
using cron_words::run_list;
using cron_words::values_of;

// Step s when `values` is exactly first, first+s, ... up to the field's end, with s > 1.
int step_from(const std::vector<int>& values, int first, int last) {
    if (values.size() < 2 || values.front() != first)
        return 0;
    const int step = values[1] - values[0];
    for (std::size_t i = 1; i < values.size(); ++i)
        if (values[i] - values[i - 1] != step)
            return 0;
    return values.back() + step > last ? step : 0;
}

// "Monday", "Monday and Friday", "Monday to Friday", "Saturday and Sunday" (plural: "Mondays").
std::string weekday_list(const std::vector<int>& days, bool plural) {
    // Sunday after Saturday reads better for week-ends and Monday-first weeks.
    std::vector<int> ordered;
    for (int day : days)
        if (day != 0)
            ordered.push_back(day);
    if (!days.empty() && days.front() == 0)
        ordered.push_back(7);
    return run_list(ordered, " to ",
                    [&](int day) { return day_name(day % 7) + (plural ? "s" : ""); });
}

std::string day_of_month_words(const std::vector<int>& days) {
    return (days.size() == 1 ? "day " : "days ") + number_list(days);
}

struct DayWords {
    std::string leading;   // before "at 02:00": "every day", "every Sunday", "on day 1 of ..."
    std::string trailing;  // after a sub-daily phrase: "", "on Sundays", "on day 1 of ..."
};

DayWords day_words(const CronExpression& cron) {
    const std::vector<int> days = values_of(cron.days_of_month(), 1, 31);
    const std::vector<int> months = values_of(cron.months(), 1, 12);
    const std::vector<int> weekdays = values_of(cron.days_of_week(), 0, 6);
    const bool every_month = months.size() == 12;
    const bool both_restricted = cron.day_of_month_restricted() && cron.day_of_week_restricted();
    bool limits_days = days.size() < 31;
    bool limits_weekdays = weekdays.size() < 7;
    if (both_restricted && (!limits_days || !limits_weekdays))
        limits_days = limits_weekdays = false;  // "1-31 or Monday": every day

    std::vector<std::string> month_names;
    for (int month : months)
        month_names.push_back(month_name(month));
    const std::string in_months = every_month ? "" : " in " + and_list(month_names);

    DayWords words;
    if (!limits_days && !limits_weekdays) {
        words.leading = "every day" + in_months;
        words.trailing = every_month ? "" : "in " + and_list(month_names);
    } else if (limits_days && !limits_weekdays) {
        if (!every_month && days.size() == 1 && months.size() == 1) {
            const std::string date = std::to_string(days.front()) + " " + month_names.front();
            words.leading = "every year on " + date;
            words.trailing = "on " + date;
        } else {
            words.leading = words.trailing =
                "on " + day_of_month_words(days) + " of " +
                (every_month ? std::string("every month") : and_list(month_names));
        }
    } else if (!limits_days && limits_weekdays) {
        words.leading = "every " + weekday_list(weekdays, false) + in_months;
        words.trailing = "on " + weekday_list(weekdays, true) + in_months;
    } else if (both_restricted) {
        const std::string of_month =
            "on " + day_of_month_words(days) + " of " +
            (every_month ? std::string("every month") : and_list(month_names));
        words.leading = of_month + " and every " + weekday_list(weekdays, false);
        words.trailing = of_month + " and on " + weekday_list(weekdays, true);
    } else {
        words.leading = "every " + weekday_list(weekdays, false) + " that is " +
                        day_of_month_words(days) + " of the month" + in_months;
        words.trailing = "on " + weekday_list(weekdays, true) + " that are " +
                         day_of_month_words(days) + " of the month" + in_months;
    }
    return words;
}

}  // namespace

std::string CronExpression::describe() const {
    const std::vector<int> minutes = values_of(minutes_, 0, 59);
    const std::vector<int> hours = values_of(hours_, 0, 23);
    const DayWords days = day_words(*this);
    const bool every_hour = hours.size() == 24;

    // A few fixed times a day: "<days> at 02:00 and 14:30".
    if (!every_hour && minutes.size() * hours.size() <= 6) {
        std::vector<std::string> times;
        for (int hour : hours)
            for (int minute : minutes)
                times.push_back(clock_time(hour, minute));
        return days.leading + " at " + and_list(times);
    }

    std::string time;
    const int minute_step = step_from(minutes, 0, 59);
    if (minutes.size() == 60)
        time = "every minute";
    else if (minute_step > 0 && 60 % minute_step == 0)
        time = "every " + std::to_string(minute_step) + " minutes";
    else if (minutes.size() == 1)
        time = "at minute " + std::to_string(minutes.front());
    else
        time = "at minutes " + number_list(minutes);

    const bool at_minutes = time.starts_with("at ");
    if (every_hour) {
        if (at_minutes)
            time += " of every hour";
    } else if (hours.size() == 1 && !at_minutes) {
        time += " from " + clock_time(hours.front(), 0) + " to " + clock_time(hours.front(), 59);
    } else {
        time += std::string(at_minutes ? " of " : " during ") +
                (hours.size() == 1 ? "hour " : "hours ") + number_list(hours);
    }
    return days.trailing.empty() ? time : time + " " + days.trailing;
}

}  // namespace backup_host
