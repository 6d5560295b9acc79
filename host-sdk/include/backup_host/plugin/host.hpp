// backup_host/plugin/host.hpp: the plugin's handle on the host services of its instance.
//
// Host wraps the `bh_host_services` table that create received. It is a small value (one
// pointer); copies refer to the same services. Valid until the instance is destroyed.
//
// Threads: log() and cancelled() may be called from any thread; everything else only from
// inside a call the host made into the plugin (the job thread), as plugin_abi.h rule 8 says.
// Failures of host services come back as Failure with the host's status and message, ready to
// be returned up to the host unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backup_host/plugin_abi.h"
#include "backup_host/status.hpp"
#include "backup_host/types.hpp"

namespace backup_host {

namespace detail {

// The host's message for its last failed service call, as a Failure of `status`.
inline Failure host_failure(const bh_host_services* services, int status) {
    const char* message = services->last_error(services->context);
    Failure failure{status_from_abi(status),
                    message != nullptr && *message != '\0' ? message : "host service failed"};
    if (failure.status == Status::ok)
        failure.status = Status::failed;
    return failure;
}

inline Result<void> host_call(const bh_host_services* services, int status) {
    if (status == BH_OK)
        return {};
    return std::unexpected(host_failure(services, status));
}

}  // namespace detail

// An item open for reading in a restore or verify job. Move-only; closes the item when
// destroyed. The host checks the item's size and digest while it is read: read() fails with
// Status::corrupt (naming the item) at the latest when the end is reached.
class ItemReader {
  public:
    ItemReader() = default;
    ItemReader(const bh_host_services* services, bh_item_reader* reader, std::string name)
        : services_(services), reader_(reader), name_(std::move(name)) {}
    ~ItemReader() { close(); }
    ItemReader(const ItemReader&) = delete;
    ItemReader& operator=(const ItemReader&) = delete;
    ItemReader(ItemReader&& other) noexcept
        : services_(other.services_),
          reader_(std::exchange(other.reader_, nullptr)),
          name_(std::move(other.name_)) {}
    ItemReader& operator=(ItemReader&& other) noexcept {
        if (this != &other) {
            close();
            services_ = other.services_;
            reader_ = std::exchange(other.reader_, nullptr);
            name_ = std::move(other.name_);
        }
        return *this;
    }

    const std::string& name() const noexcept { return name_; }
    bool is_open() const noexcept { return reader_ != nullptr; }

    // Reads up to buffer.size() bytes; 0 means the end of the item.
    Result<std::size_t> read(std::span<std::uint8_t> buffer) {
        if (reader_ == nullptr)
            return fail(Status::bad_usage, "item '" + name_ + "' is not open");
        std::size_t got = 0;
        const int status =
            services_->read_item(services_->context, reader_, buffer.data(), buffer.size(), &got);
        if (status != BH_OK)
            return std::unexpected(detail::host_failure(services_, status));
        return got;
    }

    // Reads the rest of the item through `buffer`, handing each chunk read to `take`
    // (callable with std::span<const std::uint8_t>, returning Result<void>; its failure stops
    // the reading). Returns the number of bytes read.
    template <typename Take>
    Result<std::uint64_t> read_chunks(std::span<std::uint8_t> buffer, Take&& take) {
        std::uint64_t total = 0;
        for (;;) {
            auto got = read(buffer);
            if (!got)
                return std::unexpected(got.error());
            if (*got == 0)
                return total;
            if (auto taken = take(std::span<const std::uint8_t>(buffer.data(), *got)); !taken)
                return std::unexpected(taken.error());
            total += *got;
        }
    }

    // Reads the rest of the item into memory; fails with Status::corrupt if it holds more
    // than `max_size` bytes (a guard for items that are supposed to be small).
    Result<std::vector<std::uint8_t>> read_all(std::uint64_t max_size) {
        std::vector<std::uint8_t> bytes;
        std::uint8_t chunk[64 * 1024];
        auto read_whole =
            read_chunks(chunk, [&](std::span<const std::uint8_t> got) -> Result<void> {
                if (bytes.size() + got.size() > max_size)
                    return fail(Status::corrupt, "item '" + name_ + "' is larger than " +
                                                     std::to_string(max_size) + " bytes");
                bytes.insert(bytes.end(), got.begin(), got.end());
                return {};
            });
        if (!read_whole)
            return std::unexpected(read_whole.error());
        return bytes;
    }

    // Closes the item now; later reads fail. Idempotent.
    void close() noexcept {
        if (reader_ != nullptr)
            services_->close_item(services_->context, std::exchange(reader_, nullptr));
    }

  private:
    const bh_host_services* services_ = nullptr;
    bh_item_reader* reader_ = nullptr;
    std::string name_;
};

class Host {
  public:
    // `services` is the table create received; it must stay valid while this Host is used.
    explicit Host(const bh_host_services* services) noexcept : services_(services) {}

    // The host's ABI version.
    unsigned abi_major() const noexcept { return services_->abi_major; }
    unsigned abi_minor() const noexcept { return services_->abi_minor; }

    // Thread-safe. Writes a line to the host's log. Never logs a secret.
    void log(LogLevel level, std::string_view message) const noexcept {
        try {
            const std::string text(message);
            services_->log(services_->context, static_cast<int>(level), text.c_str());
        } catch (...) {
            // Out of memory while logging: the line is dropped rather than failing the job.
        }
    }
    void trace(std::string_view message) const noexcept { log(LogLevel::trace, message); }
    void debug(std::string_view message) const noexcept { log(LogLevel::debug, message); }
    void info(std::string_view message) const noexcept { log(LogLevel::info, message); }
    void warn(std::string_view message) const noexcept { log(LogLevel::warn, message); }
    void error(std::string_view message) const noexcept { log(LogLevel::error, message); }

    // Reports progress (done of total `unit`s; total 0 when unknown).
    void progress(std::uint64_t done, std::uint64_t total, std::string_view unit,
                  std::string_view message = {}) const noexcept {
        try {
            const std::string unit_text(unit);
            const std::string message_text(message);
            bh_progress report{};
            report.struct_size = sizeof(bh_progress);
            report.done = done;
            report.total = total;
            report.unit = unit_text.c_str();
            report.message = message_text.empty() ? nullptr : message_text.c_str();
            services_->progress(services_->context, &report);
        } catch (...) {
            // Out of memory: progress is advisory, the report is dropped.
        }
    }

    // Thread-safe. True once the host asked the job to stop.
    bool cancelled() const noexcept { return services_->is_cancelled(services_->context) != 0; }

    // Status::cancelled once the host asked the job to stop: `if (auto c =
    // host().check_cancelled(); !c) return c;` between units of work.
    Result<void> check_cancelled() const {
        if (cancelled())
            return fail(Status::cancelled, "cancelled");
        return {};
    }

    // The job's secret (password bytes), valid until end_job returns. Not NUL-terminated,
    // never to be logged; copy it into memory the plugin wipes if it must outlive the job.
    // Status::not_found when the job has none and there is no terminal to ask.
    Result<std::span<const std::uint8_t>> secret(SecretUse use) const {
        const std::uint8_t* bytes = nullptr;
        std::size_t size = 0;
        const int status =
            services_->get_secret(services_->context, static_cast<int>(use), &bytes, &size);
        if (status != BH_OK)
            return std::unexpected(detail::host_failure(services_, status));
        return std::span<const std::uint8_t>(bytes, size);
    }

    // Backup jobs: starts the item `name` (relative, '/'-separated, no "..", unique).
    Result<void> begin_item(std::string_view name) const {
        const std::string text(name);
        return detail::host_call(services_,
                                 services_->begin_item(services_->context, text.c_str()));
    }
    // Backup jobs: appends bytes to the item begun last.
    Result<void> write(std::span<const std::uint8_t> bytes) const {
        return detail::host_call(
            services_, services_->write_item(services_->context, bytes.data(), bytes.size()));
    }
    // Backup jobs: completes the item begun last.
    Result<void> end_item() const {
        return detail::host_call(services_, services_->end_item(services_->context));
    }
    // Backup jobs: a whole small item in one go.
    Result<void> write_item(std::string_view name, std::span<const std::uint8_t> bytes) const {
        if (auto begun = begin_item(name); !begun)
            return begun;
        if (auto written = write(bytes); !written)
            return written;
        return end_item();
    }

    // Restore and verify jobs: the items of the set, in the set's order.
    Result<std::vector<ItemInfo>> items() const {
        std::size_t count = 0;
        if (auto counted =
                detail::host_call(services_, services_->item_count(services_->context, &count));
            !counted)
            return std::unexpected(counted.error());
        std::vector<ItemInfo> items;
        items.reserve(count);
        for (std::size_t index = 0; index < count; ++index) {
            bh_item_info info{};
            info.struct_size = sizeof(bh_item_info);
            if (auto got = detail::host_call(
                    services_, services_->item_info(services_->context, index, &info));
                !got)
                return std::unexpected(got.error());
            items.push_back(ItemInfo{info.name != nullptr ? info.name : "", info.size});
        }
        return items;
    }
    // Restore and verify jobs: opens an item; Status::not_found naming it if the set has none.
    Result<ItemReader> open_item(std::string_view name) const {
        std::string text(name);
        bh_item_reader* reader = nullptr;
        if (auto opened = detail::host_call(
                services_, services_->open_item(services_->context, text.c_str(), &reader));
            !opened)
            return std::unexpected(opened.error());
        return ItemReader(services_, reader, std::move(text));
    }
    // Restore and verify jobs: a whole small item; Status::corrupt beyond `max_size` bytes.
    Result<std::vector<std::uint8_t>> read_item(std::string_view name,
                                                std::uint64_t max_size) const {
        auto reader = open_item(name);
        if (!reader)
            return std::unexpected(reader.error());
        return reader->read_all(max_size);
    }

    // Text for the user on standard output.
    Result<void> output(std::string_view text) const {
        return detail::host_call(
            services_, services_->write_output(services_->context, text.data(), text.size()));
    }
    // The job's structured result: one JSON object; the last call wins.
    Result<void> set_result(std::string_view json) const {
        const std::string text(json);
        return detail::host_call(services_,
                                 services_->set_result(services_->context, text.c_str()));
    }
    // Asks a yes/no question at the terminal; Status::unsupported without a terminal.
    Result<bool> confirm(std::string_view question) const {
        const std::string text(question);
        int answer = 0;
        if (auto asked = detail::host_call(
                services_, services_->confirm(services_->context, text.c_str(), &answer));
            !asked)
            return std::unexpected(asked.error());
        return answer != 0;
    }
    bool stdin_is_terminal() const noexcept {
        return services_->stdin_is_terminal(services_->context) != 0;
    }

    // ABI 1.1: true when the host offers prompt() (a host of ABI 1.0 does not).
    bool has_prompt() const noexcept {
        return services_->struct_size >= BH_HOST_SERVICES_SIZE_1_1 && services_->prompt != nullptr;
    }
    // Asks the person at the terminal for one line of text (echoed: not for secrets); the
    // answer without its line end, possibly empty. Status::unsupported when the host has no
    // terminal or speaks ABI 1.0: the caller then names the option that gives the value.
    Result<std::string> prompt(std::string_view question) const {
        if (!has_prompt())
            return fail(Status::unsupported, "cannot ask at the terminal: the host speaks ABI " +
                                                 std::to_string(abi_major()) + "." +
                                                 std::to_string(abi_minor()) +
                                                 ", which has no prompt service");
        const std::string text(question);
        const char* answer = nullptr;
        if (auto asked = detail::host_call(
                services_, services_->prompt(services_->context, text.c_str(), &answer));
            !asked)
            return std::unexpected(asked.error());
        return std::string(answer != nullptr ? answer : "");
    }

    // The raw table, for what this wrapper does not cover (fields of later minors: check
    // struct_size with BH_SIZE_THROUGH first).
    const bh_host_services* services() const noexcept { return services_; }

  private:
    const bh_host_services* services_;
};

}  // namespace backup_host
