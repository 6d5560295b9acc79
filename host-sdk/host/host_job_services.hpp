// The real host services behind the ABI (DESIGN §5) for one plugin instance of backup-host:
//   log            -> the host's spdlog logger, tagged "[<plugin-id>]"; warnings also kept
//   progress       -> the progress bar (drawn on a terminal only)
//   cancelled      -> the command's cancellation flag (set by SignalWatch)
//   secret         -> the command's JobPassword (prompting once or twice as the use says)
//   items          -> the set being written or read, below the plugin's own prefix
//                     "<plugin-id>/": the plugin sees and writes unprefixed names and can reach
//                     no other plugin's items
//   write_output   -> the command's output stream (standard output, or standard error when
//                     standard output carries a tar stream or JSON)
//   set_result     -> kept, for the set record and --json
//   confirm        -> a y/N prompt on the terminal
//   prompt         -> one line of text asked on the terminal (ABI 1.1)
//
// Ownership: borrows the HostContext and the set; both must outlive it (and the instance made
// with it). Threads: log() and cancelled() are thread-safe; the rest runs on the job thread.
#pragma once

#include <spdlog/logger.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <backup_host/host/job_services.hpp>

#include "host-sdk/host/job_password.hpp"
#include "host-sdk/host/progress_bar.hpp"
#include "host-sdk/storage/set_reader.hpp"
#include "host-sdk/storage/set_writer.hpp"

namespace certbackup::host {

// What every job of one backup-host command shares. All members are borrowed.
struct HostContext {
    spdlog::logger& logger;
    backup_host::CancellationFlag& cancel;
    ProgressBar& progress;
    JobPassword& password;
    std::FILE* output;  // where plugins' text for the user goes
    // false for a host that has no person at a terminal even when standard input is one (the
    // Bacula bridge inside the file daemon): confirm and prompt then answer "no terminal".
    bool terminal = true;
};

// Writes the host's own `text` for the operator to the job's output (after clearing the
// progress bar), as plugins' write_output does.
void say(HostContext& context, std::string_view text);

class HostJobServices final : public backup_host::JobServices {
  public:
    // At most this many warnings are kept for the set record (all are logged).
    static constexpr std::size_t kMaxKeptWarnings = 100;

    HostJobServices(HostContext& context, std::string plugin_id);

    // Backup jobs: items go to `set`, named `prefix` + the plugin's name.
    void store_into(backup_host::SetWriter& set, std::string prefix);
    // Restore and verify jobs: the items of `set` below `prefix`, without it.
    void read_from(const backup_host::SetReader& set, std::string prefix);

    // The last set_result of the plugin, if any.
    const std::optional<std::string>& result() const noexcept { return result_; }
    // The plugin's warnings (log lines at warn level and above), at most kMaxKeptWarnings.
    std::vector<std::string> warnings() const;
    std::uint64_t items_written() const noexcept { return items_written_; }
    std::uint64_t bytes_written() const noexcept { return bytes_written_; }

    void log(backup_host::LogLevel level, std::string_view message) noexcept override;
    bool cancelled() const noexcept override;
    void progress(const backup_host::Progress& progress) override;
    backup_host::Result<std::span<const std::uint8_t>> secret(backup_host::SecretUse use) override;

    backup_host::Result<void> begin_item(std::string_view name) override;
    backup_host::Result<void> write_item(std::span<const std::uint8_t> bytes) override;
    backup_host::Result<void> end_item() override;

    backup_host::Result<std::vector<backup_host::ItemInfo>> list_items() override;
    backup_host::Result<std::unique_ptr<backup_host::ItemSource>> open_item(
        std::string_view name) override;

    backup_host::Result<void> write_output(std::string_view text) override;
    backup_host::Result<void> set_result(std::string_view json) override;
    backup_host::Result<bool> confirm(std::string_view question) override;
    bool stdin_is_terminal() const override;
    backup_host::Result<std::string> prompt(std::string_view question) override;

  private:
    HostContext& context_;
    std::string plugin_id_;
    std::string prefix_;
    backup_host::SetWriter* output_set_ = nullptr;
    const backup_host::SetReader* input_set_ = nullptr;
    std::optional<std::string> result_;
    mutable std::mutex warnings_mutex_;
    std::vector<std::string> warnings_;
    std::uint64_t items_written_ = 0;
    std::uint64_t bytes_written_ = 0;
};

}  // namespace certbackup::host
