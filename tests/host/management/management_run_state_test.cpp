// Run state: the failure rule (5 in a row disable the job), re-enabling, history, interrupted
// runs; the JSON state files (atomic, fault-injected, damaged files); the per-job lock across
// real processes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "host-sdk/management/run_state.hpp"
#include "host-sdk/management/run_state_store.hpp"
#include "support/fault_injecting_env.hpp"
#include "support/management_test_support.hpp"
#include "support/temp_dir.hpp"

namespace backup_host {
namespace {

namespace fs = std::filesystem;
using certbackup::ErrorCode;
using testing::utc;

const std::string kHash = std::string(64, 'a');
const std::string kOtherHash = std::string(64, 'b');

RunResult succeeded(std::string set_id = "20260101T020000Z-abcdef") {
    RunResult result;
    result.outcome = RunOutcome::succeeded;
    result.status = "ok";
    result.set_id = std::move(set_id);
    return result;
}

RunResult failed(std::string message = "cannot read the store") {
    RunResult result;
    result.outcome = RunOutcome::failed;
    result.status = "failed";
    result.exit_code = 1;
    result.message = std::move(message);
    return result;
}

RunResult cancelled() {
    RunResult result;
    result.outcome = RunOutcome::cancelled;
    result.status = "cancelled";
    result.exit_code = 130;
    return result;
}

JobState fresh_state(SystemTime now = utc(2026, 1, 1)) {
    JobState state;
    state.job = "nightly";
    EXPECT_EQ(apply_configuration(state, kHash, now), ConfigurationChange::first_seen);
    return state;
}

// One run from start to result; returns what record_result said.
RecordedRun run(JobState& state, const RunResult& result, SystemTime started,
                RunTrigger trigger = RunTrigger::schedule) {
    auto begun = record_start(state, RunStart{trigger, started, started, 4242});
    EXPECT_TRUE(begun) << begun.error().message;
    auto recorded = record_result(state, result, started + std::chrono::seconds(90));
    EXPECT_TRUE(recorded) << recorded.error().message;
    return recorded.value_or(RecordedRun{});
}

SystemTime day(int n) {
    return utc(2026, 1, 1) + std::chrono::hours(24 * n) + std::chrono::hours(2);
}

TEST(RunState, ASuccessIsRecorded) {
    JobState state = fresh_state();
    EXPECT_EQ(state.served_until, utc(2026, 1, 1));
    const RecordedRun recorded = run(state, succeeded(), day(1));
    EXPECT_FALSE(recorded.disabled_now);
    EXPECT_EQ(recorded.consecutive_failures, 0U);
    ASSERT_EQ(state.history.size(), 1U);
    const RunRecord& last = *state.last_run();
    EXPECT_EQ(last.start.started, day(1));
    EXPECT_EQ(last.finished, day(1) + std::chrono::seconds(90));
    EXPECT_EQ(last.duration, std::chrono::milliseconds(90000));
    EXPECT_EQ(last.result.set_id, "20260101T020000Z-abcdef");
    EXPECT_EQ(last.start.pid, 4242);
    EXPECT_FALSE(state.running);
    EXPECT_EQ(state.served_until, day(1));
}

TEST(RunState, FiveFailuresInARowDisableTheJob) {
    JobState state = fresh_state();
    for (int i = 1; i <= 4; ++i) {
        const RecordedRun recorded = run(state, failed(), day(i));
        EXPECT_FALSE(recorded.disabled_now) << i;
        EXPECT_EQ(recorded.consecutive_failures, static_cast<unsigned>(i));
        EXPECT_FALSE(is_disabled(state, kHash));
    }
    // `run` counts like the schedule.
    const RecordedRun fifth = run(state, failed("wrong password"), day(5), RunTrigger::manual);
    EXPECT_TRUE(fifth.disabled_now);
    EXPECT_EQ(fifth.consecutive_failures, 5U);
    ASSERT_TRUE(is_disabled(state, kHash));
    EXPECT_EQ(state.disabled->reason,
              "disabled after 5 failed runs in a row (the last: wrong password); re-enable it "
              "with a successful `backup-host run nightly` or by changing its configuration");
    EXPECT_EQ(state.disabled->since, day(5) + std::chrono::seconds(90));

    // The daemon may not start it; `run` may.
    auto scheduled = record_start(state, RunStart{RunTrigger::schedule, day(6), day(6), 1});
    ASSERT_FALSE(scheduled);
    EXPECT_EQ(scheduled.error().code, ErrorCode::conflict);
    EXPECT_NE(scheduled.error().message.find("job 'nightly' is disabled: disabled after 5"),
              std::string::npos);
    // A failing `run` keeps it disabled.
    const RecordedRun sixth = run(state, failed(), day(6), RunTrigger::manual);
    EXPECT_FALSE(sixth.disabled_now);
    EXPECT_EQ(sixth.consecutive_failures, 6U);
    EXPECT_TRUE(is_disabled(state, kHash));
    // A successful `run` enables it again.
    const RecordedRun fixed = run(state, succeeded(), day(7), RunTrigger::manual);
    EXPECT_TRUE(fixed.re_enabled);
    EXPECT_EQ(fixed.consecutive_failures, 0U);
    EXPECT_FALSE(state.disabled);
    EXPECT_TRUE(record_start(state, RunStart{RunTrigger::schedule, day(8), day(8), 1}));
}

TEST(RunState, ASuccessInBetweenResetsTheCount) {
    JobState state = fresh_state();
    for (int i = 1; i <= 4; ++i)
        run(state, failed(), day(i));
    run(state, succeeded(), day(5));
    for (int i = 6; i <= 9; ++i)
        run(state, failed(), day(i));
    EXPECT_EQ(state.consecutive_failures, 4U);
    EXPECT_FALSE(state.disabled);
}

TEST(RunState, CancelledRunsNeitherCountNorServe) {
    JobState state = fresh_state();
    for (int i = 1; i <= 4; ++i)
        run(state, failed(), day(i));
    const SystemTime served = *state.served_until;
    const RecordedRun recorded = run(state, cancelled(), day(5));
    EXPECT_EQ(recorded.consecutive_failures, 4U);
    EXPECT_EQ(state.served_until, served);
    EXPECT_EQ(state.history.back().result.outcome, RunOutcome::cancelled);
    EXPECT_TRUE(run(state, failed(), day(6)).disabled_now);
}

TEST(RunState, AChangedConfigurationEnablesAgain) {
    JobState state = fresh_state();
    for (int i = 1; i <= 5; ++i)
        run(state, failed(), day(i));
    ASSERT_TRUE(is_disabled(state, kHash));
    // `schedule` shows it enabled under the new configuration before the daemon applies it.
    EXPECT_FALSE(is_disabled(state, kOtherHash));
    EXPECT_EQ(apply_configuration(state, kHash, day(6)), ConfigurationChange::none);
    EXPECT_EQ(apply_configuration(state, kOtherHash, day(7)),
              ConfigurationChange::changed_reenabled);
    EXPECT_FALSE(state.disabled);
    EXPECT_EQ(state.consecutive_failures, 0U);
    EXPECT_EQ(state.served_until, day(7));  // the old schedule's missed times are not owed
    EXPECT_EQ(apply_configuration(state, kHash, day(8)), ConfigurationChange::changed);
}

TEST(RunState, HistoryIsBounded) {
    JobState state = fresh_state();
    for (int i = 0; i < 130; ++i)
        run(state, i % 2 == 0 ? succeeded() : failed(), day(i));
    ASSERT_EQ(state.history.size(), kHistoryLimit);
    EXPECT_EQ(state.history.front().start.started, day(30));
    EXPECT_EQ(state.history.back().start.started, day(129));
}

TEST(RunState, AnInterruptedRunIsAFailure) {
    JobState state = fresh_state();
    for (int i = 1; i <= 4; ++i)
        run(state, failed(), day(i));
    ASSERT_TRUE(record_start(state, RunStart{RunTrigger::schedule, day(5), day(5), 777}));
    JobState idle = fresh_state();
    EXPECT_FALSE(recover_interrupted_run(idle, day(5)));  // nothing to recover
    auto recovered = recover_interrupted_run(state, day(5) + std::chrono::minutes(3));
    ASSERT_TRUE(recovered);
    EXPECT_EQ(recovered->result.outcome, RunOutcome::failed);
    EXPECT_NE(recovered->result.message.find("interrupted: the backup-host process (pid 777)"),
              std::string::npos);
    EXPECT_EQ(recovered->duration, std::chrono::minutes(3));
    EXPECT_FALSE(state.running);
    EXPECT_TRUE(is_disabled(state, kHash)) << "the 5th failure in a row";
}

TEST(RunState, StartAndResultMustPair) {
    JobState state = fresh_state();
    auto orphan = record_result(state, succeeded(), day(1));
    ASSERT_FALSE(orphan);
    EXPECT_EQ(orphan.error().code, ErrorCode::invalid_argument);
    ASSERT_TRUE(record_start(state, RunStart{RunTrigger::manual, std::nullopt, day(1), 1}));
    auto twice = record_start(state, RunStart{RunTrigger::manual, std::nullopt, day(1), 2});
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().code, ErrorCode::conflict);
}

// --- files ---

JobState rich_state() {
    JobState state = fresh_state();
    for (int i = 1; i <= 5; ++i)
        run(state, failed("failure " + std::to_string(i)), day(i));
    RunResult result = succeeded();
    result.warnings = {"certificate X has no private key", "ssl skipped"};
    result.deleted_sets = {"20251201T020000Z-000001"};
    run(state, result, day(6) + std::chrono::milliseconds(250), RunTrigger::manual);
    run(state, cancelled(), day(7));
    EXPECT_TRUE(record_start(state, RunStart{RunTrigger::schedule, day(8), day(8), 99}));
    state.disabled = DisabledMark{day(8), "reason with \"quotes\" and \n newline", kHash};
    return state;
}

void expect_same(const JobState& a, const JobState& b) {
    EXPECT_EQ(encode_run_state(a), encode_run_state(b));
    EXPECT_EQ(a.job, b.job);
    EXPECT_EQ(a.config_hash, b.config_hash);
    EXPECT_EQ(a.served_until, b.served_until);
    EXPECT_EQ(a.consecutive_failures, b.consecutive_failures);
    ASSERT_EQ(a.history.size(), b.history.size());
    for (std::size_t i = 0; i < a.history.size(); ++i) {
        EXPECT_EQ(a.history[i].start.started, b.history[i].start.started) << i;
        EXPECT_EQ(a.history[i].start.slot, b.history[i].start.slot) << i;
        EXPECT_EQ(a.history[i].result.message, b.history[i].result.message) << i;
        EXPECT_EQ(a.history[i].result.warnings, b.history[i].result.warnings) << i;
        EXPECT_EQ(a.history[i].result.set_id, b.history[i].result.set_id) << i;
    }
    ASSERT_EQ(a.running.has_value(), b.running.has_value());
    ASSERT_EQ(a.disabled.has_value(), b.disabled.has_value());
    if (a.disabled) {
        EXPECT_EQ(a.disabled->reason, b.disabled->reason);
    }
}

class RunStateStoreTest : public ::testing::Test {
  protected:
    fs::path state_dir() const { return dir_.path() / "state"; }
    certbackup::testing::TempDir dir_;
};

TEST_F(RunStateStoreTest, SavesAndLoadsEverything) {
    RunStateStore store(certbackup::Env::posix(), state_dir());
    auto fresh = store.load("nightly");
    ASSERT_TRUE(fresh) << fresh.error().message;
    EXPECT_EQ(fresh->job, "nightly");
    EXPECT_TRUE(fresh->history.empty());
    EXPECT_TRUE(store.jobs()->empty());

    auto lock = store.lock("nightly");
    ASSERT_TRUE(lock) << lock.error().message;
    const JobState state = rich_state();
    ASSERT_TRUE(store.save(*lock, state));
    auto loaded = store.load("nightly");
    ASSERT_TRUE(loaded) << loaded.error().message;
    expect_same(state, *loaded);
    EXPECT_EQ(loaded->history[5].start.started, day(6) + std::chrono::milliseconds(250));
    EXPECT_EQ(*store.jobs(), std::vector<std::string>{"nightly"});

    struct stat info {};
    ASSERT_EQ(::stat(store.state_file("nightly").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600U);
    ASSERT_EQ(::stat(state_dir().c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700U);
}

TEST_F(RunStateStoreTest, SavingNeedsTheJobsLock) {
    RunStateStore store(certbackup::Env::posix(), state_dir());
    auto lock = store.lock("other");
    ASSERT_TRUE(lock);
    auto saved = store.save(*lock, fresh_state());
    ASSERT_FALSE(saved);
    EXPECT_EQ(saved.error().code, ErrorCode::invalid_argument);
    EXPECT_FALSE(store.lock("../etc"));
    EXPECT_FALSE(store.load("Bad Name"));
}

TEST_F(RunStateStoreTest, EveryFailedStepLeavesTheOldOrTheNewFile) {
    const JobState before = fresh_state();
    const JobState after = rich_state();
    for (int step = 1;; ++step) {
        certbackup::testing::TempDir dir;
        RunStateStore setup(certbackup::Env::posix(), dir.path());
        auto lock = setup.lock("nightly");
        ASSERT_TRUE(lock);
        ASSERT_TRUE(setup.save(*lock, before));

        certbackup::testing::FaultInjectingEnv env;
        env.fail_at(step);
        RunStateStore store(env, dir.path());
        const bool saved = store.save(*lock, after).has_value();
        auto loaded = setup.load("nightly");
        ASSERT_TRUE(loaded) << "step " << step << ": " << loaded.error().message;
        // A failed fsync of the directory after the rename reports an error with the new file
        // in place: old or new, never a mix; and new whenever the save succeeded.
        const std::string text = encode_run_state(*loaded);
        EXPECT_TRUE(text == encode_run_state(before) || text == encode_run_state(after))
            << "step " << step;
        if (saved)
            expect_same(after, *loaded);
        std::vector<std::string> entries = *certbackup::Env::posix().list_dir(dir.path());
        EXPECT_EQ(entries, (std::vector<std::string>{"nightly.json", "nightly.lock"}))
            << "step " << step << " left a temporary file";
        if (env.count() < step)
            break;  // no step failed: every step has been tried
    }
}

TEST_F(RunStateStoreTest, DamagedFilesAreReportedByName) {
    RunStateStore store(certbackup::Env::posix(), state_dir());
    fs::create_directories(state_dir());
    const fs::path file = store.state_file("nightly");
    const auto load_with = [&](const std::string& text) {
        std::ofstream(file, std::ios::trunc) << text;
        return store.load("nightly");
    };
    auto not_json = load_with("{ nope");
    ASSERT_FALSE(not_json);
    EXPECT_EQ(not_json.error().code, ErrorCode::corrupt);
    EXPECT_NE(not_json.error().message.find(file.string()), std::string::npos);
    EXPECT_NE(not_json.error().message.find("remove the file"), std::string::npos);

    std::string valid = encode_run_state(rich_state());
    std::string bad_time = valid;
    bad_time.replace(bad_time.find("\"served_until\": \"") + 17, 4, "20x6");
    auto damaged = load_with(bad_time);
    ASSERT_FALSE(damaged);
    EXPECT_EQ(damaged.error().code, ErrorCode::corrupt);
    EXPECT_NE(damaged.error().message.find("served_until '20x6"), std::string::npos)
        << damaged.error().message;

    std::string missing = valid;
    missing.replace(missing.find("\"consecutive_failures\""), 22, "\"failures_in_a_row\"");
    auto incomplete = load_with(missing);
    ASSERT_FALSE(incomplete);
    EXPECT_NE(incomplete.error().message.find("'consecutive_failures' is missing"),
              std::string::npos)
        << incomplete.error().message;

    std::string newer = valid;
    newer.replace(newer.find("\"format_version\": 1"), 19, "\"format_version\": 2");
    auto future = load_with(newer);
    ASSERT_FALSE(future);
    EXPECT_EQ(future.error().code, ErrorCode::unsupported);
    EXPECT_NE(future.error().message.find("format version 2"), std::string::npos);

    std::string renamed = valid;
    renamed.replace(renamed.find("\"job\": \"nightly\""), 16, "\"job\": \"weekly\"");
    auto foreign = load_with(renamed);
    ASSERT_FALSE(foreign);
    EXPECT_NE(foreign.error().message.find("belongs to job 'weekly'"), std::string::npos);

    EXPECT_TRUE(load_with(valid));
}

TEST(RunStateDirectory, Defaults) {
    EXPECT_EQ(default_state_directory(fs::path("/etc/backup-host/backup-host.toml"), std::nullopt),
              fs::path("/var/lib/backup-host"));
    EXPECT_EQ(default_state_directory(std::nullopt, std::nullopt),
              fs::path("/var/lib/backup-host"));
    EXPECT_EQ(default_state_directory(fs::path("/home/ops/backup.toml"), std::nullopt),
              fs::path("/home/ops/backup.state"));
    EXPECT_EQ(default_state_directory(fs::path("b.toml"), std::nullopt), fs::path("./b.state"));
    EXPECT_EQ(default_state_directory(fs::path("/home/ops/backup.toml"),
                                      std::string("/var/lib/backup-host:/var/lib/other")),
              fs::path("/var/lib/backup-host"));
}

// --- the lock ---

std::string lock_file_text(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST_F(RunStateStoreTest, ASecondRunOfARunningJobIsRefused) {
    RunStateStore store(certbackup::Env::posix(), state_dir());
    auto first = store.lock("nightly");
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(lock_file_text(store.lock_file("nightly")), std::to_string(::getpid()) + "\n");
    auto second = store.lock("nightly");
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, ErrorCode::conflict);
    EXPECT_NE(second.error().message.find("job 'nightly' is already running (pid " +
                                          std::to_string(::getpid()) + ")"),
              std::string::npos)
        << second.error().message;
    EXPECT_TRUE(store.lock("weekly")) << "another job is independent";
    { const JobLock released = std::move(*first); }
    EXPECT_EQ(lock_file_text(store.lock_file("nightly")), "");
    EXPECT_TRUE(store.lock("nightly"));
}

TEST_F(RunStateStoreTest, TheLockHoldsAcrossProcessesAndDiesWithItsHolder) {
    RunStateStore store(certbackup::Env::posix(), state_dir());
    int ready[2];
    int release[2];
    ASSERT_EQ(::pipe(ready), 0);
    ASSERT_EQ(::pipe(release), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(ready[0]);
        ::close(release[1]);
        auto lock = store.lock("nightly");
        const char status = lock ? 'L' : 'E';
        (void)!::write(ready[1], &status, 1);
        char go = 0;
        (void)!::read(release[0], &go, 1);  // wait for the parent (or be killed)
        ::_exit(go == 'q' ? 0 : 1);
    }
    ::close(ready[1]);
    ::close(release[0]);
    char status = 0;
    ASSERT_EQ(::read(ready[0], &status, 1), 1);
    ASSERT_EQ(status, 'L');

    auto refused = store.lock("nightly");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::conflict);
    EXPECT_NE(refused.error().message.find("already running (pid " + std::to_string(child) + ")"),
              std::string::npos)
        << refused.error().message;

    // SIGKILL: no chance to clean up, the kernel drops the lock.
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int wait_status = 0;
    ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
    EXPECT_TRUE(WIFSIGNALED(wait_status));
    ::close(ready[0]);
    ::close(release[1]);
    auto taken = store.lock("nightly");
    ASSERT_TRUE(taken) << taken.error().message;
    EXPECT_EQ(lock_file_text(store.lock_file("nightly")), std::to_string(::getpid()) + "\n");
}

TEST_F(RunStateStoreTest, AStaleRunningMarkIsRecoveredUnderTheLock) {
    RunStateStore store(certbackup::Env::posix(), state_dir());
    {
        auto lock = store.lock("nightly");
        ASSERT_TRUE(lock);
        JobState state = fresh_state();
        ASSERT_TRUE(record_start(state, RunStart{RunTrigger::schedule, day(1), day(1), 31337}));
        ASSERT_TRUE(store.save(*lock, state));
    }  // the "process" dies with the run marked
    auto lock = store.lock("nightly");
    ASSERT_TRUE(lock);
    auto state = store.load("nightly");
    ASSERT_TRUE(state);
    ASSERT_TRUE(state->running);
    auto recovered = recover_interrupted_run(*state, day(1) + std::chrono::hours(1));
    ASSERT_TRUE(recovered);
    EXPECT_NE(recovered->result.message.find("pid 31337"), std::string::npos);
    ASSERT_TRUE(store.save(*lock, *state));
    EXPECT_EQ(store.load("nightly")->history.size(), 1U);
    EXPECT_FALSE(store.load("nightly")->running);
}

}  // namespace
}  // namespace backup_host
