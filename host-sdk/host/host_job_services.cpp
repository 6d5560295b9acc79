#include "host-sdk/host/host_job_services.hpp"

#include <utility>

#include "certbackup/base/printable_text.hpp"
#include "host-sdk/host/host_failure.hpp"
#include "host-sdk/host/terminal_prompt.hpp"

namespace certbackup::host {
namespace {

using backup_host::Status;

spdlog::level::level_enum spdlog_level(backup_host::LogLevel level) {
    switch (level) {
        case backup_host::LogLevel::trace:
            return spdlog::level::trace;
        case backup_host::LogLevel::debug:
            return spdlog::level::debug;
        case backup_host::LogLevel::info:
            return spdlog::level::info;
        case backup_host::LogLevel::warn:
            return spdlog::level::warn;
        case backup_host::LogLevel::error:
            return spdlog::level::err;
    }
    return spdlog::level::err;
}

// Storage's reader of one item, as the SDK's ItemSource.
class SetItemSource final : public backup_host::ItemSource {
  public:
    explicit SetItemSource(std::unique_ptr<backup_host::CheckedItemReader> reader)
        : reader_(std::move(reader)) {}

    backup_host::Result<std::size_t> read(std::span<std::uint8_t> buffer) override {
        auto got = reader_->read(buffer);
        if (!got)
            return std::unexpected(to_failure(got.error()));
        return *got;
    }

  private:
    std::unique_ptr<backup_host::CheckedItemReader> reader_;
};

backup_host::Result<void> from_storage(const Result<void>& result) {
    if (!result)
        return std::unexpected(to_failure(result.error()));
    return {};
}

}  // namespace

HostJobServices::HostJobServices(HostContext& context, std::string plugin_id)
    : context_(context), plugin_id_(std::move(plugin_id)) {}

void HostJobServices::store_into(backup_host::SetWriter& set, std::string prefix) {
    output_set_ = &set;
    input_set_ = nullptr;
    prefix_ = std::move(prefix);
}

void HostJobServices::read_from(const backup_host::SetReader& set, std::string prefix) {
    input_set_ = &set;
    output_set_ = nullptr;
    prefix_ = std::move(prefix);
}

std::vector<std::string> HostJobServices::warnings() const {
    std::lock_guard lock(warnings_mutex_);
    return warnings_;
}

void HostJobServices::log(backup_host::LogLevel level, std::string_view message) noexcept {
    try {
        context_.logger.log(spdlog_level(level), "[{}] {}", plugin_id_, message);
        if (level >= backup_host::LogLevel::warn) {
            std::lock_guard lock(warnings_mutex_);
            if (warnings_.size() < kMaxKeptWarnings)
                warnings_.emplace_back(message);
        }
    } catch (...) {
        // A log line that cannot be written (out of memory) is dropped; the job goes on.
    }
}

bool HostJobServices::cancelled() const noexcept {
    return context_.cancel.requested();
}

void HostJobServices::progress(const backup_host::Progress& progress) {
    context_.progress.update(
        progress.done, progress.total, progress.unit,
        progress.message.empty() ? plugin_id_ : plugin_id_ + ": " + progress.message);
}

backup_host::Result<std::span<const std::uint8_t>> HostJobServices::secret(
    backup_host::SecretUse use) {
    return context_.password.get(use, &context_.progress, &context_.logger);
}

backup_host::Result<void> HostJobServices::begin_item(std::string_view name) {
    if (output_set_ == nullptr)
        return JobServices::begin_item(name);
    if (auto begun = output_set_->begin_item(prefix_ + std::string(name)); !begun)
        return from_storage(begun);
    ++items_written_;
    return {};
}

backup_host::Result<void> HostJobServices::write_item(std::span<const std::uint8_t> bytes) {
    if (output_set_ == nullptr)
        return JobServices::write_item(bytes);
    if (auto written = output_set_->write(bytes); !written)
        return from_storage(written);
    bytes_written_ += bytes.size();
    return {};
}

backup_host::Result<void> HostJobServices::end_item() {
    if (output_set_ == nullptr)
        return JobServices::end_item();
    return from_storage(output_set_->end_item());
}

backup_host::Result<std::vector<backup_host::ItemInfo>> HostJobServices::list_items() {
    if (input_set_ == nullptr)
        return JobServices::list_items();
    std::vector<backup_host::ItemInfo> items;
    for (const auto& item : input_set_->record().items()) {
        if (!item.name().starts_with(prefix_))
            continue;
        items.push_back(backup_host::ItemInfo{item.name().substr(prefix_.size()), item.size()});
    }
    return items;
}

backup_host::Result<std::unique_ptr<backup_host::ItemSource>> HostJobServices::open_item(
    std::string_view name) {
    if (input_set_ == nullptr)
        return JobServices::open_item(name);
    // Only names the record lists can be opened, and the record's names are normalized: a
    // "../other-plugin/x" below the prefix is simply not found.
    auto reader = input_set_->open_item(prefix_ + std::string(name));
    if (!reader)
        return std::unexpected(to_failure(reader.error()));
    return std::unique_ptr<backup_host::ItemSource>(new SetItemSource(std::move(*reader)));
}

void say(HostContext& context, std::string_view text) {
    context.progress.finish();
    std::fwrite(text.data(), 1, text.size(), context.output);
    std::fflush(context.output);
}

backup_host::Result<void> HostJobServices::write_output(std::string_view text) {
    context_.progress.finish();
    // A plugin's report quotes names from stores and PFX files: escaped, JSON values unchanged.
    const std::string shown = printable(text, LineBreaks::keep);
    if (!shown.empty() &&
        std::fwrite(shown.data(), 1, shown.size(), context_.output) != shown.size())
        return backup_host::fail(Status::failed, "cannot write the output (is the pipe closed?)");
    if (std::fflush(context_.output) != 0)
        return backup_host::fail(Status::failed, "cannot write the output (is the pipe closed?)");
    return {};
}

backup_host::Result<void> HostJobServices::set_result(std::string_view json) {
    result_ = std::string(json);
    return {};
}

backup_host::Result<bool> HostJobServices::confirm(std::string_view question) {
    if (!context_.terminal)
        return JobServices::confirm(question);
    context_.progress.finish();
    return ask_yes_no(printable(question, LineBreaks::keep));
}

bool HostJobServices::stdin_is_terminal() const {
    return context_.terminal && host::stdin_is_terminal();
}

backup_host::Result<std::string> HostJobServices::prompt(std::string_view question) {
    if (!context_.terminal)
        return JobServices::prompt(question);
    context_.progress.finish();
    return ask_line(question);
}

}  // namespace certbackup::host
