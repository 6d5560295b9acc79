// backup-host's configuration file (CLI.md "Configuration"): TOML.
//
// Which file: --config FILE; else $BACKUP_HOST_CONFIG; else /etc/backup-host/backup-host.toml if
// it exists; else none (every plugin option then comes from -o and the plugins' own defaults).
// A file named by --config or $BACKUP_HOST_CONFIG must exist.
//
// What it holds: `[[job]]` entries (host-sdk/management/job_config.hpp, parsed and validated
// there; their plugins and options are checked against the installed plugins by the commands
// that use them, check_jobs_against_plugins), and `[plugins.<id>]` tables of option defaults for
// one plugin, used by jobs and actions of that plugin, e.g.
//
//     [plugins.certificates]
//     store = "/var/lib/passwordsecure/certificates"
//
// `[limits]` bounds what is read from one tar file or stream (read_limits.hpp):
//
//     [limits]
//     tar_max_members = 1000000       # an integer >= 1
//     tar_max_bytes = "64 GiB"        # an integer of bytes >= 1, or "N B|KiB|MiB|GiB|TiB"
//
// Values are TOML strings (string and path options), booleans (bool options) or integers (int
// options). A relative path is taken relative to the configuration file's directory. Each table
// is checked against the options its plugin declares when the plugin is used: an unknown key, a
// value of the wrong type or outside the choices is an error naming FILE:LINE:COLUMN (the
// position format of every configuration error, certbackup/base/toml_reading.hpp). Any other
// top-level key is an error naming the key and the file. To read a new top-level section (the
// later `[[job]]`), add a reader to the table of sections in host_config.cpp.
//
// All errors are invalid_argument of base, the person's mistake, which the one table
// (certbackup/base/abi_status.hpp) makes backup_host::Status::bad_usage (exit 2), as job_config's.
// Pure data and functions; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <backup_host/host/option_validation.hpp>
#include <backup_host/host/plugin_description.hpp>
#include <backup_host/status.hpp>
#include <backup_host/types.hpp>

#include "certbackup/base/toml_reading.hpp"
#include "host-sdk/host/read_limits.hpp"
#include "host-sdk/management/job_config.hpp"

namespace certbackup::host {

// The default file, read when it exists and nothing else names one.
inline constexpr std::string_view kSystemConfigFile = "/etc/backup-host/backup-host.toml";
// The environment variable that names the file when --config does not.
inline constexpr std::string_view kConfigEnvironmentVariable = "BACKUP_HOST_CONFIG";

// One `key = value` of a [plugins.<id>] table, as written.
struct ConfiguredOption {
    using Kind = certbackup::toml_reading::ScalarValue::Kind;
    std::string key;
    Kind kind = Kind::string;
    std::string text;   // "true"/"false" for booleans, decimal for integers
    std::string where;  // "FILE:LINE:COLUMN"
    std::uint32_t line = 0;
};

// One [plugins.<id>] table.
struct PluginDefaults {
    std::string plugin_id;
    std::filesystem::path file;  // the configuration file it is in
    std::string where;           // "FILE:LINE:COLUMN" of the table
    std::uint32_t line = 0;
    std::vector<ConfiguredOption> options;  // in the order of the file
};

struct HostConfig {
    std::optional<std::filesystem::path> file;  // nullopt: no configuration file
    std::vector<PluginDefaults> plugins;        // in the order of the file
    std::vector<backup_host::JobConfig> jobs;   // [[job]] entries, in the order of the file
    ReadLimits limits;                          // [limits]; unset keys keep storage's defaults

    const PluginDefaults* find_plugin(std::string_view id) const noexcept;
};

// The file to read for --config `given` (nullopt when not given), as described above; nullopt
// when there is none.
std::optional<std::filesystem::path> config_file_to_read(const std::optional<std::string>& given);

// Reads and parses `file` (errors name the file, and the line for TOML errors).
backup_host::Result<HostConfig> load_config(const std::filesystem::path& file);

// Reads the configuration: config_file_to_read(given), then load_config; an empty configuration
// when there is no file.
backup_host::Result<HostConfig> load_host_config(const std::optional<std::string>& given);

// Parses configuration text; `file` names it in messages and anchors relative paths.
backup_host::Result<HostConfig> parse_config(std::string_view text,
                                             const std::filesystem::path& file);

// Checks every key of `defaults` against the options `plugin` declares (error at
// FILE:LINE:COLUMN).
backup_host::Result<void> check_plugin_defaults(const PluginDefaults& defaults,
                                                const backup_host::PluginDescription& plugin);

// The configured defaults of `plugin` that a job of `kind` reads, checked (as
// check_plugin_defaults), path values resolved against the file's directory; ready to go in
// front of the -o assignments. Empty when the configuration has no table for the plugin.
backup_host::Result<backup_host::OptionAssignments> configured_options(
    const HostConfig& config, const backup_host::PluginDescription& plugin,
    backup_host::JobKind kind);

}  // namespace certbackup::host
