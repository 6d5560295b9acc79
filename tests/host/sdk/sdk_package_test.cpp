// The SDK as a plugin author gets it: `cmake --install` of the SDK component into a fresh
// prefix, samples/files-plugin configured and built as a separate project against it with
// find_package(BackupHostSDK), and the result loaded and run by the loader.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <backup_host/host.hpp>

#include "support/memory_job_services.hpp"
#include "support/plugin_test_support.hpp"
#include "support/temp_dir.hpp"

namespace backup_host {
namespace {

namespace fs = std::filesystem;
using certbackup::testing::TempDir;

std::string read_text(const fs::path& file) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Runs `command` through the shell with its output appended to `log`; true on exit status 0.
bool run(const std::string& command, const fs::path& log) {
    std::ofstream(log, std::ios::app) << "$ " << command << "\n";
    const int status = std::system((command + " >>'" + log.string() + "' 2>&1").c_str());
    return status == 0;
}

std::string quoted(const fs::path& path) {
    return "'" + path.string() + "'";
}

TEST(SdkPackage, FilesPluginBuildsOutOfTreeAgainstTheInstalledSdkAndLoads) {
    TempDir dir;
    const fs::path prefix = dir / "prefix";
    const fs::path build = dir / "build";
    const fs::path log = dir / "commands.log";
    const std::string cmake = quoted(BACKUP_HOST_CMAKE_COMMAND);

    ASSERT_TRUE(run(cmake + " --install " + quoted(BACKUP_HOST_BUILD_DIR) +
                        " --component backup_host_sdk --prefix " + quoted(prefix),
                    log))
        << read_text(log);
    EXPECT_TRUE(fs::exists(prefix / "include/backup_host/plugin_abi.h"));
    EXPECT_TRUE(fs::exists(prefix / "include/backup_host/plugin.hpp"));
    EXPECT_TRUE(fs::exists(prefix / "include/backup_host/host.hpp"));
    bool has_config = false;
    for (const auto& entry : fs::recursive_directory_iterator(prefix))
        has_config |= entry.path().filename() == "BackupHostSDKConfig.cmake";
    EXPECT_TRUE(has_config) << "the CMake package is installed";
    EXPECT_FALSE(fs::exists(prefix / "lib/backup-host")) << "only the SDK component";

    ASSERT_TRUE(run(cmake + " -S " +
                        quoted(fs::path(BACKUP_HOST_SOURCE_DIR) / "samples/files-plugin") + " -B " +
                        quoted(build) + " -DCMAKE_PREFIX_PATH=" + quoted(prefix) +
                        " -DCMAKE_EXPORT_COMPILE_COMMANDS=ON",
                    log))
        << read_text(log);
    ASSERT_TRUE(run(cmake + " --build " + quoted(build) + " -j2", log)) << read_text(log);

    // The headers came from the installed prefix, not from the source tree.
    const std::string commands = read_text(build / "compile_commands.json");
    EXPECT_NE(commands.find((prefix / "include").string()), std::string::npos) << commands;
    EXPECT_EQ(commands.find("host-sdk/include"), std::string::npos) << commands;

    const fs::path file = build / "lib/backup-host/plugins/files.so";
    auto plugin = PluginLoader().load(file);
    ASSERT_TRUE(plugin) << plugin.error().message;
    EXPECT_EQ(plugin->id(), "files");

    // And it works: a small tree round trip.
    fs::create_directories(dir / "tree/sub");
    std::ofstream(dir / "tree/sub/file.txt") << "out of tree\n";
    testing::MemoryJobServices set;
    auto backed_up =
        testing::run_job(*plugin, {JobKind::backup, {{"path", (dir / "tree").string()}}}, set);
    ASSERT_TRUE(backed_up) << backed_up.error().message;
    testing::MemoryJobServices restore;
    restore.items = set.items;
    auto restored = testing::run_job(
        *plugin, {JobKind::restore, {{"target", (dir / "copy").string()}}}, restore);
    ASSERT_TRUE(restored) << restored.error().message;
    EXPECT_EQ(read_text(dir / "copy/sub/file.txt"), "out of tree\n");
}

}  // namespace
}  // namespace backup_host
