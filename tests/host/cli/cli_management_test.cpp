// backup-host's management commands (schedule, run) on the real binary: the sample
// configuration, [[job]] validation, one set per run with retention, non-timestamped jobs,
// full-system jobs and restoring one plugin's part, the 5-failures rule.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/cli_test_support.hpp"
#include "support/sample_store_cache.hpp"
#include "support/temp_dir.hpp"

namespace backup_host::cli_testing {
namespace {

using certbackup::testing::TempDir;

fs::path sample_config() {
    return fs::path(CERTBACKUP_SOURCE_DIR) / "samples/config/backup-host.toml";
}

// The sets (visible entries) at a location, sorted.
std::vector<std::string> sets_at(const fs::path& location) {
    std::vector<std::string> sets;
    for (const std::string& name : entries_of(location))
        if (!name.empty() && name.front() != '.')
            sets.push_back(name);
    return sets;
}

// Set ids made within one second do not sort by time: compare as sorted lists.
std::vector<std::string> sorted(std::vector<std::string> ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
}

class ManagementCli : public certbackup::testing::SharedSampleStoreTest<ManagementCli> {
  public:
    static certbackup::samples::SampleStoreOptions store_options() {
        return {.databases = 1, .seed = 5};
    }

  protected:
    void SetUp() override {
        write_text(dir_.path() / "pass", "job-password\n");
        build_tree(dir_.path() / "files", sample_tree());
    }

    // A configuration in the test's directory; `jobs` is appended after [plugins.certificates].
    fs::path config(const std::string& jobs) {
        const fs::path file = dir_.path() / "backup-host.toml";
        write_text(
            file, "[plugins.certificates]\nstore = \"" + shared_store().string() + "\"\n\n" + jobs);
        return file;
    }

    Finished host(const fs::path& config_file, std::vector<std::string> args) {
        std::vector<std::string> all = {"--config", config_file.string()};
        all.insert(all.end(), args.begin(), args.end());
        if (args.front() != "prune") {  // prune reads no run state
            all.push_back("--state-dir");
            all.push_back((dir_.path() / "state").string());
        }
        return run(all);
    }

    static std::string job(const std::string& name, const std::string& extra,
                           const std::string& plugins = "\"certificates\"") {
        return "[[job]]\nname = \"" + name + "\"\nplugins = [" + plugins +
               "]\nlocation = \"loc\"\npassword_file = \"pass\"\n" + extra +
               "\n[job.options.certificates]\niterations = 1000\n\n";
    }

    TempDir dir_;
};

TEST_F(ManagementCli, ScheduleShowsTheSampleConfigurationWithDst) {
    Launch launch;
    launch.args = {"--config",
                   sample_config().string(),
                   "schedule",
                   "--preview",
                   "5",
                   "--from",
                   "2026-03-28T00:00",
                   "--state-dir",
                   (dir_.path() / "state").string()};
    launch.environment = {"TZ=Europe/Berlin"};
    const Finished done = run(launch);
    ASSERT_EQ(done.exit_code, 0) << describe(done);
    EXPECT_NE(done.out.find("certificates-nightly"), std::string::npos) << done.out;
    EXPECT_NE(done.out.find("every day at 02:00"), std::string::npos) << done.out;
    EXPECT_NE(done.out.find("Sat 2026-03-28 02:00 CET"), std::string::npos) << done.out;
    // Spring forward: the 02:00 run of 2026-03-29 runs once, at 03:00 summer time.
    EXPECT_NE(done.out.find("Sun 2026-03-29 03:00 CEST"), std::string::npos) << done.out;
    EXPECT_NE(done.out.find("every Sunday at 03:30"), std::string::npos) << done.out;
    EXPECT_NE(done.out.find("status:   enabled"), std::string::npos) << done.out;

    launch.args.push_back("--json");
    const Finished json_done = run(launch);
    ASSERT_EQ(json_done.exit_code, 0) << describe(json_done);
    const auto jobs = nlohmann::json::parse(json_done.out);
    ASSERT_EQ(jobs.size(), 2u);
    EXPECT_EQ(jobs[0]["name"], "certificates-nightly");
    ASSERT_EQ(jobs[0]["next_runs"].size(), 5u);
    EXPECT_EQ(jobs[0]["next_runs"][1], "2026-03-29T03:00:00+02:00");
    EXPECT_EQ(jobs[1]["plugins"].size(), 2u);
}

TEST_F(ManagementCli, UnknownPluginOrOptionOfAJobIsAConfigurationError) {
    const Finished plugin =
        host(config(job("bad", "", "\"certificates\", \"nope\"")), {"schedule"});
    EXPECT_EQ(plugin.exit_code, 2) << describe(plugin);
    EXPECT_NE(plugin.err.find("backup-host.toml:"), std::string::npos) << plugin.err;
    EXPECT_NE(plugin.err.find("'nope'"), std::string::npos) << plugin.err;

    const Finished unknown_option =
        host(config("[[job]]\nname = \"bad\"\nplugins = [\"certificates\"]\nlocation = \"loc\"\n"
                    "password_file = \"pass\"\n[job.options.certificates]\nno_such_option = 1\n"),
             {"run", "bad"});
    EXPECT_EQ(unknown_option.exit_code, 2) << describe(unknown_option);
    EXPECT_NE(unknown_option.err.find("no_such_option"), std::string::npos) << unknown_option.err;
    EXPECT_TRUE(sets_at(dir_.path() / "loc").empty());
}

TEST_F(ManagementCli, RunWritesOneSetRecordsItAndAppliesRetention) {
    const fs::path file = config(job("certs", "retention = { keep_last = 2 }"));
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
        const Finished done = host(file, {"run", "certs"});
        ASSERT_EQ(done.exit_code, 0) << describe(done);
        ASSERT_FALSE(done.out.empty());
        ids.push_back(done.out.substr(0, done.out.find('\n')));
    }
    EXPECT_EQ(sets_at(dir_.path() / "loc"), sorted({ids[1], ids[2]}));
    const auto state = nlohmann::json::parse(read_text(dir_.path() / "state" / "certs.json"));
    ASSERT_EQ(state["history"].size(), 3u);
    EXPECT_EQ(state["history"][2]["set_id"], ids[2]);
    EXPECT_EQ(state["history"][2]["outcome"], "succeeded");
    EXPECT_EQ(state["history"][2]["deleted_sets"][0], ids[0]);
    EXPECT_EQ(state["consecutive_failures"], 0);
}

TEST_F(ManagementCli, NonTimestampedJobKeepsOnlyItsLastSet) {
    const fs::path file = config(job("last", "timestamped = false"));
    std::string last;
    for (int i = 0; i < 2; ++i) {
        const Finished done = host(file, {"run", "last"});
        ASSERT_EQ(done.exit_code, 0) << describe(done);
        last = done.out.substr(0, done.out.find('\n'));
    }
    EXPECT_EQ(sets_at(dir_.path() / "loc"), std::vector<std::string>{last});
}

TEST_F(ManagementCli, FullSystemJobMakesOneSetAndRestoresOnePluginsPart) {
    const fs::path file =
        config(job("full", "[job.options.files]\npath = \"files\"", "\"certificates\", \"files\""));
    const Finished done = host(file, {"run", "full"});
    ASSERT_EQ(done.exit_code, 0) << describe(done);
    const std::string id = done.out.substr(0, done.out.find('\n'));
    ASSERT_EQ(sets_at(dir_.path() / "loc"), std::vector<std::string>{id});
    const Finished listed = run({"sets", (dir_.path() / "loc").string(), "--json"});
    ASSERT_EQ(listed.exit_code, 0) << describe(listed);
    EXPECT_NE(listed.out.find("\"files\""), std::string::npos) << listed.out;
    EXPECT_NE(listed.out.find("\"certificates\""), std::string::npos) << listed.out;

    // Only the files plugin's part: the certificate store named as restore target stays empty.
    const fs::path restored = dir_.path() / "restored-files";
    const fs::path untouched_store = dir_.path() / "untouched-store";
    const Finished restore =
        run({"restore", (dir_.path() / "loc" / id).string(), "--plugin", "files", "-o",
             "target=" + restored.string(), "--password-file", (dir_.path() / "pass").string()});
    ASSERT_EQ(restore.exit_code, 0) << describe(restore);
    EXPECT_EQ(tree_state(restored), tree_state(dir_.path() / "files"));
    EXPECT_FALSE(fs::exists(untouched_store));
    // A certificates option is refused when only the files part is restored.
    const Finished wrong = run({"restore", (dir_.path() / "loc" / id).string(), "--plugin", "files",
                                "-o", "target_store=" + untouched_store.string(), "--password-file",
                                (dir_.path() / "pass").string()});
    EXPECT_EQ(wrong.exit_code, 2) << describe(wrong);
    EXPECT_FALSE(fs::exists(untouched_store));
}

TEST_F(ManagementCli, FailingPluginLeavesNoSetAndFiveFailuresDisableTheJob) {
    const fs::path file =
        config(job("full", "schedule = \"0 2 * * *\"\n[job.options.files]\npath = \"missing\"",
                   "\"certificates\", \"files\""));
    for (int i = 0; i < 5; ++i) {
        const Finished done = host(file, {"run", "full"});
        // The files plugin refuses its option (a path that does not exist): exit 2.
        EXPECT_EQ(done.exit_code, 2) << describe(done);
        EXPECT_TRUE(done.out.empty()) << done.out;
        if (i == 4) {
            EXPECT_NE(done.err.find("disabled"), std::string::npos) << done.err;
        }
    }
    EXPECT_TRUE(sets_at(dir_.path() / "loc").empty());
    const Finished schedule = host(file, {"schedule"});
    ASSERT_EQ(schedule.exit_code, 0) << describe(schedule);
    EXPECT_NE(schedule.out.find("status:   disabled"), std::string::npos) << schedule.out;
    const auto state = nlohmann::json::parse(read_text(dir_.path() / "state" / "full.json"));
    EXPECT_EQ(state["consecutive_failures"], 5);
    EXPECT_EQ(state["history"][4]["outcome"], "failed");

    // A configuration change enables it again.
    const fs::path fixed =
        config(job("full", "schedule = \"0 2 * * *\"\n[job.options.files]\npath = \"files\"",
                   "\"certificates\", \"files\""));
    const Finished again = host(fixed, {"schedule"});
    EXPECT_NE(again.out.find("status:   enabled"), std::string::npos) << again.out;
    const Finished ran = host(fixed, {"run", "full"});
    EXPECT_EQ(ran.exit_code, 0) << describe(ran);
    EXPECT_EQ(sets_at(dir_.path() / "loc").size(), 1u);
}

TEST_F(ManagementCli, PruneDeletesOnlyTheJobsOlderSetsAndHistoryListsRuns) {
    const fs::path file = config(job("certs", "") + job("other", ""));
    std::vector<std::string> ids;
    for (const char* name : {"certs", "certs", "other", "certs"}) {
        const Finished done = host(file, {"run", name});
        ASSERT_EQ(done.exit_code, 0) << describe(done);
        ids.push_back(done.out.substr(0, done.out.find('\n')));
    }
    // keep_last = 1 now: certs keeps its newest, other's set is never touched.
    const fs::path pruning =
        config(job("certs", "retention = { keep_last = 1 }") + job("other", ""));
    const Finished dry = host(pruning, {"prune", "--dry-run"});
    ASSERT_EQ(dry.exit_code, 0) << describe(dry);
    EXPECT_NE(dry.out.find("would delete " + ids[0]), std::string::npos) << dry.out;
    EXPECT_NE(dry.out.find("would delete " + ids[1]), std::string::npos) << dry.out;
    EXPECT_EQ(sets_at(dir_.path() / "loc").size(), 4u);
    const Finished pruned = host(pruning, {"prune", "certs"});
    ASSERT_EQ(pruned.exit_code, 0) << describe(pruned);
    EXPECT_NE(pruned.out.find("deleted " + ids[0]), std::string::npos) << pruned.out;
    EXPECT_EQ(sets_at(dir_.path() / "loc"), sorted({ids[2], ids[3]}));

    const Finished history = host(pruning, {"history", "certs", "--json"});
    ASSERT_EQ(history.exit_code, 0) << describe(history);
    const auto runs = nlohmann::json::parse(history.out);
    ASSERT_EQ(runs.size(), 3u);
    EXPECT_EQ(runs[2]["set_id"], ids[3]);
    EXPECT_EQ(runs[2]["outcome"], "succeeded");
    EXPECT_EQ(runs[2]["trigger"], "manual");
    EXPECT_GE(runs[2]["duration_ms"].get<int>(), 0);
    const Finished text = host(pruning, {"history"});
    ASSERT_EQ(text.exit_code, 0) << describe(text);
    EXPECT_NE(text.out.find(ids[2]), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("succeeded"), std::string::npos) << text.out;
}

// Bytes a terminal acts on: ESC (every escape sequence), C1 CSI (U+009B) and RIGHT-TO-LEFT
// OVERRIDE (U+202E). None may reach standard output or standard error.
void expect_no_terminal_controls(const Finished& done) {
    for (const std::string* text : {&done.out, &done.err}) {
        EXPECT_EQ(text->find('\x1b'), std::string::npos) << *text;
        EXPECT_EQ(text->find("\xc2\x9b"), std::string::npos) << *text;
        EXPECT_EQ(text->find("\xe2\x80\xae"), std::string::npos) << *text;
    }
}

// Replaces every occurrence of `from` in `file` with `to` (same length: the protobuf lengths
// stay right) and returns how many it replaced.
int patch_bytes(const fs::path& file, const std::string& from, const std::string& to) {
    std::string bytes = read_text(file);
    int replaced = 0;
    for (std::size_t at = 0; (at = bytes.find(from, at)) != std::string::npos; at += to.size()) {
        bytes.replace(at, from.size(), to);
        ++replaced;
    }
    write_text(file, bytes);
    return replaced;
}

TEST_F(ManagementCli, ControlCharactersFromSetRecordsAndStateFilesAreEscapedInEveryTable) {
    const fs::path file = config(job("certs", ""));
    const Finished done = host(file, {"run", "certs"});
    ASSERT_EQ(done.exit_code, 0) << describe(done);
    const std::string id = done.out.substr(0, done.out.find('\n'));

    // A job name in set.pb made of an escape sequence (same length as "certs").
    const std::string hostile_job = "\x1b[31m";
    ASSERT_EQ(patch_bytes(dir_.path() / "loc" / id / "set.pb",
                          "\x05"
                          "certs",
                          "\x05" + hostile_job),
              1);
    // A run message in the state file with ESC, an OSC title, C1 CSI and U+202E.
    const std::string hostile_message =
        "\x1b]0;owned\x07 red \x1b[31m \xc2\x9b"
        "2J \xe2\x80\xae"
        "fdp.exe";
    {
        auto state = nlohmann::json::parse(read_text(dir_.path() / "state" / "certs.json"));
        ASSERT_TRUE(state["history"][0].contains("message")) << state.dump();
        state["history"][0]["message"] = hostile_message;
        write_text(dir_.path() / "state" / "certs.json", state.dump());
    }

    const Finished sets = run({"sets", (dir_.path() / "loc").string()});
    ASSERT_EQ(sets.exit_code, 0) << describe(sets);
    expect_no_terminal_controls(sets);
    EXPECT_NE(sets.out.find("\\u001b[31m"), std::string::npos) << sets.out;

    const Finished history = host(file, {"history"});
    ASSERT_EQ(history.exit_code, 0) << describe(history);
    expect_no_terminal_controls(history);
    EXPECT_NE(history.out.find("\\u001b]0;owned\\u0007"), std::string::npos) << history.out;
    EXPECT_NE(history.out.find("\\u202efdp.exe"), std::string::npos) << history.out;

    const Finished schedule = host(file, {"schedule"});
    ASSERT_EQ(schedule.exit_code, 0) << describe(schedule);
    expect_no_terminal_controls(schedule);

    // JSON keeps the exact values (its escapes are JSON's own).
    const Finished sets_json = run({"sets", (dir_.path() / "loc").string(), "--json"});
    ASSERT_EQ(sets_json.exit_code, 0) << describe(sets_json);
    expect_no_terminal_controls(sets_json);
    EXPECT_EQ(nlohmann::json::parse(sets_json.out)["sets"][0]["job"], hostile_job);
    const Finished history_json = host(file, {"history", "--json"});
    ASSERT_EQ(history_json.exit_code, 0) << describe(history_json);
    expect_no_terminal_controls(history_json);
    EXPECT_EQ(nlohmann::json::parse(history_json.out)[0]["message"], hostile_message);
}

TEST_F(ManagementCli, DaemonRunsAMissedRunAtStartAndStopsCleanlyOnSigterm) {
    const fs::path file = config(job("certs", "schedule = \"0 3 * * *\""));
    const Finished first = host(file, {"run", "certs"});
    ASSERT_EQ(first.exit_code, 0) << describe(first);
    // The state says the schedule was served until 1 January; the daemon's clock starts on
    // 3 January at 03:30 UTC (whatever today is): the 03:00 runs of the 1st, 2nd and 3rd were
    // missed while no daemon ran, and the newest one runs once, at start.
    const fs::path state_file = dir_.path() / "state" / "certs.json";
    auto state = nlohmann::json::parse(read_text(state_file));
    state["served_until"] = "2026-01-01T00:00:00Z";
    write_text(state_file, state.dump());

    Launch launch;
    launch.args = {"--config",
                   file.string(),
                   "--log-level",
                   "info",
                   "daemon",
                   "--state-dir",
                   (dir_.path() / "state").string()};
    launch.environment = {"BACKUP_HOST_DAEMON_CLOCK=2026-01-03T03:30:00Z", "TZ=UTC"};
    launch.pipe_stderr = true;
    RunningProcess daemon(launch);
    // The run's last log line: its set is written and its result recorded (no polling).
    const bool ran = daemon.read_stderr_until("job certs: set ");
    daemon.send(SIGTERM);
    const Finished stopped = daemon.wait();
    ASSERT_TRUE(ran) << describe(stopped);
    EXPECT_EQ(stopped.exit_code, 0) << describe(stopped);
    EXPECT_NE(stopped.err.find("the daemon's clock is set by BACKUP_HOST_DAEMON_CLOCK: it is now "
                               "Sat 2026-01-03 03:30 UTC"),
              std::string::npos)
        << stopped.err;
    const std::string missed = "job certs: running a missed run (due Sat 2026-01-03 03:00 UTC)";
    const auto at = stopped.err.find(missed);
    EXPECT_NE(at, std::string::npos) << stopped.err;
    EXPECT_EQ(stopped.err.find("running a missed run", at + missed.size()), std::string::npos)
        << "one run for the missed nights, not one each: " << stopped.err;
    EXPECT_NE(stopped.err.find("daemon stopped"), std::string::npos) << stopped.err;
    EXPECT_EQ(sets_at(dir_.path() / "loc").size(), 2u);
    state = nlohmann::json::parse(read_text(state_file));
    ASSERT_EQ(state["history"].size(), 2u) << state.dump(2);
    EXPECT_EQ(state["history"][1]["trigger"], "schedule");
    EXPECT_EQ(state["history"][1]["outcome"], "succeeded");
    EXPECT_TRUE(state["running"].is_null());
}

TEST_F(ManagementCli, ADaemonClockThatIsNotATimeIsExitCode2) {
    const fs::path file = config(job("certs", "schedule = \"0 3 * * *\""));
    Launch launch;
    launch.args = {"--config", file.string(), "daemon", "--state-dir",
                   (dir_.path() / "state").string()};
    launch.environment = {"BACKUP_HOST_DAEMON_CLOCK=yesterday"};
    const Finished done = run(launch);
    EXPECT_EQ(done.exit_code, 2) << describe(done);
    EXPECT_NE(done.err.find("BACKUP_HOST_DAEMON_CLOCK='yesterday' is not a time"),
              std::string::npos)
        << done.err;
}

TEST_F(ManagementCli, UnknownJobIsBadUsage) {
    const Finished done = host(config(job("certs", "")), {"run", "other"});
    EXPECT_EQ(done.exit_code, 2) << describe(done);
    EXPECT_NE(done.err.find("certs"), std::string::npos) << done.err;
}

}  // namespace
}  // namespace backup_host::cli_testing
