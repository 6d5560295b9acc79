// The configuration module alone: parsing, checking against a plugin's declared options, the
// defaults a job of each kind gets.
#include <gtest/gtest.h>

#include "host-sdk/host/host_config.hpp"

namespace certbackup::host {
namespace {

using backup_host::JobKind;
using backup_host::OptionDescription;
using backup_host::OptionType;
using backup_host::PluginDescription;

OptionDescription declared(std::string name, OptionType type, std::uint32_t jobs,
                           std::vector<std::string> choices = {}) {
    OptionDescription option;
    option.name = std::move(name);
    option.type = type;
    option.jobs = jobs;
    option.choices = std::move(choices);
    return option;
}

PluginDescription sample_plugin() {
    PluginDescription plugin;
    plugin.id = "sample";
    plugin.jobs = BH_JOBS_BACKUP | BH_JOBS_RESTORE | BH_JOBS_ACTION;
    plugin.options = {
        declared("store", OptionType::path, BH_JOBS_BACKUP | BH_JOBS_RESTORE | BH_JOBS_ACTION),
        declared("count", OptionType::integer, BH_JOBS_BACKUP),
        declared("fast", OptionType::boolean, BH_JOBS_BACKUP),
        declared("mode", OptionType::string, BH_JOBS_RESTORE, {"skip", "replace"}),
    };
    return plugin;
}

// Parsing `text` as c.toml fails as bad usage with a message containing `expected`.
void expect_refused(const char* text, const char* expected) {
    SCOPED_TRACE(text);
    auto config = parse_config(text, "c.toml");
    ASSERT_FALSE(config);
    EXPECT_EQ(config.error().status, backup_host::Status::bad_usage);
    EXPECT_NE(config.error().message.find(expected), std::string::npos) << config.error().message;
}

TEST(HostConfig, ReadsPluginTablesWithTypesAndLines) {
    auto config = parse_config(
        "# defaults\n[plugins.sample]\nstore = \"/srv/store\"\ncount = 3\nfast = true\n"
        "[plugins.other]\n",
        "/etc/x.toml");
    ASSERT_TRUE(config) << config.error().message;
    ASSERT_EQ(config->plugins.size(), 2u);
    const PluginDefaults* sample = config->find_plugin("sample");
    ASSERT_NE(sample, nullptr);
    ASSERT_EQ(sample->options.size(), 3u);
    EXPECT_EQ(sample->options[0].key, "store");
    EXPECT_EQ(sample->options[0].where, "/etc/x.toml:3:1");
    EXPECT_EQ(sample->options[1].kind, ConfiguredOption::Kind::integer);
    EXPECT_EQ(sample->options[1].text, "3");
    EXPECT_EQ(sample->options[2].text, "true");
    EXPECT_NE(config->find_plugin("other"), nullptr);
    EXPECT_EQ(config->find_plugin("missing"), nullptr);
}

TEST(HostConfig, JobsGetTheDefaultsTheirKindReads) {
    auto config = parse_config(
        "[plugins.sample]\nstore = \"data/store\"\ncount = 3\n"
        "mode = \"replace\"\n",
        "/etc/backup-host/x.toml");
    ASSERT_TRUE(config) << config.error().message;
    const PluginDescription plugin = sample_plugin();
    auto backup = configured_options(*config, plugin, JobKind::backup);
    ASSERT_TRUE(backup) << backup.error().message;
    const backup_host::OptionAssignments expected_backup = {
        {"store", "/etc/backup-host/data/store"}, {"count", "3"}};
    EXPECT_EQ(*backup, expected_backup);
    auto restore = configured_options(*config, plugin, JobKind::restore);
    ASSERT_TRUE(restore) << restore.error().message;
    const backup_host::OptionAssignments expected_restore = {
        {"store", "/etc/backup-host/data/store"}, {"mode", "replace"}};
    EXPECT_EQ(*restore, expected_restore);
    PluginDescription unconfigured = plugin;
    unconfigured.id = "unconfigured";
    EXPECT_TRUE(configured_options(*config, unconfigured, JobKind::backup)->empty());
}

TEST(HostConfig, MistakesNameFileAndLineAndAreBadUsage) {
    const PluginDescription plugin = sample_plugin();
    const struct {
        const char* text;
        const char* expected;
    } cases[] = {
        {"[plugins.sample]\ncolor = \"red\"\n",
         "c.toml:2:1: plugin 'sample' has no option 'color'"},
        {"[plugins.sample]\ncount = \"3\"\n",
         "c.toml:2:1: plugins.sample.count must be an integer"},
        {"[plugins.sample]\nfast = 1\n", "c.toml:2:1: plugins.sample.fast must be a boolean"},
        {"[plugins.sample]\n\nmode = \"merge\"\n", "c.toml:3:1: option 'mode' of plugin 'sample'"},
        {"[plugins.sample]\nstore = \"\"\n",
         "c.toml:2:1: option 'store' of plugin 'sample' needs a path"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        auto config = parse_config(c.text, "c.toml");
        ASSERT_TRUE(config) << config.error().message;
        auto options = configured_options(*config, plugin, JobKind::restore);
        ASSERT_FALSE(options);
        EXPECT_EQ(options.error().status, backup_host::Status::bad_usage);
        EXPECT_NE(options.error().message.find(c.expected), std::string::npos)
            << options.error().message;
    }
}

TEST(HostConfig, OnlyKnownTopLevelKeysAndWellFormedTomlAreAccepted) {
    const struct {
        const char* text;
        const char* expected;
    } cases[] = {
        {"[daemon]\nname = \"x\"\n", "c.toml:1:2: unknown key 'daemon' in c.toml"},
        {"store = \"/x\"\n", "c.toml:1:1: unknown key 'store' in c.toml"},
        {"plugins = 1\n", "c.toml:1:1: 'plugins' must be a table"},
        {"[plugins]\nsample = 1\n", "c.toml:2:1: 'plugins.sample' must be a table"},
        {"[plugins.sample]\nlist = [1, 2]\n",
         "c.toml:2:1: plugins.sample.list must be a string, a "
         "boolean or an integer"},
        {"[plugins.sample\n", "c.toml:1:"},
    };
    for (const auto& c : cases)
        expect_refused(c.text, c.expected);
}

TEST(HostConfig, LimitsTakeIntegersAndByteSizes) {
    auto none = parse_config("[plugins.sample]\n", "c.toml");
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_FALSE(none->limits.tar_max_members);
    EXPECT_FALSE(none->limits.tar_max_bytes);

    const struct {
        const char* bytes;
        std::uint64_t expected;
    } sizes[] = {
        {"4096", 4096},
        {"\"4096\"", 4096},
        {"\"7 B\"", 7},
        {"\"3KiB\"", 3u << 10},
        {"\"5 MiB\"", 5u << 20},
        {"\"64 GiB\"", std::uint64_t{64} << 30},
        {"\"2 TiB\"", std::uint64_t{2} << 40},
        {"\"16777215 TiB\"", std::uint64_t{16777215} << 40},
    };
    for (const auto& size : sizes) {
        SCOPED_TRACE(size.bytes);
        auto config = parse_config(
            std::string("[limits]\ntar_max_members = 12\ntar_max_bytes = ") + size.bytes + "\n",
            "c.toml");
        ASSERT_TRUE(config) << config.error().message;
        EXPECT_EQ(config->limits.tar_max_members, 12u);
        EXPECT_EQ(config->limits.tar_max_bytes, size.expected);
    }
}

TEST(HostConfig, LimitMistakesNameTheKeyAndWhatIsAccepted) {
    const struct {
        const char* text;
        const char* expected;
    } cases[] = {
        {"limits = 3\n", "c.toml:1:1: 'limits' must be a table ([limits]), not an integer"},
        {"[limits]\ntar_members = 3\n",
         "c.toml:2:1: unknown key 'limits.tar_members' (this version reads: tar_max_members, "
         "tar_max_bytes)"},
        {"[limits]\ntar_max_members = 0\n",
         "c.toml:2:1: limits.tar_max_members must be a positive integer, not 0"},
        {"[limits]\ntar_max_members = -5\n", "must be a positive integer, not -5"},
        {"[limits]\ntar_max_members = \"5\"\n", "must be a positive integer, not \"5\""},
        {"[limits]\n\ntar_max_bytes = \"lots\"\n",
         "c.toml:3:1: limits.tar_max_bytes must be a positive integer of bytes or a size such "
         "as \"64 GiB\" (units B, KiB, MiB, GiB, TiB), not \"lots\""},
        {"[limits]\ntar_max_bytes = \"0 GiB\"\n", "not \"0 GiB\""},
        {"[limits]\ntar_max_bytes = \"2 PiB\"\n", "not \"2 PiB\""},
        {"[limits]\ntar_max_bytes = \"16777216 TiB\"\n", "not \"16777216 TiB\""},
        {"[limits]\ntar_max_bytes = \"99999999999999999999\"\n", "not \"9999"},
        {"[limits]\ntar_max_bytes = \"1\\u001b[2J GiB\"\n", "not \"1\\u001b[2J GiB\""},
        {"[limits]\ntar_max_bytes = 1.5\n", "not a floating-point number"},
    };
    for (const auto& c : cases)
        expect_refused(c.text, c.expected);
}

TEST(HostConfig, WhichFileIsRead) {
    EXPECT_EQ(config_file_to_read(std::string("given.toml")), std::filesystem::path("given.toml"));
    ::setenv(std::string(kConfigEnvironmentVariable).c_str(), "/from/environment.toml", 1);
    EXPECT_EQ(config_file_to_read(std::nullopt), std::filesystem::path("/from/environment.toml"));
    EXPECT_EQ(config_file_to_read(std::string("given.toml")), std::filesystem::path("given.toml"));
    ::unsetenv(std::string(kConfigEnvironmentVariable).c_str());
    EXPECT_EQ(config_file_to_read(std::nullopt).has_value(),
              std::filesystem::exists(kSystemConfigFile));
    auto missing = load_host_config(std::string("/nonexistent/backup-host.toml"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().status, backup_host::Status::bad_usage);
    EXPECT_NE(missing.error().message.find("/nonexistent/backup-host.toml"), std::string::npos);
}

}  // namespace
}  // namespace certbackup::host
