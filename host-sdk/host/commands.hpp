// The commands of backup-host (CLI.md), one file each. Each add_*_command adds its CLI11
// subcommand (with --help) to the application and returns what to run when it was chosen.
// A run returns the process's exit code (CLI.md: 0, 1, 2, 3, 4, 130).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host-sdk/host/host_session.hpp"
#include "host-sdk/host/job_runner.hpp"
#include "host-sdk/host/password_source.hpp"
#include "host-sdk/storage/set_reader.hpp"
#include "host-sdk/storage/storage_target.hpp"

namespace certbackup::host {

struct Command {
    CLI::App* app;
    std::function<int(HostSession&)> run;
};

// Adds the subcommand `name`, whose description and options `declare` sets (binding the options
// to one Arguments value), and returns `run` with that value as what to run when the subcommand
// was chosen.
template <class Arguments>
Command add_command(CLI::App& app, const std::string& name, void (*declare)(CLI::App&, Arguments&),
                    int (*run)(HostSession&, const Arguments&)) {
    auto arguments = std::make_shared<Arguments>();
    CLI::App* command = app.add_subcommand(name);
    declare(*command, *arguments);
    return {command, [arguments, run](HostSession& session) { return run(session, *arguments); }};
}

Command add_plugins_command(CLI::App& app);
Command add_backup_command(CLI::App& app);
Command add_sets_command(CLI::App& app);
Command add_restore_command(CLI::App& app);
Command add_verify_command(CLI::App& app);
// Backup management (managed_jobs.hpp, docs/SCHEDULING.md).
Command add_schedule_command(CLI::App& app);
Command add_run_command(CLI::App& app);
Command add_prune_command(CLI::App& app);
Command add_history_command(CLI::App& app);
Command add_daemon_command(CLI::App& app);

// `backup-host PLUGIN ACTION [ARGS...]` (and `backup-host PLUGIN --help`); `words` are PLUGIN
// and what follows it. `commands` names the built-in commands for an unknown word's message.
int run_plugin_action(HostSession& session, const std::vector<std::string>& words,
                      const std::string& commands);

// The password flags of CLI.md on a command, and what they were given.
struct PasswordFlags {
    std::string file;
    int fd = -1;
    bool from_stdin = false;
    bool none = false;  // --no-password
    CLI::Option* file_option = nullptr;
    CLI::Option* fd_option = nullptr;

    // At most one source (bad_usage otherwise).
    backup_host::Result<PasswordOptions> options() const;
};
void add_password_flags(CLI::App& command, PasswordFlags& flags);

// Restore and verify: the required SOURCE (open_source below reads it).
void add_source_option(CLI::App& command, std::string& source);

// -o KEY=VALUE, repeatable, one assignment per -o.
void add_option_flag(CLI::App& command, std::vector<std::string>& assignments,
                     const std::string& what);

// Storage's options for reading `source`: the configured [limits] (read_limits.hpp) when it is
// read as a tar stream (FILE.tar or -); storage's defaults otherwise, so that reading a set
// directory does not need the configuration file.
backup_host::Result<backup_host::StorageOptions> reading_options_for(HostSession& session,
                                                                     const std::string& source);

// Restore and verify: opens SOURCE (a set directory, FILE.tar, or - for standard input) with
// `options`; bad_usage when standard input would have to carry both the set and the password.
backup_host::Result<std::unique_ptr<backup_host::SetReader>> open_source(
    const std::string& source, const PasswordOptions& password,
    const backup_host::StorageOptions& options);

// The plugins of `set` to work on: those named in `only` (--plugin, repeatable) when given,
// else every plugin of the set; in the set's order. Each must be installed (not_found names
// the missing one); a name the set does not hold is bad_usage.
backup_host::Result<std::vector<backup_host::LoadedPlugin>> plugins_of_set(
    HostSession& session, const backup_host::SetReader& set, const std::vector<std::string>& only);

// The jobs for `plugins`: each gets its configured defaults for `kind` and the -o `assignments`
// whose key it declares for `kind`. With one plugin every assignment goes to it (so that its
// check names a wrong key); with several, a key that none of them declares is bad_usage.
backup_host::Result<std::vector<PluginJob>> jobs_for(
    HostSession& session, const std::vector<backup_host::LoadedPlugin>& plugins,
    backup_host::JobKind kind, const std::vector<std::string>& assignments);

// Restore and verify, up to the first plugin call: the password flags read, SOURCE opened
// (open_source), the plugins of the set (plugins_of_set, --plugin) and their jobs of `kind` with
// the -o assignments (jobs_for). The first failure stops.
struct SetJobsRequest {
    const std::string& source;
    const std::vector<std::string>& plugins;      // --plugin; empty for every plugin of the set
    const std::vector<std::string>& assignments;  // -o
    const PasswordFlags& password;
    backup_host::JobKind kind;
};
struct SetJobs {
    PasswordOptions password;
    std::unique_ptr<backup_host::SetReader> set;
    std::vector<PluginJob> jobs;
};
backup_host::Result<SetJobs> open_set_jobs(HostSession& session, const SetJobsRequest& request);

// What restore --json and verify --json print in common: status, set_id, source, plugins, and
// error when `failure` is set.
nlohmann::json set_report_json(const backup_host::SetReader& set,
                               const std::optional<backup_host::Failure>& failure,
                               const std::vector<PluginOutcome>& plugins);

// Prints `rows` on standard output as a table (format_table) and flushes. A non-empty `header`
// comes first when standard output is a terminal: a person gets the column names, a script
// only the rows.
void print_table(const std::vector<std::string>& header,
                 std::vector<std::vector<std::string>> rows);

}  // namespace certbackup::host
