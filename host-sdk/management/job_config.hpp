// The [[job]] entries of backup-host's configuration file (CLI.md "Configuration (TOML)",
// docs/SCHEDULING.md "Jobs").
//
//     [[job]]
//     name = "certificates-nightly"          # unique; [a-z0-9][a-z0-9_-]*, at most 64
//     plugins = ["certificates"]             # one or more plugin ids (several: full-system job)
//     location = "/var/backups/backup-host"  # the backup location (directory)
//     password_file = "/etc/backup-host/backup.pass"   # or password_credential = "NAME"
//     schedule = "0 2 * * *"                 # optional: without it the job runs only by `run`
//     start = 2026-01-01T00:00:00            # optional, local date-time (or with an offset)
//     end = 2027-01-01T00:00:00              # optional, after start; runs happen before it
//     enabled = true                         # default true
//     timestamped = true                     # default true; false: each run replaces the last set
//     retention = { keep_last = 14, max_age_days = 90 }   # optional, each optional, >= 1
//
//     [job.options.certificates]             # options of one of the job's plugins
//     per_certificate_files = false
//
// The caller owns the file: it parses it with toml++ and hands over the document (or the value
// of its `job` key); this module reads only the jobs. Every error is invalid_argument with a
// message that starts with "FILE:LINE:COLUMN:" and names the job and the key. Unknown keys are
// errors; so is an inline `password` (the message says why and what to use). Relative paths
// (location, password_file) are taken relative to the configuration file's directory.
//
// Option values are kept as text with their TOML type, for the host's option validation
// (backup_host/host/option_validation.hpp) when the job runs; check_job_plugins checks plugin
// ids and option names against what is installed before anything runs, without the loader.
//
// Pure data and functions; thread-safe (start/end are converted with the local zone at parse
// time, local_time.hpp).
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "certbackup/base/error.hpp"
#include "certbackup/base/toml_reading.hpp"
#include "host-sdk/management/retention.hpp"
#include "host-sdk/management/schedule.hpp"

namespace backup_host {

// One `key = value` of a [job.options.<plugin>] table, as written.
struct JobOption {
    using Kind = certbackup::toml_reading::ScalarValue::Kind;
    std::string key;
    Kind kind = Kind::string;
    std::string text;   // "true"/"false" for booleans, decimal for integers
    std::string where;  // "FILE:LINE:COLUMN" of the key
};

struct JobPluginOptions {
    std::string plugin_id;
    std::string where;  // of the [job.options.<plugin>] key
    std::vector<JobOption> options;
};

// Where a job's password comes from. Never the password itself.
struct PasswordSource {
    enum class Kind { file, credential };
    Kind kind = Kind::file;
    std::string value;  // file: the path (absolute); credential: the credential's name
    std::string where;
};

struct JobConfig {
    std::string name;
    std::filesystem::path file;  // the configuration file
    std::string where;           // "FILE:LINE:COLUMN" of the [[job]] table
    std::vector<std::string> plugins;
    std::vector<std::string> plugin_where;  // position of each entry of `plugins`
    std::filesystem::path location;         // absolute
    PasswordSource password;
    std::optional<std::string> schedule_text;  // as written; nullopt: runs only by `run`
    std::optional<Schedule> schedule;          // the parsed schedule with the start/end window
    std::optional<std::string> start_text;     // "2026-01-01T00:00:00" as written (normalised)
    std::optional<std::string> end_text;
    bool enabled = true;
    bool timestamped = true;
    RetentionPolicy retention;  // as configured (see effective_retention)
    std::vector<JobPluginOptions> options;

    const JobPluginOptions* options_for(std::string_view plugin_id) const noexcept;
};

// The jobs of a parsed configuration document: the value of its `job` key (no key: no jobs).
// Other keys of the document are the caller's.
certbackup::Result<std::vector<JobConfig>> parse_jobs(const toml::table& document,
                                                      const std::filesystem::path& file);

// The same, given the value of the `job` key (an array of tables: [[job]]).
certbackup::Result<std::vector<JobConfig>> parse_job_entries(const toml::node& jobs,
                                                             const std::filesystem::path& file);

const JobConfig* find_job(std::span<const JobConfig> jobs, std::string_view name) noexcept;

// A plugin that is installed, and the names of the options it declares.
struct KnownPlugin {
    std::string id;
    std::vector<std::string> options;
};

// Checks that every plugin a job names is known, and every option in its [job.options.<id>]
// tables is one the plugin declares; the error names FILE:LINE:COLUMN, the job, and what is
// installed or accepted. Value types and choices are checked when the job runs.
certbackup::Result<void> check_job_plugins(const JobConfig& job,
                                           std::span<const KnownPlugin> plugins);
certbackup::Result<void> check_job_plugins(std::span<const JobConfig> jobs,
                                           std::span<const KnownPlugin> plugins);

// The retention the job is pruned with: the configured one; for a non-timestamped job,
// keep_last = 1 (it keeps only its last set; retention settings are refused for it).
RetentionPolicy effective_retention(const JobConfig& job);

// A digest (SHA-256, hex) of everything that defines the job's behaviour (not its position in
// the file). The run state remembers it: a job disabled after failed runs is re-enabled when its
// configuration changes (run_state.hpp).
std::string configuration_hash(const JobConfig& job);

// The environment variable systemd sets for a unit with LoadCredential= (systemd.exec(5)).
inline constexpr std::string_view kCredentialsDirectoryVariable = "CREDENTIALS_DIRECTORY";

// The file the job's password is read from: password_file as configured, or
// $CREDENTIALS_DIRECTORY/<name> for password_credential. invalid_argument, saying how to fix
// it, when a credential is configured and `credentials_directory` is unset or empty. The
// overload without it reads the environment.
certbackup::Result<std::filesystem::path> password_file_path(
    const JobConfig& job, const std::optional<std::string>& credentials_directory);
certbackup::Result<std::filesystem::path> password_file_path(const JobConfig& job);

}  // namespace backup_host
