// Which jobs are due: on time, missed while the daemon was down (once, not once per missed
// time), never-seen jobs, disabled and manual-only jobs, windows, DST; and the whole cycle with
// real state files.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host-sdk/management/due_jobs.hpp"
#include "host-sdk/management/job_config.hpp"
#include "host-sdk/management/run_state_store.hpp"
#include "support/management_test_support.hpp"
#include "support/temp_dir.hpp"

namespace backup_host {
namespace {

using testing::ScopedTimeZone;
using testing::utc;
using testing::utc_text;

Schedule schedule_of(const std::string& text, ScheduleWindow window = {}) {
    auto schedule = Schedule::parse(text, window);
    EXPECT_TRUE(schedule) << text;
    return *schedule;
}

std::vector<std::string> names(const std::vector<DueRun>& due) {
    std::vector<std::string> result;
    for (const DueRun& run : due)
        result.push_back(run.job);
    return result;
}

TEST(DueJobs, OnTimeAndNotBefore) {
    const ScopedTimeZone zone("UTC");
    const Schedule nightly = schedule_of("0 2 * * *");
    const DueCheck check{"nightly", &nightly, true, false, utc(2026, 1, 1, 3)};
    EXPECT_TRUE(due_jobs(utc(2026, 1, 2, 1, 59), {&check, 1}).empty());
    const auto due = due_jobs(utc(2026, 1, 2, 2), {&check, 1});
    ASSERT_EQ(due.size(), 1U);
    EXPECT_EQ(utc_text(due[0].slot), "2026-01-02T02:00:00Z");
    EXPECT_EQ(due[0].first_pending, due[0].slot);
    EXPECT_FALSE(due[0].missed(utc(2026, 1, 2, 2, 0, 5)));
    // Served at its start: not due again until the next night.
    const DueCheck served{"nightly", &nightly, true, false, utc(2026, 1, 2, 2, 0, 1)};
    EXPECT_TRUE(due_jobs(utc(2026, 1, 2, 23), {&served, 1}).empty());
    EXPECT_EQ(utc_text(*next_wakeup(utc(2026, 1, 2, 23), {&served, 1})), "2026-01-03T02:00:00Z");
}

TEST(DueJobs, RunsMissedWhileDownRunOnceAtStart) {
    const ScopedTimeZone zone("UTC");
    const Schedule nightly = schedule_of("0 2 * * *");
    // Last served on 1 January; the daemon comes back on 4 January at 10:00.
    const DueCheck check{"nightly", &nightly, true, false, utc(2026, 1, 1, 2, 0, 3)};
    const auto due = due_jobs(utc(2026, 1, 4, 10), {&check, 1});
    ASSERT_EQ(due.size(), 1U) << "one run, not one per missed night";
    EXPECT_EQ(utc_text(due[0].slot), "2026-01-04T02:00:00Z");
    EXPECT_EQ(utc_text(due[0].first_pending), "2026-01-02T02:00:00Z");
    EXPECT_TRUE(due[0].missed(utc(2026, 1, 4, 10)));
    EXPECT_EQ(next_wakeup(utc(2026, 1, 4, 10), {&check, 1}), utc(2026, 1, 4, 10));
    // Once it ran (served from its start), nothing is owed until the next night.
    const DueCheck after{"nightly", &nightly, true, false, utc(2026, 1, 4, 10)};
    EXPECT_TRUE(due_jobs(utc(2026, 1, 4, 10, 5), {&after, 1}).empty());
}

TEST(DueJobs, ANewJobOwesNothingBeforeItIsFirstSeen) {
    const ScopedTimeZone zone("UTC");
    const Schedule nightly = schedule_of("0 2 * * *");
    const DueCheck check{"nightly", &nightly, true, false, std::nullopt};
    EXPECT_TRUE(due_jobs(utc(2026, 1, 4, 10), {&check, 1}).empty());
    EXPECT_EQ(utc_text(*next_wakeup(utc(2026, 1, 4, 10), {&check, 1})), "2026-01-05T02:00:00Z");
}

TEST(DueJobs, DisabledManualAndTurnedOffJobsAreNeverDue) {
    const ScopedTimeZone zone("UTC");
    const Schedule hourly = schedule_of("@hourly");
    const SystemTime long_ago = utc(2025, 1, 1);
    const std::vector<DueCheck> checks = {
        {"disabled", &hourly, true, true, long_ago},
        {"turned-off", &hourly, false, false, long_ago},
        {"manual", nullptr, true, false, long_ago},
    };
    EXPECT_TRUE(due_jobs(utc(2026, 1, 1), checks).empty());
    EXPECT_FALSE(next_wakeup(utc(2026, 1, 1), checks));
}

TEST(DueJobs, WindowsBoundTheRuns) {
    const ScopedTimeZone zone("UTC");
    const Schedule ended = schedule_of("0 2 * * *", {std::nullopt, utc(2026, 1, 10)});
    const Schedule not_yet = schedule_of("0 2 * * *", {utc(2026, 2, 1), std::nullopt});
    // Ended: the last night before the end is still owed once, then nothing.
    const DueCheck owed{"ended", &ended, true, false, utc(2026, 1, 5)};
    const auto due = due_jobs(utc(2026, 3, 1), {&owed, 1});
    ASSERT_EQ(due.size(), 1U);
    EXPECT_EQ(utc_text(due[0].slot), "2026-01-09T02:00:00Z");
    const DueCheck done{"ended", &ended, true, false, utc(2026, 1, 9, 3)};
    EXPECT_TRUE(due_jobs(utc(2026, 3, 1), {&done, 1}).empty());
    EXPECT_FALSE(next_wakeup(utc(2026, 3, 1), {&done, 1}));
    const DueCheck waiting{"not-yet", &not_yet, true, false, utc(2026, 1, 5)};
    EXPECT_TRUE(due_jobs(utc(2026, 1, 20), {&waiting, 1}).empty());
    EXPECT_EQ(utc_text(*next_wakeup(utc(2026, 1, 20), {&waiting, 1})), "2026-02-01T02:00:00Z");
}

TEST(DueJobs, EarliestFirstAndTheNextWakeUpIsTheEarliest) {
    const ScopedTimeZone zone("UTC");
    const Schedule at_two = schedule_of("0 2 * * *");
    const Schedule at_one = schedule_of("0 1 * * *");
    const Schedule weekly = schedule_of("@weekly");  // Sundays; 4 January 2026 is one
    const SystemTime served = utc(2026, 1, 3, 12);
    const std::vector<DueCheck> checks = {{"b-two", &at_two, true, false, served},
                                          {"a-two", &at_two, true, false, served},
                                          {"one", &at_one, true, false, served},
                                          {"weekly", &weekly, true, false, served}};
    EXPECT_EQ(names(due_jobs(utc(2026, 1, 4, 3), checks)),
              (std::vector<std::string>{"weekly", "one", "a-two", "b-two"}));
    EXPECT_EQ(names(due_jobs(utc(2026, 1, 4, 1, 30), checks)),
              (std::vector<std::string>{"weekly", "one"}));
    EXPECT_EQ(utc_text(*next_wakeup(utc(2026, 1, 3, 13), checks)), "2026-01-04T00:00:00Z");
}

TEST(DueJobs, SpringForwardRunIsDueOnceAfterTheGap) {
    const ScopedTimeZone zone("Europe/Berlin");
    const Schedule schedule = schedule_of("30 2 * * *");
    const DueCheck check{"nightly", &schedule, true, false, utc(2026, 3, 28, 1, 30, 2)};
    EXPECT_EQ(utc_text(*next_wakeup(utc(2026, 3, 28, 12), {&check, 1})), "2026-03-29T01:00:00Z");
    EXPECT_TRUE(due_jobs(utc(2026, 3, 29, 0, 59, 59), {&check, 1}).empty());
    const auto due = due_jobs(utc(2026, 3, 29, 1, 0, 1), {&check, 1});
    ASSERT_EQ(due.size(), 1U);
    EXPECT_EQ(utc_text(due[0].slot), "2026-03-29T01:00:00Z");  // 03:00 CEST
    const DueCheck ran{"nightly", &schedule, true, false, utc(2026, 3, 29, 1, 0, 1)};
    EXPECT_TRUE(due_jobs(utc(2026, 3, 29, 23), {&ran, 1}).empty());
    EXPECT_EQ(utc_text(*next_wakeup(utc(2026, 3, 29, 23), {&ran, 1})), "2026-03-30T00:30:00Z");
}

TEST(DueJobs, FallBackRunIsDueOnce) {
    const ScopedTimeZone zone("Europe/Berlin");
    const Schedule schedule = schedule_of("30 2 * * *");
    // Ran at the first 02:30 (CEST, 00:30 UTC); the second 02:30 (CET) owes nothing.
    const DueCheck ran{"nightly", &schedule, true, false, utc(2026, 10, 25, 0, 30, 1)};
    EXPECT_TRUE(due_jobs(utc(2026, 10, 25, 1, 45), {&ran, 1}).empty());
    EXPECT_EQ(utc_text(*next_wakeup(utc(2026, 10, 25, 1, 45), {&ran, 1})), "2026-10-26T01:30:00Z");
}

// The daemon's cycle with real state files: first sight, a missed run, the run, a restart.
TEST(DueJobs, TheDaemonCycleWithStateFiles) {
    const ScopedTimeZone zone("UTC");
    certbackup::testing::TempDir dir;
    RunStateStore store(certbackup::Env::posix(), dir.path() / "state");
    const Schedule nightly = schedule_of("0 2 * * *");
    const std::string hash = std::string(64, 'c');

    const auto check_at = [&](SystemTime now) {
        auto lock = store.lock("nightly");
        EXPECT_TRUE(lock);
        auto state = store.load("nightly");
        EXPECT_TRUE(state);
        recover_interrupted_run(*state, now);
        apply_configuration(*state, hash, now);
        EXPECT_TRUE(store.save(*lock, *state));
        const DueCheck check{"nightly", &nightly, true, is_disabled(*state, hash),
                             state->served_until};
        return due_jobs(now, {&check, 1});
    };
    // First seen on 1 January at noon: nothing owed.
    EXPECT_TRUE(check_at(utc(2026, 1, 1, 12)).empty());
    // The daemon was down from then until 5 January 09:00: one run owed.
    const auto due = check_at(utc(2026, 1, 5, 9));
    ASSERT_EQ(due.size(), 1U);
    EXPECT_EQ(utc_text(due[0].first_pending), "2026-01-02T02:00:00Z");
    {
        auto lock = store.lock("nightly");
        ASSERT_TRUE(lock);
        auto state = store.load("nightly");
        ASSERT_TRUE(record_start(
            *state, RunStart{RunTrigger::schedule, due[0].slot, utc(2026, 1, 5, 9), 1}));
        ASSERT_TRUE(store.save(*lock, *state));
        RunResult ok;
        ok.status = "ok";
        ASSERT_TRUE(record_result(*state, ok, utc(2026, 1, 5, 9, 1)));
        ASSERT_TRUE(store.save(*lock, *state));
    }
    // Restarted at 09:30: nothing owed until the next night.
    EXPECT_TRUE(check_at(utc(2026, 1, 5, 9, 30)).empty());
    EXPECT_EQ(check_at(utc(2026, 1, 6, 2)).size(), 1U);
}

}  // namespace
}  // namespace backup_host
