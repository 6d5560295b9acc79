// SPDX-License-Identifier: AGPL-3.0-only (see bacula/LICENSE)
//
// One Bacula job as the bridge sees it (the pContext of bacula_fd_abi.h rule 4): the calls of
// the file daemon for that job, mapped onto backup-host jobs (host_adapter.hpp).
//
// Backup and estimate: on each BackupCommand / EstimateCommand (one per `Plugin =` line of the
// FileSet) the plugin's backup runs at once into a private spool (spool_directory.hpp); then
// every file of the set directory - its record set.pb and each item - is handed to Bacula as
// the virtual file /@backup-host/ID/<path in the set>, with its size and times; Bacula reads
// the bytes through pluginIO. The spool goes away after the last file (or with the job).
// Estimate lists the same files without reading them.
//
// Restore: each file Bacula restores arrives with the plugin string saved at backup time.
//   - where= empty or "/": the files of each string are collected into a private spool; at
//     EndRestoreJob the plugin restores that set (restore_from: all or nothing, the saved
//     options and password file). A failure ends the job fatally with the plugin's message.
//   - where=DIR: the files are written to DIR/@backup-host/ID/..., a set directory that
//     `backup-host verify` and `backup-host restore` accept. Nothing is imported.
// Paths coming back from Bacula are checked (set_path.hpp) before anything is written.
//
// Failures: a fatal job message (M_FATAL) and bRC_Error (rule 6), never a mere warning.
// Threads: every member runs on the job's thread, except request_cancel (rule 5). Messages
// logged on other threads (plugins' workers) wait in a queue for the job thread.
#pragma once

#include <sys/stat.h>

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <backup_host/host/job_services.hpp>

#include "bacula_fd_abi.h"
#include "bridge_command.hpp"
#include "host_adapter.hpp"
#include "spool_directory.hpp"

namespace certbackup::bacula {

class BaculaJob final : public MessageSink {
  public:
    BaculaJob(bpContext* context, const bFuncs* functions);
    ~BaculaJob() override;
    BaculaJob(const BaculaJob&) = delete;
    BaculaJob& operator=(const BaculaJob&) = delete;

    // Marks the calling thread as the job's and sends the messages other threads queued.
    void enter();

    bRC handle_event(const bEvent& event, void* value);
    void request_cancel() noexcept { cancel_.request(); }

    bRC start_backup_file(save_pkt& packet);
    bRC end_backup_file();
    bRC start_restore_file(const char* command);
    bRC end_restore_file();
    bRC create_file(restore_pkt& packet);
    bRC plugin_io(io_pkt& packet);
    bool owns_path(const char* fname) const;

    // Sends "bridge: <text>" as a fatal job message and returns bRC_Error.
    bRC fatal(const std::string& text);

    void message(MessageKind kind, std::string_view text) noexcept override;

  private:
    struct SpooledFile {
        std::string virtual_path;         // /@backup-host/ID/<path>
        std::filesystem::path real_path;  // in the spool
        struct stat status {};
    };
    // The files of one string being collected for an import (where= empty or "/").
    struct ImportSet {
        BridgeCommand command;
        SpoolDirectory spool;
        std::filesystem::path set_directory() const { return spool.path() / command.plugin_id; }
    };

    // The plugin string `text` the file daemon passed, parsed; nullopt after a fatal message
    // (`missing` when there is none, the parser's when it does not parse).
    std::optional<BridgeCommand> parse_plugin_string(const char* text, const std::string& missing);
    bRC run_backup_command(const char* text, bool estimate);
    bRC list_spooled_set(const std::filesystem::path& set_directory, const std::string& root);
    bRC import_collected_sets();
    backup_host::Result<std::filesystem::path> restore_destination(const restore_pkt& packet);
    bRC open_for_io(io_pkt& packet);
    bRC read_for_io(io_pkt& packet);
    bRC write_for_io(io_pkt& packet);
    bRC close_for_io(io_pkt& packet);
    void send(int type, std::string_view text);

    bpContext* context_;
    const bFuncs* functions_;
    backup_host::CancellationFlag cancel_;

    std::mutex queue_mutex_;
    std::thread::id job_thread_;
    std::vector<std::pair<MessageKind, std::string>> queued_;

    // Backup.
    std::optional<SpoolDirectory> backup_spool_;
    std::vector<SpooledFile> files_;
    std::size_t next_file_ = 0;
    std::string current_fname_;                // what the last save_pkt.fname points to (rule 3)
    std::set<std::string> backed_up_plugins_;  // one set per plugin id and job

    // Restore.
    std::optional<BridgeCommand> restore_command_;  // of the file being restored
    std::map<std::string, ImportSet> imports_;      // by plugin string
    std::filesystem::path restore_path_;            // where the current file goes

    // The file open for pluginIO.
    int fd_ = -1;
    bool reading_ = false;
};

}  // namespace certbackup::bacula
