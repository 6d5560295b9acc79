// The job runner with several plugins in one set (the layout full-system jobs use): each plugin's
// items below its own prefix, each restore and verify seeing only its own items, a failing or
// cancelled plugin throwing the whole set away. Real plugins (files, the probe fixture), real
// storage in a temporary directory.
#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>

#include <cstdio>
#include <fstream>
#include <mutex>

#include <backup_host/host.hpp>

#include "host-sdk/host/job_runner.hpp"
#include "support/temp_dir.hpp"

namespace certbackup::host {
namespace {

namespace fs = std::filesystem;
using backup_host::Status;
using certbackup::testing::TempDir;

// Keeps log lines; sets the cancellation flag when a line contains `cancel_on`.
class RecordingSink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    explicit RecordingSink(backup_host::CancellationFlag& flag) : flag_(flag) {}
    std::string cancel_on;
    std::vector<std::string> lines;

  protected:
    void sink_it_(const spdlog::details::log_msg& message) override {
        std::string line(message.payload.begin(), message.payload.end());
        if (!cancel_on.empty() && line.find(cancel_on) != std::string::npos)
            flag_.request();
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
    BackupRequest request;
    request.job_name = "full-system";
    request.plugins = {files_job({{"path", source.string()}}), probe_job({{"count", "2"}})};
    request.target = location.string();
    const BackupReport backup = run_backup(context, request);
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

    auto set = open_set((location / record.set_id()).string());
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
    BackupRequest request;
    request.job_name = "full-system";
    request.plugins = {files_job({{"path", source.string()}}), probe_job({{"fail_at", "work"}})};
    request.target = location.string();
    const BackupReport backup = run_backup(context, request);
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

TEST_F(JobRunner, CancellationMidJobEndsTheJobAsCancelledAndKeepsNothing) {
    sink->cancel_on = "probe: backup";
    BackupRequest request;
    request.job_name = "probe";
    request.plugins = {probe_job({{"until_cancelled", "true"}}),
                       files_job({{"path", source.string()}})};
    request.target = location.string();
    const BackupReport backup = run_backup(context, request);
    ASSERT_TRUE(backup.failure);
    EXPECT_EQ(backup.failure->status, Status::cancelled);
    EXPECT_TRUE(logged("probe: end_job cancelled"));
    EXPECT_EQ(backup.plugins.size(), 1u) << "the next plugin does not start";
    EXPECT_TRUE(fs::is_empty(location));
}

TEST_F(JobRunner, OptionProblemsAreFoundBeforeAnySetIsBegun) {
    BackupRequest request;
    request.job_name = "files";
    request.plugins = {files_job({{"path", source.string()}}), probe_job({{"count", "many"}})};
    request.target = location.string();
    const BackupReport backup = run_backup(context, request);
    ASSERT_TRUE(backup.failure);
    EXPECT_EQ(backup.failure->status, Status::bad_usage);
    EXPECT_TRUE(backup.plugins.empty());
    EXPECT_FALSE(fs::exists(location));
}

TEST_F(JobRunner, ARestoreOfAPluginTheSetDoesNotHoldIsRefusedBeforeAnythingRuns) {
    BackupRequest request;
    request.job_name = "files";
    request.plugins = {files_job({{"path", source.string()}})};
    request.target = location.string();
    const BackupReport backup = run_backup(context, request);
    ASSERT_FALSE(backup.failure) << backup.failure->message;
    auto set = open_set((location / backup.record.set_id()).string());
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

}  // namespace
}  // namespace certbackup::host
