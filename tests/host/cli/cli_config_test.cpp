// backup-host's configuration file through the real binary: [plugins.<id>] defaults reach jobs
// (relative paths anchored at the file), -o overrides them, and every mistake is exit 2 naming
// FILE:LINE (or the file and the key).
#include <gtest/gtest.h>

#include "support/cli_test_support.hpp"
#include "support/temp_dir.hpp"

namespace backup_host::cli_testing {
namespace {

using certbackup::testing::TempDir;

class ConfigCli : public ::testing::Test {
  protected:
    void SetUp() override { build_tree(dir / "source", sample_tree()); }

    Finished back_up_with(const std::string& config_text, std::vector<std::string> extra = {}) {
        write_text(config, config_text);
        std::vector<std::string> args = {"--config", config.string(), "backup",
                                         "files",    "--to",          (dir / "location").string()};
        args.insert(args.end(), extra.begin(), extra.end());
        return run(args);
    }

    TempDir dir;
    fs::path config = dir / "host.toml";
};

TEST_F(ConfigCli, PluginDefaultsReachTheJobAndRelativePathsAreTheFilesDirectory) {
    const Finished done = back_up_with("[plugins.files]\npath = \"source\"\n");
    ASSERT_EQ(done.exit_code, 0) << describe(done);
    const fs::path restored = dir / "restored";
    std::string id = done.out;
    id.pop_back();
    const Finished restore =
        run({"--config", config.string(), "restore", (dir / "location" / id).string(), "--plugin",
             "files", "-o", "target=" + restored.string()});
    ASSERT_EQ(restore.exit_code, 0) << describe(restore);
    EXPECT_EQ(tree_state(restored), tree_state(dir / "source"));
}

TEST_F(ConfigCli, OptionsOnTheCommandLineOverrideTheConfiguration) {
    // The configured path exists too, with other files: only the set's contents tell which
    // one the job read.
    fs::create_directories(dir / "configured");
    write_text(dir / "configured" / "only-in-configured.txt", "configured\n");
    const Finished done = back_up_with("[plugins.files]\npath = \"configured\"\n",
                                       {"-o", "path=" + (dir / "source").string()});
    ASSERT_EQ(done.exit_code, 0) << describe(done);
    std::string id = done.out;
    id.pop_back();
    const fs::path restored = dir / "restored";
    const Finished restore = run({"restore", (dir / "location" / id).string(), "--plugin", "files",
                                  "-o", "target=" + restored.string()});
    ASSERT_EQ(restore.exit_code, 0) << describe(restore);
    EXPECT_EQ(tree_state(restored), tree_state(dir / "source"));
    EXPECT_FALSE(fs::exists(restored / "only-in-configured.txt"));
}

TEST_F(ConfigCli, MistakesAreExitCode2NamingTheFileAndLine) {
    const std::string file = config.string();
    const struct {
        std::string text;
        std::string expected;
    } cases[] = {
        {"[plugins.files]\npath = \"source\"\nnosuch = 1\n",
         file + ":3:1: plugin 'files' has no option 'nosuch'"},
        {"[plugins.files]\npath = 42\n", file + ":2:1: plugins.files.path must be a string"},
        {"[plugins.files]\n\noverwrite = \"sometimes\"\n", file + ":3:1: option 'overwrite'"},
        {"[schedule]\nx = 1\n", "unknown key 'schedule' in " + file},
        {"plugins = 3\n", file + ":1:1: 'plugins' must be a table"},
        {"[plugins.files]\npath = \"source\n", file + ":2:"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        const Finished done = back_up_with(c.text);
        EXPECT_EQ(done.exit_code, 2) << describe(done);
        EXPECT_NE(done.err.find(c.expected), std::string::npos) << done.err;
    }
    EXPECT_FALSE(fs::exists(dir / "location")) << "a configuration error writes nothing";
}

TEST_F(ConfigCli, AConfigurationFileNamedButMissingIsExitCode2) {
    // `plugins` lists what is installed whatever the configuration, and warns about it.
    const Finished named = run({"--config", (dir / "missing.toml").string(), "plugins"});
    EXPECT_EQ(named.exit_code, 0) << describe(named);
    EXPECT_NE(named.err.find("missing.toml"), std::string::npos) << named.err;
    const Finished used = run({"--config", (dir / "missing.toml").string(), "backup", "files",
                               "--to", (dir / "location").string()});
    EXPECT_EQ(used.exit_code, 2) << describe(used);
    EXPECT_NE(used.err.find("missing.toml"), std::string::npos) << used.err;

    Launch by_environment;
    by_environment.args = {"backup", "files", "--to", (dir / "location").string()};
    by_environment.environment = {"BACKUP_HOST_CONFIG=" + (dir / "missing.toml").string()};
    const Finished from_environment = run(by_environment);
    EXPECT_EQ(from_environment.exit_code, 2) << describe(from_environment);
}

}  // namespace
}  // namespace backup_host::cli_testing
