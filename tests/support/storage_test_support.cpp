#include "storage_test_support.hpp"

#include <algorithm>

namespace backup_host::testing {
namespace {

class FaultInjectingFile final : public WritableFile {
  public:
    FaultInjectingFile(FaultInjectingFiles& owner, std::unique_ptr<WritableFile> base)
        : owner_(owner), base_(std::move(base)) {}

    Result<void> append(std::span<const std::uint8_t> bytes) override {
        if (auto s = owner_.step("append " + name()); !s)
            return s;
        return base_->append(bytes);
    }
    Result<void> sync() override {
        if (auto s = owner_.step("sync " + name()); !s)
            return s;
        return base_->sync();
    }
    Result<void> close() override {
        if (auto s = owner_.step("close " + name()); !s)
            return s;
        return base_->close();
    }
    const std::string& name() const override { return base_->name(); }

  private:
    FaultInjectingFiles& owner_;
    std::unique_ptr<WritableFile> base_;
};

}  // namespace

Result<void> FaultInjectingFiles::step(std::string description) {
    ++count_;
    log_.push_back(description);
    bool fails = crashed_ || (fail_at_ > 0 && count_ == fail_at_);
    if (env_crash_at_ > 0 && env_.count() >= env_crash_at_)
        fails = true;
    if (fails && crash_ && !crashed_) {
        crashed_ = true;
        env_.crash_at(env_.count() + 1);  // the process is dead: no Env step succeeds either
    }
    if (fails)
        return fail(ErrorCode::io, "injected file failure at step " + std::to_string(count_) +
                                       " (" + description + ")");
    return {};
}

Result<std::unique_ptr<WritableFile>> FaultInjectingFiles::create(const fs::path& path,
                                                                  mode_t mode) {
    if (auto s = step("create " + path.string()); !s)
        return std::unexpected(s.error());
    auto file = base_.create(path, mode);
    if (!file)
        return file;
    return std::make_unique<FaultInjectingFile>(*this, std::move(*file));
}

Result<std::unique_ptr<WritableFile>> FaultInjectingFiles::adopt(int fd, std::string name) {
    auto file = base_.adopt(fd, std::move(name));
    if (!file)
        return file;
    return std::make_unique<FaultInjectingFile>(*this, std::move(*file));
}

std::vector<std::uint8_t> pattern_bytes(std::size_t size, std::uint32_t seed) {
    std::vector<std::uint8_t> bytes(size);
    std::uint32_t state = seed * 2654435761u + 1;
    for (auto& b : bytes) {
        state = state * 1664525u + 1013904223u;
        b = static_cast<std::uint8_t>(state >> 24);
    }
    return bytes;
}

Result<void> write_item(SetWriter& writer, const std::string& name,
                        const std::vector<std::uint8_t>& bytes, std::size_t chunk) {
    if (auto begun = writer.begin_item(name); !begun)
        return begun;
    for (std::size_t offset = 0; offset < bytes.size(); offset += chunk) {
        const std::size_t n = std::min(chunk, bytes.size() - offset);
        if (auto written = writer.write(std::span(bytes).subspan(offset, n)); !written)
            return written;
    }
    return writer.end_item();
}

proto::BackupSet complete_record() {
    proto::BackupSet record;
    record.set_status(proto::SET_STATUS_COMPLETE);
    auto* plugin = record.add_plugins();
    plugin->set_id("files");
    plugin->set_version("1.0.0");
    plugin->set_format_version(1);
    plugin->set_summary("test items");
    return record;
}

Result<std::vector<std::uint8_t>> read_item(const SetReader& reader, const std::string& name,
                                            std::size_t chunk) {
    auto item = reader.open_item(name);
    if (!item)
        return std::unexpected(item.error());
    std::vector<std::uint8_t> bytes;
    std::vector<std::uint8_t> buffer(chunk);
    for (;;) {
        auto n = (*item)->read(buffer);
        if (!n)
            return std::unexpected(n.error());
        if (*n == 0)
            return bytes;
        bytes.insert(bytes.end(), buffer.begin(), buffer.begin() + static_cast<long>(*n));
    }
}

std::vector<std::string> hidden_entries(const fs::path& dir) {
    std::vector<std::string> names;
    auto listed = Env::posix().list_dir(dir);
    if (!listed)
        return names;
    for (const auto& name : *listed) {
        if (name.starts_with('.'))
            names.push_back(name);
    }
    return names;
}

std::vector<std::pair<std::string, std::vector<std::uint8_t>>> sample_items(std::uint32_t seed) {
    return {
        {"manifest.pb", pattern_bytes(300, seed)},
        {"payload/a.pfx", pattern_bytes(70000, seed + 1)},
        {"payload/empty", {}},
        {"payload/deep/b.bin", pattern_bytes(1234, seed + 2)},
    };
}

Result<proto::BackupSet> write_set(
    SetWriter& writer,
    const std::vector<std::pair<std::string, std::vector<std::uint8_t>>>& items) {
    for (const auto& [name, bytes] : items) {
        if (auto written = write_item(writer, name, bytes, 32768); !written)
            return std::unexpected(written.error());
    }
    return writer.commit(complete_record());
}

}  // namespace backup_host::testing
