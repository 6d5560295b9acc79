// backup_host/host/job_services.hpp: what a host provides to one plugin instance.
//
// The host implements JobServices (logging into its spdlog logger, progress bar, the storage
// target's item writer or reader, the job password, the terminal); the loader turns it into
// the C `bh_host_services` table and checks the plugin's use of it (job kind, one item at a
// time, cancellation) before any call reaches the implementation.
//
// Ownership: the host owns the JobServices object; it must outlive every PluginInstance
// created with it. Threads: log() and cancelled() are called from any thread the plugin uses
// and must be thread-safe; every other member is called on the job thread only, one call at a
// time. Failures are Result values; an exception that escapes an implementation is caught at
// the boundary and reported to the plugin as Status::failed.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backup_host/status.hpp"
#include "backup_host/types.hpp"

namespace backup_host {

// An item open for reading. Reads go front to back.
class ItemSource {
  public:
    virtual ~ItemSource() = default;
    // Reads up to buffer.size() bytes; 0 means the end. Checks the item's size and digest as
    // it goes and fails with Status::corrupt, naming the item, at the latest at the end.
    virtual Result<std::size_t> read(std::span<std::uint8_t> buffer) = 0;
};

// The cancellation flag of a job: set from another thread (or a signal handler: request() is
// a lock-free atomic store, async-signal-safe), polled by JobServices::cancelled().
class CancellationFlag {
  public:
    void request() noexcept { requested_.store(true, std::memory_order_relaxed); }
    bool requested() const noexcept { return requested_.load(std::memory_order_relaxed); }

  private:
    static_assert(std::atomic<bool>::is_always_lock_free);
    std::atomic<bool> requested_{false};
};

class JobServices {
  public:
    virtual ~JobServices() = default;

    // Thread-safe. One line from the plugin at `level`, to be tagged with the plugin's id
    // (a host uses one JobServices per instance, so it knows which plugin speaks).
    virtual void log(LogLevel level, std::string_view message) noexcept = 0;

    // Thread-safe. True once the job should stop (e.g. a CancellationFlag's requested()).
    virtual bool cancelled() const noexcept = 0;

    // Progress of the job; advisory (draw a bar on a terminal, log, or ignore).
    virtual void progress(const Progress& progress) { (void)progress; }

    // The job password, valid until the job ends (the implementation keeps it in wiped
    // memory). Default: no password (Status::not_found).
    virtual Result<std::span<const std::uint8_t>> secret(SecretUse use) {
        (void)use;
        return fail(Status::not_found,
                    "this job has no password: give one with --password-file, --password-fd "
                    "or --password-stdin");
    }

    // Backup jobs: one item at a time, begin -> write... -> end. The loader has already
    // checked the order of calls; the implementation checks the name (relative, no "..").
    virtual Result<void> begin_item(std::string_view name) {
        (void)name;
        return no_items();
    }
    virtual Result<void> write_item(std::span<const std::uint8_t> bytes) {
        (void)bytes;
        return no_items();
    }
    virtual Result<void> end_item() { return no_items(); }

    // Restore and verify jobs: the items of the set, and one reader per open item.
    virtual Result<std::vector<ItemInfo>> list_items() {
        return std::unexpected(no_items().error());
    }
    // Status::not_found, naming the item, when the set has no such item.
    virtual Result<std::unique_ptr<ItemSource>> open_item(std::string_view name) {
        (void)name;
        return std::unexpected(no_items().error());
    }

    // Text for the user on standard output.
    virtual Result<void> write_output(std::string_view text) {
        (void)text;
        return fail(Status::unsupported, "this host shows no output for this job");
    }
    // The job's structured result (one JSON object); the last call wins.
    virtual Result<void> set_result(std::string_view json) {
        (void)json;
        return {};
    }
    // A yes/no question at the terminal. Default: no terminal (Status::unsupported).
    virtual Result<bool> confirm(std::string_view question) {
        (void)question;
        return fail(Status::unsupported,
                    "cannot ask for confirmation: standard input is not a terminal");
    }
    virtual bool stdin_is_terminal() const { return false; }
    // One line of text from the person at the terminal (ABI 1.1 prompt), without its line end.
    // Default: no terminal (Status::unsupported).
    virtual Result<std::string> prompt(std::string_view question) {
        (void)question;
        return fail(Status::unsupported, "cannot ask: this host has no terminal");
    }

  private:
    static Result<void> no_items() {
        return fail(Status::unsupported, "this host provides no items for this job");
    }
};

}  // namespace backup_host
