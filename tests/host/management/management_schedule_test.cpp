// Cron parsing, words, and run times on the local clock, with the real 2026 DST transitions of
// Europe/Berlin and America/New_York (docs/SCHEDULING.md).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host-sdk/management/cron_expression.hpp"
#include "host-sdk/management/schedule.hpp"
#include "support/management_test_support.hpp"

namespace backup_host {
namespace {

using testing::ScopedTimeZone;
using testing::utc;
using testing::utc_text;

std::uint64_t bits(std::initializer_list<int> values) {
    std::uint64_t set = 0;
    for (int value : values)
        set |= std::uint64_t{1} << value;
    return set;
}

CronExpression parsed(const std::string& text) {
    auto expression = CronExpression::parse(text);
    EXPECT_TRUE(expression) << text << ": " << expression.error().message;
    return expression ? *expression : *CronExpression::parse("* * * * *");
}

std::string parse_error(const std::string& text) {
    auto expression = CronExpression::parse(text);
    EXPECT_FALSE(expression) << text << " parsed but should not";
    return expression ? "" : expression.error().message;
}

// Expects `text` to be refused with a message that contains each of `parts`.
void expect_refused(const std::string& text, std::initializer_list<std::string_view> parts) {
    const std::string message = parse_error(text);
    for (std::string_view part : parts)
        EXPECT_NE(message.find(part), std::string::npos) << message;
}

std::vector<std::string> texts(const std::vector<SystemTime>& instants) {
    std::vector<std::string> result;
    for (SystemTime instant : instants)
        result.push_back(utc_text(instant));
    return result;
}

std::vector<std::string> next(const std::string& text, SystemTime after, std::size_t count,
                              ScheduleWindow window = {}) {
    auto schedule = Schedule::parse(text, window);
    EXPECT_TRUE(schedule) << text;
    return schedule ? texts(schedule->next_runs(after, count)) : std::vector<std::string>{};
}

// --- parsing ---

TEST(CronParse, FieldsValuesRangesListsAndSteps) {
    const CronExpression cron = parsed("0,30 9-17/2 1,15 */3 MON-FRI");
    EXPECT_EQ(cron.minutes(), bits({0, 30}));
    EXPECT_EQ(cron.hours(), bits({9, 11, 13, 15, 17}));
    EXPECT_EQ(cron.days_of_month(), bits({1, 15}));
    EXPECT_EQ(cron.months(), bits({1, 4, 7, 10}));
    EXPECT_EQ(cron.days_of_week(), bits({1, 2, 3, 4, 5}));
    EXPECT_EQ(parsed("5/20 * * * *").minutes(), bits({5, 25, 45}));
    EXPECT_EQ(parsed("  0   2 * * *  ").text(), "0   2 * * *");
}

TEST(CronParse, NamesAreCaseInsensitive) {
    EXPECT_EQ(parsed("0 0 1 jan,Jul *").months(), bits({1, 7}));
    EXPECT_EQ(parsed("0 0 * * sun,Wed").days_of_week(), bits({0, 3}));
    EXPECT_EQ(parsed("0 0 * OCT-DEC *").months(), bits({10, 11, 12}));
}

TEST(CronParse, SundayIsZeroAndSeven) {
    EXPECT_EQ(parsed("0 0 * * 0").days_of_week(), bits({0}));
    EXPECT_EQ(parsed("0 0 * * 7").days_of_week(), bits({0}));
    EXPECT_EQ(parsed("0 0 * * 5-7").days_of_week(), bits({5, 6, 0}));
    EXPECT_EQ(parsed("0 0 * * FRI-SUN").days_of_week(), bits({5, 6, 0}));
    EXPECT_EQ(parsed("0 0 * * 0-7").days_of_week(), bits({0, 1, 2, 3, 4, 5, 6}));
}

TEST(CronParse, ShortcutsAreTheirFiveFields) {
    const std::pair<const char*, const char*> shortcuts[] = {
        {"@hourly", "0 * * * *"},   {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
        {"@weekly", "0 0 * * 0"},   {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
        {"@annually", "0 0 1 1 *"}, {"@DAILY", "0 0 * * *"},
    };
    for (const auto& [shortcut, fields] : shortcuts) {
        const CronExpression a = parsed(shortcut);
        const CronExpression b = parsed(fields);
        EXPECT_EQ(a.text(), shortcut);
        EXPECT_EQ(a.minutes(), b.minutes()) << shortcut;
        EXPECT_EQ(a.hours(), b.hours()) << shortcut;
        EXPECT_EQ(a.days_of_month(), b.days_of_month()) << shortcut;
        EXPECT_EQ(a.months(), b.months()) << shortcut;
        EXPECT_EQ(a.days_of_week(), b.days_of_week()) << shortcut;
        EXPECT_EQ(a.describe(), b.describe()) << shortcut;
    }
}

TEST(CronParse, ErrorsNameTheFieldAndTheBadText) {
    expect_refused("0 2 * *", {"has 4 fields", "minute hour day-of-month month day-of-week"});
    EXPECT_NE(parse_error("0 0 2 * * *").find("has 6 fields"), std::string::npos);

    expect_refused("0 25 * * *", {"hour field '25'", "out of range 0-23"});

    expect_refused("30-10 * * * *", {"minute field '30-10'", "backwards"});

    expect_refused("*/0 * * * *", {"minute field '*/0'", "step of 0"});

    expect_refused("0 0 1 FOO *", {"month field 'FOO'", "unknown name 'FOO'"});

    expect_refused("0 0 0 * *", {"day-of-month field '0'"});
    expect_refused("0 0 * * 8", {"day-of-week field '8'"});
    expect_refused("1,,2 * * * *", {"empty list entry"});
    expect_refused("x * * * *", {"minute field 'x'"});
    expect_refused("*/x * * * *", {"step"});
    expect_refused("@reboot", {"unknown shortcut"});
    expect_refused("", {"has 0 fields"});
}

TEST(CronParse, ImpossibleSchedulesNeverRun) {
    expect_refused("0 0 31 2 *", {"'0 0 31 2 *' never runs", "day 31 does not occur in February"});
    expect_refused("0 0 30,31 2 *", {"days 30 and 31 do not occur in February"});
    expect_refused("0 0 31 APR,JUN,SEP,NOV *",
                   {"never runs", "April, June, September and November"});
    // Possible: a leap day; day 31 with a weekday (either may match); day 31 in some month.
    EXPECT_TRUE(CronExpression::parse("0 0 29 2 *"));
    EXPECT_TRUE(CronExpression::parse("0 0 31 2 MON"));
    EXPECT_TRUE(CronExpression::parse("0 0 31 1-3 *"));
}

// --- the day rule ---

TEST(CronDays, BothRestrictedMeansEither) {
    namespace chr = std::chrono;
    const CronExpression cron = parsed("0 0 1 * MON");
    EXPECT_TRUE(cron.matches_date(chr::year{2026} / 1 / 1));   // Thursday, day 1
    EXPECT_TRUE(cron.matches_date(chr::year{2026} / 1 / 5));   // Monday
    EXPECT_FALSE(cron.matches_date(chr::year{2026} / 1 / 6));  // Tuesday
}

TEST(CronDays, AStarredDayFieldMeansBoth) {
    namespace chr = std::chrono;
    const CronExpression cron = parsed("0 0 */2 * MON");        // odd days that are Mondays
    EXPECT_TRUE(cron.matches_date(chr::year{2026} / 1 / 5));    // Monday, day 5
    EXPECT_FALSE(cron.matches_date(chr::year{2026} / 1 / 12));  // Monday, day 12
    EXPECT_FALSE(cron.matches_date(chr::year{2026} / 1 / 3));   // Saturday, day 3
    const CronExpression weekly = parsed("0 0 * * SUN");
    EXPECT_TRUE(weekly.matches_date(chr::year{2026} / 3 / 29));
    EXPECT_FALSE(weekly.matches_date(chr::year{2026} / 3 / 30));
    const CronExpression july = parsed("0 0 * 7 *");
    EXPECT_TRUE(july.matches_date(chr::year{2026} / 7 / 14));
    EXPECT_FALSE(july.matches_date(chr::year{2026} / 8 / 14));
}

// --- words ---

TEST(CronWords, DescribesCommonSchedules) {
    const std::pair<const char*, const char*> cases[] = {
        {"0 2 * * *", "every day at 02:00"},
        {"30 3 * * 0", "every Sunday at 03:30"},
        {"30 3 * * 7", "every Sunday at 03:30"},
        {"15 * * * *", "at minute 15 of every hour"},
        {"@hourly", "at minute 0 of every hour"},
        {"@daily", "every day at 00:00"},
        {"@weekly", "every Sunday at 00:00"},
        {"@monthly", "on day 1 of every month at 00:00"},
        {"@yearly", "every year on 1 January at 00:00"},
        {"0 0 29 2 *", "every year on 29 February at 00:00"},
        {"* * * * *", "every minute"},
        {"*/15 * * * *", "every 15 minutes"},
        {"0 9 * * 1-5", "every Monday to Friday at 09:00"},
        {"0 10 * * SAT,SUN", "every Saturday and Sunday at 10:00"},
        {"0 0,12 1,15 * *", "on days 1 and 15 of every month at 00:00 and 12:00"},
        {"0 4 1 1,7 *", "on day 1 of January and July at 04:00"},
        {"0 6 * 12 *", "every day in December at 06:00"},
        {"0 0 1 * MON", "on day 1 of every month and every Monday at 00:00"},
        {"*/10 9-17 * * 1-5", "every 10 minutes during hours 9-17 on Mondays to Fridays"},
        {"* 2 * * *", "every minute from 02:00 to 02:59"},
        {"5,10 * * * 0", "at minutes 5 and 10 of every hour on Sundays"},
        {"0 */2 * * *", "at minute 0 of hours 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20 and 22"},
    };
    for (const auto& [text, words] : cases)
        EXPECT_EQ(parsed(text).describe(), words) << text;
}

TEST(CronWords, DescribesTheWindow) {
    const ScopedTimeZone zone("UTC");
    auto schedule = Schedule::parse("0 2 * * *", ScheduleWindow{utc(2026, 1, 1), utc(2027, 1, 1)});
    ASSERT_TRUE(schedule);
    EXPECT_EQ(schedule->describe(),
              "every day at 02:00, from 2026-01-01 00:00, until 2027-01-01 00:00");
}

// --- run times (UTC) ---

TEST(NextRuns, StrictlyAfterTheGivenTime) {
    const ScopedTimeZone zone("UTC");
    EXPECT_EQ(next("0 2 * * *", utc(2026, 1, 1), 3),
              (std::vector<std::string>{"2026-01-01T02:00:00Z", "2026-01-02T02:00:00Z",
                                        "2026-01-03T02:00:00Z"}));
    EXPECT_EQ(next("0 2 * * *", utc(2026, 1, 1, 2), 1),
              (std::vector<std::string>{"2026-01-02T02:00:00Z"}));
    EXPECT_EQ(next("@hourly", utc(2026, 1, 1, 10, 30), 2),
              (std::vector<std::string>{"2026-01-01T11:00:00Z", "2026-01-01T12:00:00Z"}));
    EXPECT_TRUE(next("0 2 * * *", utc(2026, 1, 1), 0).empty());
}

TEST(NextRuns, MonthEndsSkipShortMonths) {
    const ScopedTimeZone zone("UTC");
    EXPECT_EQ(next("0 0 31 * *", utc(2026, 1, 31, 12), 4),
              (std::vector<std::string>{"2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z",
                                        "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z"}));
    EXPECT_EQ(next("0 0 30 * *", utc(2026, 1, 31), 2),
              (std::vector<std::string>{"2026-03-30T00:00:00Z", "2026-04-30T00:00:00Z"}));
}

TEST(NextRuns, LeapDayEveryFourYearsButNot2100) {
    const ScopedTimeZone zone("UTC");
    EXPECT_EQ(next("0 0 29 2 *", utc(2026, 1, 1), 3),
              (std::vector<std::string>{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z",
                                        "2036-02-29T00:00:00Z"}));
    EXPECT_EQ(next("0 0 29 2 *", utc(2096, 3, 1), 1),
              (std::vector<std::string>{"2104-02-29T00:00:00Z"}));
}

TEST(NextRuns, SundayAsZeroAndSevenRunAlike) {
    const ScopedTimeZone zone("UTC");
    const auto zero = next("30 3 * * 0", utc(2026, 3, 1, 12), 3);
    EXPECT_EQ(zero, next("30 3 * * 7", utc(2026, 3, 1, 12), 3));
    EXPECT_EQ(zero, (std::vector<std::string>{"2026-03-08T03:30:00Z", "2026-03-15T03:30:00Z",
                                              "2026-03-22T03:30:00Z"}));
}

TEST(NextRuns, EitherDayFieldRunsWhenBothAreRestricted) {
    const ScopedTimeZone zone("UTC");
    // Day 13 or any Friday in February 2026 (Fridays: 6, 13, 20, 27).
    EXPECT_EQ(next("0 0 13 2 FRI", utc(2026, 2, 1), 4),
              (std::vector<std::string>{"2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z",
                                        "2026-02-20T00:00:00Z", "2026-02-27T00:00:00Z"}));
}

TEST(NextRuns, WindowStartAndEnd) {
    const ScopedTimeZone zone("UTC");
    const ScheduleWindow window{utc(2026, 6, 1), utc(2026, 6, 3, 2)};
    // Start inclusive, end exclusive.
    EXPECT_EQ(next("0 2 * * *", utc(2026, 1, 1), 5, window),
              (std::vector<std::string>{"2026-06-01T02:00:00Z", "2026-06-02T02:00:00Z"}));
    EXPECT_EQ(next("0 0 * * *", utc(2026, 1, 1), 1, window),
              (std::vector<std::string>{"2026-06-01T00:00:00Z"}));
    // An end in the past: no next run.
    auto ended = Schedule::parse("0 2 * * *", ScheduleWindow{std::nullopt, utc(2026, 1, 1)});
    ASSERT_TRUE(ended);
    EXPECT_FALSE(ended->next_run(utc(2026, 2, 1)));
    EXPECT_TRUE(ended->next_runs(utc(2026, 2, 1), 5).empty());
    // A window that closes before the schedule's next run.
    auto narrow = Schedule::parse("0 0 29 2 *", ScheduleWindow{std::nullopt, utc(2027, 1, 1)});
    ASSERT_TRUE(narrow);
    EXPECT_FALSE(narrow->next_run(utc(2026, 1, 1)));
}

TEST(LatestRun, AtOrBeforeWithinTheWindow) {
    const ScopedTimeZone zone("UTC");
    auto schedule = Schedule::parse("0 2 * * *");
    ASSERT_TRUE(schedule);
    EXPECT_EQ(utc_text(*schedule->latest_run(utc(2026, 1, 5, 1))), "2026-01-04T02:00:00Z");
    EXPECT_EQ(utc_text(*schedule->latest_run(utc(2026, 1, 5, 2))), "2026-01-05T02:00:00Z");
    auto windowed = Schedule::parse("0 2 * * *", ScheduleWindow{utc(2026, 1, 3), utc(2026, 1, 5)});
    ASSERT_TRUE(windowed);
    EXPECT_FALSE(windowed->latest_run(utc(2026, 1, 3, 1)));
    EXPECT_EQ(utc_text(*windowed->latest_run(utc(2026, 1, 3, 3))), "2026-01-03T02:00:00Z");
    EXPECT_EQ(utc_text(*windowed->latest_run(utc(2026, 3, 1))), "2026-01-04T02:00:00Z");
    auto leap = Schedule::parse("0 0 29 2 *");
    ASSERT_TRUE(leap);
    EXPECT_EQ(utc_text(*leap->latest_run(utc(2031, 1, 1))), "2028-02-29T00:00:00Z");
}

// --- local time and DST: Europe/Berlin 2026 (29 March 02:00 CET -> 03:00 CEST at 01:00 UTC;
// 25 October 03:00 CEST -> 02:00 CET at 01:00 UTC) ---

TEST(LocalTime, ResolvesUniqueSkippedAndRepeatedTimes) {
    const ScopedTimeZone zone("Europe/Berlin");
    const LocalTimeInstants summer = resolve_local_time({2026, 7, 1, 12, 0, 0});
    EXPECT_EQ(summer.kind, LocalTimeInstants::Kind::unique);
    EXPECT_EQ(utc_text(summer.first), "2026-07-01T10:00:00Z");

    const LocalTimeInstants gap = resolve_local_time({2026, 3, 29, 2, 30, 0});
    EXPECT_EQ(gap.kind, LocalTimeInstants::Kind::skipped);
    EXPECT_EQ(utc_text(gap.first), "2026-03-29T01:00:00Z");

    const LocalTimeInstants twice = resolve_local_time({2026, 10, 25, 2, 30, 0});
    EXPECT_EQ(twice.kind, LocalTimeInstants::Kind::repeated);
    EXPECT_EQ(utc_text(twice.first), "2026-10-25T00:30:00Z");
    EXPECT_EQ(utc_text(twice.second), "2026-10-25T01:30:00Z");

    EXPECT_EQ(utc_text(to_instant({2026, 3, 29, 2, 0, 0})), "2026-03-29T01:00:00Z");
    EXPECT_EQ(utc_text(to_instant({2026, 10, 25, 2, 0, 0})), "2026-10-25T00:00:00Z");
    EXPECT_EQ(to_local(utc(2026, 3, 29, 1)), (LocalDateTime{2026, 3, 29, 3, 0, 0}));
}

TEST(LocalTime, FormatsWithOffsetAndZone) {
    const ScopedTimeZone zone("Europe/Berlin");
    EXPECT_EQ(format_local_rfc3339(utc(2026, 3, 29, 1)), "2026-03-29T03:00:00+02:00");
    EXPECT_EQ(format_local_rfc3339(utc(2026, 3, 29, 0, 59)), "2026-03-29T01:59:00+01:00");
    EXPECT_EQ(format_local_for_people(utc(2026, 3, 29, 1)), "Sun 2026-03-29 03:00 CEST");
    EXPECT_EQ(format_local_for_people(utc(2026, 10, 25, 1, 30)), "Sun 2026-10-25 02:30 CET");
    const ScopedTimeZone new_york("America/New_York");
    EXPECT_EQ(format_local_rfc3339(utc(2026, 1, 1, 12)), "2026-01-01T07:00:00-05:00");
}

TEST(LocalTime, ParsesTimeArguments) {
    const ScopedTimeZone zone("Europe/Berlin");
    EXPECT_EQ(utc_text(*parse_time_argument("2026-03-29T03:00")), "2026-03-29T01:00:00Z");
    EXPECT_EQ(utc_text(*parse_time_argument("2026-03-29 02:30:00")), "2026-03-29T01:00:00Z");
    EXPECT_EQ(utc_text(*parse_time_argument("2026-03-29T01:00:00Z")), "2026-03-29T01:00:00Z");
    EXPECT_EQ(utc_text(*parse_time_argument("2026-03-29T05:30:00+04:30")), "2026-03-29T01:00:00Z");
    EXPECT_EQ(utc_text(*parse_time_argument("2026-07-01")), "2026-06-30T22:00:00Z");
    for (const char* bad : {"2026-02-30T00:00", "yesterday", "2026-03-29T25:00", "2026-3-29",
                            "2026-03-29T03:00+2", "2026-03-29T03"}) {
        auto parsed_time = parse_time_argument(bad);
        ASSERT_FALSE(parsed_time) << bad;
        EXPECT_NE(parsed_time.error().message.find(bad), std::string::npos);
    }
}

TEST(DstBerlin, SkippedRunRunsOnceAtTheEndOfTheGap) {
    const ScopedTimeZone zone("Europe/Berlin");
    EXPECT_EQ(next("30 2 * * *", utc(2026, 3, 27, 12), 3),
              (std::vector<std::string>{"2026-03-28T01:30:00Z",     // 02:30 CET
                                        "2026-03-29T01:00:00Z",     // gap: 03:00 CEST
                                        "2026-03-30T00:30:00Z"}));  // 02:30 CEST
}

TEST(DstBerlin, SeveralSkippedRunsAndTheRunAtTheGapsEndAreOneRun) {
    const ScopedTimeZone zone("Europe/Berlin");
    EXPECT_EQ(next("*/15 2 * * *", utc(2026, 3, 28, 23), 2),
              (std::vector<std::string>{"2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z"}));
    EXPECT_EQ(next("0,30 2,3 * * *", utc(2026, 3, 28, 23), 3),
              (std::vector<std::string>{"2026-03-29T01:00:00Z",     // 02:00, 02:30, 03:00
                                        "2026-03-29T01:30:00Z",     // 03:30 CEST
                                        "2026-03-30T00:00:00Z"}));  // 02:00 CEST
}

TEST(DstBerlin, RepeatedRunRunsOnceAtTheFirstOccurrence) {
    const ScopedTimeZone zone("Europe/Berlin");
    EXPECT_EQ(next("30 2 * * *", utc(2026, 10, 23, 12), 3),
              (std::vector<std::string>{"2026-10-24T00:30:00Z",     // 02:30 CEST
                                        "2026-10-25T00:30:00Z",     // 02:30 CEST, not CET
                                        "2026-10-26T01:30:00Z"}));  // 02:30 CET
    EXPECT_EQ(next("*/20 2 * * *", utc(2026, 10, 24, 23), 4),
              (std::vector<std::string>{"2026-10-25T00:00:00Z", "2026-10-25T00:20:00Z",
                                        "2026-10-25T00:40:00Z", "2026-10-26T01:00:00Z"}));
}

TEST(DstBerlin, HourlySchedulesKeepTheirPaceInRealTime) {
    const ScopedTimeZone zone("Europe/Berlin");
    for (const SystemTime from : {utc(2026, 3, 28, 22, 30), utc(2026, 10, 24, 21, 30)}) {
        const auto runs = Schedule::parse("0 * * * *")->next_runs(from, 8);
        ASSERT_EQ(runs.size(), 8U);
        for (std::size_t i = 1; i < runs.size(); ++i)
            EXPECT_EQ(runs[i] - runs[i - 1], std::chrono::hours(1))
                << utc_text(runs[i - 1]) << " -> " << utc_text(runs[i]);
    }
    EXPECT_EQ(next("0 * * * *", utc(2026, 10, 24, 23, 30), 3),
              (std::vector<std::string>{"2026-10-25T00:00:00Z",     // 02:00 CEST
                                        "2026-10-25T01:00:00Z",     // 02:00 CET
                                        "2026-10-25T02:00:00Z"}));  // 03:00 CET
    const auto half_hours = Schedule::parse("*/30 * * * *")->next_runs(utc(2026, 3, 29, 0), 4);
    EXPECT_EQ(texts(half_hours),
              (std::vector<std::string>{"2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z",
                                        "2026-03-29T01:30:00Z", "2026-03-29T02:00:00Z"}));
}

TEST(DstBerlin, LatestRunFollowsTheSameRules) {
    const ScopedTimeZone zone("Europe/Berlin");
    auto schedule = Schedule::parse("30 2 * * *");
    ASSERT_TRUE(schedule);
    EXPECT_EQ(utc_text(*schedule->latest_run(utc(2026, 3, 29, 1, 0, 30))), "2026-03-29T01:00:00Z");
    EXPECT_EQ(utc_text(*schedule->latest_run(utc(2026, 3, 29, 0, 59))), "2026-03-28T01:30:00Z");
    EXPECT_EQ(utc_text(*schedule->latest_run(utc(2026, 10, 25, 1, 45))), "2026-10-25T00:30:00Z");
}

// --- America/New_York 2026 (8 March 02:00 EST -> 03:00 EDT at 07:00 UTC; 1 November 02:00 EDT ->
// 01:00 EST at 06:00 UTC) ---

TEST(DstNewYork, SpringForwardAndFallBack) {
    const ScopedTimeZone zone("America/New_York");
    EXPECT_EQ(next("30 2 * * *", utc(2026, 3, 6, 12), 3),
              (std::vector<std::string>{"2026-03-07T07:30:00Z",     // 02:30 EST
                                        "2026-03-08T07:00:00Z",     // gap: 03:00 EDT
                                        "2026-03-09T06:30:00Z"}));  // 02:30 EDT
    EXPECT_EQ(next("30 1 * * *", utc(2026, 10, 30, 12), 3),
              (std::vector<std::string>{"2026-10-31T05:30:00Z",     // 01:30 EDT
                                        "2026-11-01T05:30:00Z",     // 01:30 EDT, once
                                        "2026-11-02T06:30:00Z"}));  // 01:30 EST
    // A job at 02:30 on fall-back day is not in the repeated hour (01:00-02:00): once, EST.
    EXPECT_EQ(next("30 2 * * *", utc(2026, 10, 31, 12), 1),
              (std::vector<std::string>{"2026-11-01T07:30:00Z"}));
    // Weekly on Sunday at 02:30: the spring-forward Sunday runs at 03:00 EDT.
    EXPECT_EQ(next("30 2 * * SUN", utc(2026, 3, 2), 2),
              (std::vector<std::string>{"2026-03-08T07:00:00Z", "2026-03-15T06:30:00Z"}));
}

TEST(DstNewYork, WindowGivenInLocalTime) {
    const ScopedTimeZone zone("America/New_York");
    // A start inside the gap begins at its end (03:00 EDT).
    const ScheduleWindow window{to_instant({2026, 3, 8, 2, 15, 0}), std::nullopt};
    EXPECT_EQ(utc_text(*window.start), "2026-03-08T07:00:00Z");
    EXPECT_EQ(next("*/30 * * * *", utc(2026, 3, 1), 2, window),
              (std::vector<std::string>{"2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z"}));
}

}  // namespace
}  // namespace backup_host
