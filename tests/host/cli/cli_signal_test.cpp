// Cancellation and crashes of a real `backup-host backup`, with the blocker fixture plugin: it
// stores a few items, logs that it waits, and polls the cancellation flag; its end_job writes
// the outcome to a marker file.
//
// No sleeps: each test reads backup-host's standard error until the blocker says it waits, and
// only then sends the signal.
#include <signal.h>

#include <gtest/gtest.h>

#include <regex>

#include "support/cli_test_support.hpp"
#include "support/temp_dir.hpp"

namespace backup_host::cli_testing {
namespace {

using certbackup::testing::TempDir;

constexpr const char* kWaiting = "blocker: waiting for cancellation";

class SignalCli : public ::testing::Test {
  protected:
    void SetUp() override {
        fs::create_directories(plugin_dir);
        fs::copy_file(blocker_plugin_file(), plugin_dir / "blocker.so");
    }

    // Starts a blocker backup to `target`, with standard error on a pipe.
    Launch blocker_backup(const std::string& target) const {
        Launch launch;
        launch.args = {"--plugin-dir", plugin_dir.string(),
                       "--log-level",  "info",
                       "backup",       "blocker",
                       "--to",         target,
                       "-o",           "marker=" + marker.string()};
        launch.pipe_stderr = true;
        return launch;
    }

    // `sets` of the location lists nothing, and succeeds.
    void expect_no_set_listed(const fs::path& where) {
        const Finished listed = run({"sets", where.string()});
        EXPECT_EQ(listed.exit_code, 0) << describe(listed);
        EXPECT_EQ(listed.out, "");
    }

    TempDir dir;
    fs::path plugin_dir = dir / "plugins";
    fs::path location = dir / "location";
    fs::path marker = dir / "end_job.marker";
};

class CancellingSignal : public SignalCli, public ::testing::WithParamInterface<int> {};

TEST_P(CancellingSignal, StopsThePluginRunsEndJobRemovesThePartialSetAndExits130) {
    RunningProcess backup(blocker_backup(location.string()));
    ASSERT_TRUE(backup.read_stderr_until(kWaiting)) << describe(backup.wait());
    // Mid-job: the partial set is there, hidden.
    bool partial_seen = false;
    for (const std::string& name : entries_of(location))
        partial_seen = partial_seen || name.ends_with(".partial");
    EXPECT_TRUE(partial_seen);

    backup.send(GetParam());
    const Finished done = backup.wait();
    EXPECT_EQ(done.exit_code, 130) << describe(done);
    EXPECT_NE(done.err.find("cancelled"), std::string::npos) << done.err;
    EXPECT_EQ(read_text(marker), "end_job cancelled\n");
    expect_no_set_listed(location);
    EXPECT_EQ(entries_of(location), std::vector<std::string>{})
        << "the partial set and its lock file are removed";
}

INSTANTIATE_TEST_SUITE_P(SigintAndSigterm, CancellingSignal, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& info) {
                             return std::string(info.param == SIGINT ? "SIGINT" : "SIGTERM");
                         });

TEST_F(SignalCli, CancellingATarFileBackupLeavesNoFile) {
    const fs::path tar = dir / "out" / "set.tar";
    fs::create_directories(tar.parent_path());
    RunningProcess backup(blocker_backup(tar.string()));
    ASSERT_TRUE(backup.read_stderr_until(kWaiting)) << describe(backup.wait());
    backup.send(SIGINT);
    const Finished done = backup.wait();
    EXPECT_EQ(done.exit_code, 130) << describe(done);
    EXPECT_EQ(read_text(marker), "end_job cancelled\n");
    EXPECT_EQ(entries_of(tar.parent_path()), std::vector<std::string>{})
        << "neither the tar file nor its temporary";
}

TEST_F(SignalCli, SigkillMidJobLeavesNoListedSetAndTheNextBackupCleansUp) {
    RunningProcess backup(blocker_backup(location.string()));
    ASSERT_TRUE(backup.read_stderr_until(kWaiting)) << describe(backup.wait());
    backup.send(SIGKILL);
    const Finished done = backup.wait();
    EXPECT_EQ(done.signal, SIGKILL) << describe(done);
    EXPECT_FALSE(fs::exists(marker)) << "a killed process runs no end_job";
    expect_no_set_listed(location);
    const std::vector<std::string> left = entries_of(location);
    ASSERT_FALSE(left.empty()) << "the killed writer's partial set stays, hidden";
    for (const std::string& name : left)
        EXPECT_EQ(name.front(), '.') << name;

    // The next writer removes the dead one's leftovers; only its own set is there.
    const fs::path source = dir / "source";
    build_tree(source, sample_tree());
    const Finished next =
        run({"backup", "files", "--to", location.string(), "-o", "path=" + source.string()});
    ASSERT_EQ(next.exit_code, 0) << describe(next);
    std::string id = next.out;
    id.pop_back();
    EXPECT_EQ(entries_of(location), std::vector<std::string>{id});
}

TEST_F(SignalCli, TheHostRunsWithoutCoreDumps) {
    // A core file of a crashed job would hold the password and decrypted keys.
    RunningProcess backup(blocker_backup(location.string()));
    ASSERT_TRUE(backup.read_stderr_until(kWaiting)) << describe(backup.wait());
    const std::string limits = read_text("/proc/" + std::to_string(backup.pid()) + "/limits");
    backup.send(SIGTERM);
    const Finished done = backup.wait();
    EXPECT_EQ(done.exit_code, 130) << describe(done);
    EXPECT_TRUE(std::regex_search(limits, std::regex(R"(Max core file size\s+0\s+0\s)"))) << limits;
}

}  // namespace
}  // namespace backup_host::cli_testing
