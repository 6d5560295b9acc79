// One run of backup-host: the global options, and what every command shares: the logger, the
// progress bar, the cancellation flag and its signal watch, the configuration and the plugins.
//
// The configuration and the plugin directory are read on first use (a command that needs
// neither, such as `sets` of a backup location, works without plugins and with a broken
// configuration file; `sets` of a tar file or stream reads the file for its [limits]).
// Problems of plugins that do not load are logged as warnings once; the command goes on with
// the others.
//
// Ownership: owns everything above. Threads: created and used by the main thread; the logger
// and the flag are shared with the signal watch and with plugin threads.
#pragma once

#include <spdlog/logger.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <backup_host/host/job_services.hpp>
#include <backup_host/host/loader.hpp>
#include <backup_host/host/option_validation.hpp>
#include <backup_host/status.hpp>

#include "host-sdk/host/host_config.hpp"
#include "host-sdk/host/host_job_services.hpp"
#include "host-sdk/host/job_password.hpp"
#include "host-sdk/host/job_runner.hpp"
#include "host-sdk/host/progress_bar.hpp"
#include "host-sdk/host/signal_watch.hpp"

namespace certbackup::host {

// backup-host [--config FILE] [--plugin-dir DIR] [--log-level LEVEL]
struct GlobalOptions {
    std::optional<std::string> config_file;
    std::optional<std::string> plugin_dir;
    std::optional<std::string> log_level;  // checked by the command line
};

class HostSession {
  public:
    // Sets up logging and starts watching SIGINT/SIGTERM (block_termination_signals() must have
    // run first, before any thread existed).
    explicit HostSession(GlobalOptions options);
    ~HostSession();
    HostSession(const HostSession&) = delete;
    HostSession& operator=(const HostSession&) = delete;

    spdlog::logger& logger() noexcept { return *logger_; }
    backup_host::CancellationFlag& cancel() noexcept { return cancel_; }
    ProgressBar& progress() noexcept { return progress_; }

    // The configuration (host_config.hpp); bad_usage naming FILE:LINE when it is wrong.
    backup_host::Result<const HostConfig*> config();

    // The plugin directory: --plugin-dir, else ../lib/backup-host/plugins beside the executable.
    backup_host::Result<std::filesystem::path> plugin_directory() const;
    // The plugins of that directory, scanned once.
    backup_host::Result<const backup_host::PluginScan*> plugins();
    // The plugin `id` (not found: bad_usage when `named_by_user`, else not_found; both list the
    // installed plugins).
    backup_host::Result<backup_host::LoadedPlugin> find_plugin(std::string_view id,
                                                               bool named_by_user);

    // A job of `plugin`: its configured defaults for `kind`, then `assignments` ("KEY=VALUE"
    // texts of -o, checked for form here and against the plugin by the runner).
    backup_host::Result<PluginJob> plugin_job(const backup_host::LoadedPlugin& plugin,
                                              backup_host::JobKind kind,
                                              const std::vector<std::string>& assignments);

    // What jobs of this command share; `output` receives the plugins' text for the user.
    HostContext job_context(JobPassword& password, std::FILE* output) noexcept;

    // Logs `failure` as an error and returns its exit code: 130 whenever the job was asked to
    // stop, else the status's (CLI.md).
    int report(const backup_host::Failure& failure);
    // The exit code of `status` under the same rule, without logging.
    int exit_code(backup_host::Status status) const noexcept;

  private:
    GlobalOptions options_;
    // Declared before the logger, whose sink clears it: destroyed after the logger.
    ProgressBar progress_;
    std::shared_ptr<spdlog::logger> logger_;
    backup_host::CancellationFlag cancel_;
    std::unique_ptr<SignalWatch> signal_watch_;
    std::optional<backup_host::Result<HostConfig>> config_;
    std::optional<backup_host::Result<backup_host::PluginScan>> plugins_;
};

// Splits -o texts into KEY=VALUE pairs; bad_usage for one without '=' or key.
backup_host::Result<backup_host::OptionAssignments> parse_assignments(
    const std::vector<std::string>& texts);

}  // namespace certbackup::host
