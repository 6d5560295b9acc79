// The job runner with several plugins in one set (the layout full-system jobs use): each plugin's
// items below its own prefix, each restore and verify seeing only its own items, a failing or
// cancelled plugin throwing the whole set away. Real plugins (files, the probe fixture), real
// storage in a temporary directory.
#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>

#include <backup_host/host.hpp>

#include "host-sdk/host/job_runner.hpp"
#include "host-sdk/storage/set_catalog.hpp"
#include "host-sdk/storage/writable_file.hpp"
#include "support/fault_injecting_env.hpp"
#include "support/temp_dir.hpp"

namespace certbackup::host {
namespace {

namespace fs = std::filesystem;
using backup_host::Status;
using certbackup::testing::TempDir;

// Keeps log lines; sets the cancellation flag when a line contains `cancel_on`, and calls
// `on_line` with every line (a test's hook into a precise moment of the job).
class RecordingSink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    explicit RecordingSink(backup_host::CancellationFlag& flag) : flag_(flag) {}
    std::string cancel_on;
    std::function<void(const std::string&)> on_line;
    std::vector<std::string> lines;

  protected:
    void sink_it_(const spdlog::details::log_msg& message) override {
        std::string line(message.payload.begin(), message.payload.end());
        if (!cancel_on.empty() && line.find(cancel_on) != std::string::npos)
            flag_.request();
        if (on_line)
            on_line(line);
        lines.push_back(std::move(line));
    }
    void flush_() override {}

  private:
    backup_host::CancellationFlag& flag_;
};

backup_host::LoadedPlugin load(const fs::path& file) {
    auto plugin = backup_host::PluginLoader().load(file);
    EXPECT_TRUE(plugin) << plugin.error().message;
    return std::move(plugin).value();
}

class JobRunner : public ::testing::Test {
  protected:
    JobRunner() {
        logger->set_level(spdlog::level::trace);
        fs::create_directories(source / "sub");
        std::ofstream(source / "a.txt") << "alpha\n";
        std::ofstream(source / "sub" / "b.txt") << "beta\n";
    }
    ~JobRunner() override { std::fclose(output); }

    PluginJob files_job(backup_host::OptionAssignments options) const { return {files, options}; }
    PluginJob probe_job(backup_host::OptionAssignments options) const { return {probe, options}; }
    // A backup by the job `job_name` of `plugins` into `location`.
    BackupReport back_up(std::string job_name, std::vector<PluginJob> plugins) {
        BackupRequest request;
        request.job_name = std::move(job_name);
        request.plugins = std::move(plugins);
        request.target = location.string();
        return run_backup(context, request);
    }

    // What the plugins wrote for the user.
    std::string output_text() const {
        std::fflush(output);
        std::rewind(output);
        std::string text;
        char buffer[4096];
        for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, output)) > 0;)
            text.append(buffer, n);
        return text;
    }

    // A set of the files plugin and the probe (two items) at `location`, opened for reading.
    std::unique_ptr<backup_host::SetReader> files_and_probe_set() {
        const BackupReport backup = back_up(
            "full-system", {files_job({{"path", source.string()}}), probe_job({{"count", "2"}})});
        EXPECT_FALSE(backup.failure) << backup.failure->message;
        auto set = open_set(backup.record.set_id());
        EXPECT_TRUE(set) << set.error().message;
        sink->lines.clear();
        return set ? std::move(*set) : nullptr;
    }

    // The set `set_id` of `location`, opened for reading.
    Result<std::unique_ptr<backup_host::SetReader>> open_set(const std::string& set_id) const {
        return backup_host::open_set_directory(Env::posix(), location / set_id);
    }

    // How many log lines contain `text`.
    std::size_t count_logged(const std::string& text) const {
        std::size_t n = 0;
        for (const std::string& line : sink->lines)
            n += line.find(text) != std::string::npos;
        return n;
    }

    bool logged(const std::string& text) const {
        for (const std::string& line : sink->lines)
            if (line.find(text) != std::string::npos)
                return true;
        return false;
    }

    TempDir dir;
    fs::path source = dir / "source";
    fs::path location = dir / "location";
    backup_host::LoadedPlugin files = load(BACKUP_HOST_FILES_PLUGIN);
    backup_host::LoadedPlugin probe = load(fs::path(BACKUP_HOST_FIXTURE_DIR) / "probe.so");
    backup_host::CancellationFlag flag;
    std::shared_ptr<RecordingSink> sink = std::make_shared<RecordingSink>(flag);
    std::shared_ptr<spdlog::logger> logger = std::make_shared<spdlog::logger>("test", sink);
    ProgressBar bar{false};
    JobPassword password;
    std::FILE* output = std::tmpfile();
    HostContext context{*logger, flag, bar, password, output};
};

TEST_F(JobRunner, SeveralPluginsShareOneSetEachBelowItsOwnPrefix) {
    const BackupReport backup = back_up(
        "full-system", {files_job({{"path", source.string()}}), probe_job({{"count", "2"}})});
    ASSERT_FALSE(backup.failure) << backup.failure->message;

    const auto& record = backup.record;
    EXPECT_EQ(record.job(), "full-system");
    ASSERT_EQ(record.plugins_size(), 2);
    EXPECT_EQ(record.plugins(0).id(), "files");
    EXPECT_EQ(record.plugins(0).item_prefix(), "files/");
    EXPECT_EQ(record.plugins(0).version(), "1.0.0");
    EXPECT_EQ(record.plugins(1).id(), "probe");
    EXPECT_EQ(record.plugins(1).item_prefix(), "probe/");
    EXPECT_EQ(record.plugins(1).version(), "2.3.4");
    EXPECT_EQ(record.plugins(1).format_version(), 7u);
    EXPECT_EQ(record.plugins(1).summary(), "2 items, 24 bytes");
    EXPECT_NE(record.plugins(0).result_json().find("\"files\":2"), std::string::npos)
        << record.plugins(0).result_json();
    std::vector<std::string> probe_items;
    for (const auto& item : record.items()) {
        EXPECT_TRUE(item.name().starts_with("files/") || item.name().starts_with("probe/"))
            << item.name();
        if (item.name().starts_with("probe/"))
            probe_items.push_back(item.name());
    }
    EXPECT_EQ(probe_items, (std::vector<std::string>{"probe/item-0", "probe/item-1"}));

    auto set = open_set(record.set_id());
    ASSERT_TRUE(set) << set.error().message;
    const fs::path restored = dir / "restored";
    const RestoreReport restore = run_restore(
        context, **set,
        {{files_job({{"target", restored.string()}}), probe_job({{"only", "x"}})}, true, false});
    ASSERT_FALSE(restore.failure) << restore.failure->message;
    ASSERT_EQ(restore.plugins.size(), 2u);
    std::string restored_text;
    std::getline(std::ifstream(restored / "sub" / "b.txt"), restored_text);
    EXPECT_EQ(restored_text, "beta");
    // The probe lists the items it can read: its own, without the prefix; none of files'.
    const std::string shown = output_text();
    EXPECT_NE(shown.find("item-0 12\nitem-1 12\n"), std::string::npos) << shown;
    EXPECT_EQ(shown.find("tree/"), std::string::npos) << shown;
    EXPECT_NE(shown.find("selection=x"), std::string::npos) << shown;

    const VerifyReport verify = run_verify(context, **set, {files_job({}), probe_job({})});
    ASSERT_FALSE(verify.failure) << verify.failure->message;
    EXPECT_TRUE(verify.items_checked);
    EXPECT_EQ(verify.items, static_cast<std::uint64_t>(record.items_size()));
    EXPECT_EQ(verify.plugins.size(), 2u);
}

TEST_F(JobRunner, APluginThatFailsThrowsTheWholeSetAwayAfterItsEndJob) {
    const BackupReport backup = back_up(
        "full-system", {files_job({{"path", source.string()}}), probe_job({{"fail_at", "work"}})});
    ASSERT_TRUE(backup.failure);
    EXPECT_EQ(backup.failure->status, Status::corrupt);
    EXPECT_NE(backup.failure->message.find("probe failed at work"), std::string::npos);
    ASSERT_EQ(backup.plugins.size(), 2u);
    EXPECT_EQ(backup.plugins[0].status, Status::ok);
    EXPECT_EQ(backup.plugins[1].status, Status::corrupt);
    EXPECT_TRUE(logged("probe: end_job corrupt"));
    EXPECT_TRUE(logged("probe: destroy"));
    EXPECT_TRUE(fs::is_empty(location)) << "no set, no partial, no lock file";
}

TEST_F(JobRunner, APartialSetThatCannotBeRemovedIsReportedAndKeepsItsLockForALaterCleanup) {
    // The failing plugin's error stays the job's failure; the operator also learns which
    // partial set is left behind and why, and its lock file stays with it so that a later
    // cleanup recognises both as one abandoned set.
    certbackup::testing::FaultInjectingEnv env;
    const backup_host::StorageIo io{env, backup_host::WritableFileSystem::posix()};
    BackupRequest request;
    request.job_name = "probe";
    request.plugins = {probe_job({{"count", "1"}, {"fail_at", "work"}})};
    request.target = location.string();
    request.io = &io;

    // A first run finds the step at which the partial set is removed (the location exists
    // already, so both runs take the same steps).
    fs::create_directories(location);
    ASSERT_TRUE(run_backup(context, request).failure);
    ASSERT_TRUE(fs::is_empty(location));
    int removal = 0;
    for (std::size_t i = 0; i < env.log().size(); ++i)
        if (env.log()[i].starts_with("remove_tree "))
            removal = static_cast<int>(i) + 1;
    ASSERT_GT(removal, 0) << "the aborted set was not removed through the Env";

    env.reset_count();
    env.fail_at(removal);
    sink->lines.clear();
    const BackupReport backup = run_backup(context, request);
    ASSERT_TRUE(backup.failure);
    EXPECT_EQ(backup.failure->status, Status::corrupt);
    EXPECT_NE(backup.failure->message.find("probe failed at work"), std::string::npos)
        << backup.failure->message;
    EXPECT_TRUE(backup.record.set_id().empty());
    EXPECT_TRUE(logged("could not be removed")) << "the leftover is not reported";
    EXPECT_FALSE(logged("nothing was kept of set"));
    std::vector<std::string> left;
    for (const auto& entry : fs::directory_iterator(location))
        left.push_back(entry.path().filename().string());
    EXPECT_EQ(left.size(), 2u) << "the partial set and its lock file";
    for (const std::string& name : left) {
        // ".<set id>.partial" and ".<set id>.lock": the log names the set id.
        ASSERT_EQ(name.front(), '.') << name;
        const std::string id = name.substr(1, name.find('.', 1) - 1);
        EXPECT_TRUE(logged("the partial set " + id + " could not be removed")) << name;
    }
}

TEST_F(JobRunner, CancellationMidJobEndsTheJobAsCancelledAndKeepsNothing) {
    sink->cancel_on = "probe: backup";
    const BackupReport backup = back_up("probe", {probe_job({{"until_cancelled", "true"}}),
                                                  files_job({{"path", source.string()}})});
    ASSERT_TRUE(backup.failure);
    EXPECT_EQ(backup.failure->status, Status::cancelled);
    EXPECT_TRUE(logged("probe: end_job cancelled"));
    EXPECT_EQ(backup.plugins.size(), 1u) << "the next plugin does not start";
    EXPECT_TRUE(fs::is_empty(location));
}

TEST_F(JobRunner, OptionProblemsAreFoundBeforeAnySetIsBegun) {
    const BackupReport backup =
        back_up("files", {files_job({{"path", source.string()}}), probe_job({{"count", "many"}})});
    ASSERT_TRUE(backup.failure);
    EXPECT_EQ(backup.failure->status, Status::bad_usage);
    EXPECT_TRUE(backup.plugins.empty());
    EXPECT_FALSE(fs::exists(location));
}

TEST_F(JobRunner, ARestoreOfAPluginTheSetDoesNotHoldIsRefusedBeforeAnythingRuns) {
    const BackupReport backup = back_up("files", {files_job({{"path", source.string()}})});
    ASSERT_FALSE(backup.failure) << backup.failure->message;
    auto set = open_set(backup.record.set_id());
    ASSERT_TRUE(set) << set.error().message;
    const RestoreReport restore = run_restore(
        context, **set,
        {{files_job({{"target", (dir / "out").string()}}), probe_job({})}, true, false});
    ASSERT_TRUE(restore.failure);
    EXPECT_EQ(restore.failure->status, Status::not_found);
    EXPECT_NE(restore.failure->message.find("nothing of plugin 'probe'"), std::string::npos);
    EXPECT_TRUE(restore.plugins.empty());
    EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST_F(JobRunner, VerifyRunsEveryPluginEvenAfterOneFailsAndReportsTheFirstFailure) {
    auto set = files_and_probe_set();
    ASSERT_TRUE(set);
    const VerifyReport verify =
        run_verify(context, *set, {probe_job({{"fail_at", "work"}}), files_job({})});
    ASSERT_TRUE(verify.failure);
    EXPECT_EQ(verify.failure->status, Status::corrupt);
    EXPECT_NE(verify.failure->message.find("probe failed at work"), std::string::npos)
        << verify.failure->message;
    EXPECT_TRUE(verify.items_checked) << "storage checked every item before the plugins ran";
    ASSERT_EQ(verify.plugins.size(), 2u) << "the files plugin still verified its part";
    EXPECT_EQ(verify.plugins[0].status, Status::corrupt);
    EXPECT_EQ(verify.plugins[1].plugin_id, "files");
    EXPECT_EQ(verify.plugins[1].status, Status::ok) << verify.plugins[1].message;
    EXPECT_TRUE(logged("probe: end_job corrupt"));
}

TEST_F(JobRunner, ARestoreStopsAtTheFirstFailingPlugin) {
    auto set = files_and_probe_set();
    ASSERT_TRUE(set);
    const fs::path restored = dir / "restored";
    const RestoreReport restore =
        run_restore(context, *set,
                    {{probe_job({{"fail_at", "work"}}), files_job({{"target", restored.string()}})},
                     true,
                     false});
    ASSERT_TRUE(restore.failure);
    EXPECT_EQ(restore.failure->status, Status::corrupt);
    ASSERT_EQ(restore.plugins.size(), 1u) << "the plan's dry run stops at the probe";
    EXPECT_FALSE(fs::exists(restored));
}

TEST_F(JobRunner, CancellationDuringARestoreEndsItBeforeTheNextPlugin) {
    auto set = files_and_probe_set();
    ASSERT_TRUE(set);
    sink->cancel_on = "probe: restore";
    const fs::path restored = dir / "restored";
    const RestoreReport restore = run_restore(
        context, *set, {{probe_job({}), files_job({{"target", restored.string()}})}, true, false});
    ASSERT_TRUE(restore.failure);
    EXPECT_EQ(restore.failure->status, Status::cancelled) << restore.failure->message;
    ASSERT_EQ(restore.plugins.size(), 1u) << "the files plugin does not start";
    EXPECT_EQ(restore.plugins[0].status, Status::cancelled);
    // The host refuses the probe's output once the flag is set: it ends as cancelled.
    EXPECT_TRUE(logged("probe: end_job cancelled"));
    EXPECT_FALSE(fs::exists(restored));
}

TEST_F(JobRunner, APluginFailingAfterCancellationEndsAsCancelled) {
    auto set = files_and_probe_set();
    ASSERT_TRUE(set);
    sink->cancel_on = "probe: restore";
    const RestoreReport restore =
        run_restore(context, *set, {{probe_job({{"fail_at", "work"}})}, true, false});
    ASSERT_TRUE(restore.failure);
    EXPECT_EQ(restore.failure->status, Status::cancelled) << restore.failure->message;
    EXPECT_TRUE(logged("probe: end_job cancelled"));
}

TEST_F(JobRunner, CancellationDuringAVerifyEndsItBeforeTheNextPlugin) {
    auto set = files_and_probe_set();
    ASSERT_TRUE(set);
    sink->cancel_on = "probe: verify";
    const VerifyReport verify = run_verify(context, *set, {probe_job({}), files_job({})});
    ASSERT_TRUE(verify.failure);
    EXPECT_EQ(verify.failure->status, Status::cancelled);
    EXPECT_EQ(verify.failure->message, "the verification was cancelled");
    EXPECT_EQ(verify.plugins.size(), 1u) << "the files plugin does not start";
}

TEST_F(JobRunner, AJobKindThePluginDoesNotDoIsBadUsageAndRunsNothing) {
    const PluginOutcome action = run_action(context, files_job({}), "anything", {});
    EXPECT_EQ(action.status, Status::bad_usage);
    EXPECT_NE(action.message.find("plugin 'files' does not do action jobs"), std::string::npos)
        << action.message;
    EXPECT_NE(action.message.find("(it does: "), std::string::npos) << action.message;
    EXPECT_TRUE(sink->lines.empty()) << "no instance was created";
}

// The set directory `set_dir` of `set` read as if its record said something else (the items stay
// the real ones).
backup_host::SetReader with_record(const backup_host::SetReader& set, const fs::path& set_dir,
                                   backup_host::proto::BackupSet record) {
    return backup_host::SetReader(
        Env::posix(), set_dir, {std::move(record), set.authenticated_part()}, set.origin(), false);
}

TEST_F(JobRunner, ASetInANewerItemFormatIsReadWithAWarning) {
    auto set = files_and_probe_set();
    ASSERT_TRUE(set);
    backup_host::proto::BackupSet record = set->record();
    ASSERT_EQ(record.plugins(1).id(), "probe");
    record.mutable_plugins(1)->set_format_version(8);  // the probe writes 7
    const fs::path set_dir = location / record.set_id();
    const backup_host::SetReader newer = with_record(*set, set_dir, record);

    const VerifyReport verify = run_verify(context, newer, {probe_job({})});
    ASSERT_FALSE(verify.failure) << verify.failure->message;
    const std::string warning =
        "was written by plugin 'probe' 2.3.4 in item format 8; the "
        "installed plugin (2.3.4) writes format 7";
    EXPECT_EQ(count_logged(warning), 1u);
    const RestoreReport restore = run_restore(context, newer, {{probe_job({})}, true, true});
    ASSERT_FALSE(restore.failure) << restore.failure->message;
    EXPECT_EQ(count_logged(warning), 2u);

    // The same format (and an older one) reads without it.
    record.mutable_plugins(1)->set_format_version(6);
    ASSERT_FALSE(run_verify(context, with_record(*set, set_dir, record), {probe_job({})}).failure);
    ASSERT_FALSE(run_verify(context, *set, {probe_job({})}).failure);
    EXPECT_EQ(count_logged("was written by plugin"), 2u);
}

TEST_F(JobRunner, ASetThatCannotBeCommittedFailsTheBackupAfterEveryPluginSucceeded) {
    // The set record is the last thing written; a stream target that is full refuses it.
    const int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(full, 0);
    BackupRequest request;
    request.job_name = "probe";
    request.plugins = {probe_job({{"count", "0"}})};
    request.target = "-";
    request.storage.output_fd = full;
    const BackupReport backup = run_backup(context, request);
    ::close(full);
    ASSERT_TRUE(backup.failure);
    EXPECT_NE(backup.failure->status, Status::ok);
    EXPECT_NE(backup.failure->message.find("No space left on device"), std::string::npos)
        << backup.failure->message;
    ASSERT_EQ(backup.plugins.size(), 1u);
    EXPECT_EQ(backup.plugins[0].status, Status::ok);
    EXPECT_TRUE(logged("probe: end_job ok"));
    EXPECT_TRUE(backup.record.set_id().empty()) << "no record is reported as committed";
}

}  // namespace
}  // namespace certbackup::host
