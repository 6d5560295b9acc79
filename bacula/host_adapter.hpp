// SPDX-License-Identifier: AGPL-3.0-only (see bacula/LICENSE)
//
// The bridge's one door into backup-host: it runs a plugin's backup into a private set
// directory and a plugin's restore from one, through the host's own loader, configuration,
// password source and job runner (host-sdk/host), exactly as `backup-host backup` and
// `backup-host restore` do. Nothing else of the bridge includes the host's internals, so that
// changes there (error types, runner) touch this file and its .cpp only.
//
// Messages: every line the host and the plugin log, and the plugin's text for the user, go to
// a MessageSink, from whatever thread the plugin logs on.
// Failures: backup_host::Failure (status and a message naming the plugin, item or file).
// Threads: one job at a time per call; cancel may be requested from any thread.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <backup_host/host/job_services.hpp>
#include <backup_host/status.hpp>

#include "bridge_command.hpp"

namespace certbackup::bacula {

enum class MessageKind { debug, info, warning, error };

class MessageSink {
  public:
    virtual ~MessageSink() = default;
    // Thread-safe. One line for the Bacula job.
    virtual void message(MessageKind kind, std::string_view text) noexcept = 0;
};

struct BridgeJob {
    const BridgeCommand& command;
    backup_host::CancellationFlag& cancel;
    MessageSink& messages;
};

// Runs the command's plugin backup into a new set below `location` (a backup location: the
// set becomes its subdirectory). Returns the set directory. A failed or cancelled run leaves
// nothing below `location` (the runner aborts the set).
backup_host::Result<std::filesystem::path> backup_into(const BridgeJob& job,
                                                       const std::filesystem::path& location);

// Restores the complete set in `set_directory` through the command's plugin, with the
// command's options and password file: all or nothing, as `backup-host restore`. Every item's
// size and digest is checked as it is read.
backup_host::Result<void> restore_from(const BridgeJob& job,
                                       const std::filesystem::path& set_directory);

// The plugin directory when the string names none: ../backup-host/plugins beside the directory
// of the bridge's own library (build/lib/bacula -> build/lib/backup-host/plugins; installed,
// lib/bacula -> lib/backup-host/plugins).
backup_host::Result<std::filesystem::path> default_plugin_directory();

}  // namespace certbackup::bacula
