#include "memory_job_services.hpp"

#include <algorithm>

namespace backup_host::testing {

namespace {

class MemoryItemSource : public ItemSource {
  public:
    explicit MemoryItemSource(const StoredItem& item) : item_(item) {}

    Result<std::size_t> read(std::span<std::uint8_t> buffer) override {
        const std::size_t left = item_.bytes.size() - position_;
        const std::size_t count = std::min(left, buffer.size());
        std::copy_n(item_.bytes.begin() + static_cast<std::ptrdiff_t>(position_), count,
                    buffer.begin());
        position_ += count;
        if (count == 0 && buffer.size() > 0) {
            if (item_.bytes.size() != item_.recorded_size ||
                checksum(item_.bytes) != item_.recorded_checksum)
                return fail(Status::corrupt, "item '" + item_.name +
                                                 "' is damaged: its digest "
                                                 "does not match the set "
                                                 "record");
        }
        return count;
    }

  private:
    const StoredItem& item_;
    std::size_t position_ = 0;
};

}  // namespace

std::uint64_t checksum(std::span<const std::uint8_t> bytes) {
    std::uint64_t hash = 0xcbf29ce484222325ull;
    for (std::uint8_t byte : bytes) {
        hash ^= byte;
        hash *= 0x100000001b3ull;
    }
    return hash;
}

StoredItem* MemoryJobServices::find(std::string_view name) {
    for (StoredItem& item : items)
        if (item.name == name)
            return &item;
    return nullptr;
}

std::vector<LogLine> MemoryJobServices::log_lines() const {
    std::lock_guard lock(log_mutex_);
    return log_;
}

std::vector<std::string> MemoryJobServices::messages_starting_with(std::string_view prefix) const {
    std::vector<std::string> messages;
    for (const LogLine& line : log_lines())
        if (line.message.starts_with(prefix))
            messages.push_back(line.message);
    return messages;
}

void MemoryJobServices::log(LogLevel level, std::string_view message) noexcept {
    try {
        std::lock_guard lock(log_mutex_);
        log_.push_back(LogLine{level, std::string(message)});
    } catch (...) {
        // A test host that cannot allocate a log line has bigger problems; drop it.
    }
}

Result<std::span<const std::uint8_t>> MemoryJobServices::secret(SecretUse use) {
    if (!password)
        return JobServices::secret(use);
    return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(password->data()),
                                         password->size());
}

Result<void> MemoryJobServices::begin_item(std::string_view name) {
    if (find(name) != nullptr)
        return fail(Status::conflict, "item '" + std::string(name) + "' was already stored");
    writing_ = StoredItem{std::string(name), {}, 0, 0};
    return {};
}

Result<void> MemoryJobServices::write_item(std::span<const std::uint8_t> bytes) {
    writing_->bytes.insert(writing_->bytes.end(), bytes.begin(), bytes.end());
    if (on_write)
        on_write();
    return {};
}

Result<void> MemoryJobServices::end_item() {
    writing_->recorded_size = writing_->bytes.size();
    writing_->recorded_checksum = checksum(writing_->bytes);
    items.push_back(std::move(*writing_));
    writing_.reset();
    return {};
}

Result<std::vector<ItemInfo>> MemoryJobServices::list_items() {
    std::vector<ItemInfo> listed;
    for (const StoredItem& item : items)
        listed.push_back(ItemInfo{item.name, item.recorded_size});
    return listed;
}

Result<std::unique_ptr<ItemSource>> MemoryJobServices::open_item(std::string_view name) {
    const StoredItem* item = find(name);
    if (item == nullptr)
        return fail(Status::not_found, "the set has no item '" + std::string(name) + "'");
    return std::unique_ptr<ItemSource>(new MemoryItemSource(*item));
}

Result<void> MemoryJobServices::write_output(std::string_view text) {
    output += text;
    return {};
}

Result<void> MemoryJobServices::set_result(std::string_view json) {
    result = json;
    return {};
}

Result<bool> MemoryJobServices::confirm(std::string_view question) {
    if (!confirmation)
        return JobServices::confirm(question);
    return *confirmation;
}

Result<std::string> MemoryJobServices::prompt(std::string_view question) {
    questions.emplace_back(question);
    if (!answer)
        return JobServices::prompt(question);
    return *answer;
}

}  // namespace backup_host::testing
