// An in-memory host for plugin tests: JobServices that keeps backed-up items in a vector,
// serves them back to restore and verify jobs (checking each one's size and checksum as a real
// storage target checks its digest), and records logs, output, results and progress.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <backup_host/host.hpp>

namespace backup_host::testing {

struct StoredItem {
    std::string name;
    std::vector<std::uint8_t> bytes;
    std::uint64_t recorded_size = 0;      // as written; a test may damage `bytes` afterwards
    std::uint64_t recorded_checksum = 0;  // FNV-1a of the bytes as written
};

struct LogLine {
    LogLevel level;
    std::string message;
};

class MemoryJobServices : public JobServices {
  public:
    // Items of the set: filled by a backup job, read by restore and verify jobs.
    std::vector<StoredItem> items;
    std::string output;
    std::string result;
    std::vector<Progress> progress_reports;
    CancellationFlag cancellation;
    std::optional<std::string> password;
    std::optional<bool> confirmation;    // nullopt: no terminal
    std::optional<std::string> answer;   // the prompt service's answer; nullopt: no terminal
    std::vector<std::string> questions;  // what the plugin asked with prompt
    // Called after each stored write (on the job thread), e.g. to cancel from another thread.
    std::function<void()> on_write;

    StoredItem* find(std::string_view name);
    // Log lines so far (thread-safe copy).
    std::vector<LogLine> log_lines() const;
    // Messages of the log lines that start with `prefix`, in order.
    std::vector<std::string> messages_starting_with(std::string_view prefix) const;

    void log(LogLevel level, std::string_view message) noexcept override;
    bool cancelled() const noexcept override { return cancellation.requested(); }
    void progress(const Progress& progress) override { progress_reports.push_back(progress); }
    Result<std::span<const std::uint8_t>> secret(SecretUse use) override;
    Result<void> begin_item(std::string_view name) override;
    Result<void> write_item(std::span<const std::uint8_t> bytes) override;
    Result<void> end_item() override;
    Result<std::vector<ItemInfo>> list_items() override;
    Result<std::unique_ptr<ItemSource>> open_item(std::string_view name) override;
    Result<void> write_output(std::string_view text) override;
    Result<void> set_result(std::string_view json) override;
    Result<bool> confirm(std::string_view question) override;
    bool stdin_is_terminal() const override { return confirmation.has_value(); }
    Result<std::string> prompt(std::string_view question) override;

  private:
    mutable std::mutex log_mutex_;
    std::vector<LogLine> log_;
    std::optional<StoredItem> writing_;
};

std::uint64_t checksum(std::span<const std::uint8_t> bytes);

}  // namespace backup_host::testing
