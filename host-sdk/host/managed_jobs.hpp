// What the management commands (schedule, run; docs/SCHEDULING.md) share: the configured
// [[job]] entries checked against the installed plugins, and the run-state directory.
//
// State directory: --state-dir DIR on the command; else $STATE_DIRECTORY (systemd's
// StateDirectory=); else "<config dir>/<config stem>.state" beside a configuration file other
// than the system one; else /var/lib/backup-host (run_state_store.hpp default_state_directory).
//
// Errors are SDK Failures (bad_usage for configuration problems, exit 2). Main thread only.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>

#include "host-sdk/host/host_failure.hpp"
#include "host-sdk/host/host_session.hpp"
#include "host-sdk/management/run_state_store.hpp"

namespace certbackup::host {

// --state-dir on a management command.
struct StateDirFlag {
    std::string directory;
    CLI::Option* option = nullptr;
};
void add_state_dir_flag(CLI::App& command, StateDirFlag& flag);

// The configuration, with every job's plugins and [job.options.<id>] names checked against the
// installed plugins (an error names FILE:LINE:COLUMN, the job and what is installed).
backup_host::Result<const HostConfig*> checked_job_config(HostSession& session);

// The state directory for this command (see above).
std::filesystem::path state_directory(const HostConfig& config, const StateDirFlag& flag);

// Runs `job` now with its lock held, recording the run in `store` (command_run.cpp): the
// `run` command and the daemon. Prints the set id on success; returns the exit code.
int run_configured_job(HostSession& session, const backup_host::JobConfig& job,
                       backup_host::RunStateStore& store, backup_host::RunTrigger trigger,
                       std::optional<backup_host::SystemTime> slot);

}  // namespace certbackup::host
