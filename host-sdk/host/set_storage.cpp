// The one translation unit of the runner that includes storage headers (see set_storage.hpp).
#include "host-sdk/host/set_storage.hpp"

#include <utility>

#include "host-sdk/storage/set_record.hpp"
#include "host-sdk/storage/storage_target.hpp"

namespace certbackup::host {
namespace {

namespace storage = ::backup_host;

storage::StorageOptions storage_options(const StreamFds& fds, const ReadLimits& limits = {}) {
    storage::StorageOptions options;
    options.output_fd = fds.output;
    options.input_fd = fds.input;
    if (limits.tar_max_members)
        options.tar_limits.max_members = *limits.tar_max_members;
    if (limits.tar_max_bytes)
        options.tar_limits.max_item_bytes = *limits.tar_max_bytes;
    return options;
}

class StorageSetOutput final : public SetOutput {
  public:
    // The SetWriter aborts itself when destroyed without commit.
    explicit StorageSetOutput(std::unique_ptr<storage::SetWriter> writer)
        : writer_(std::move(writer)) {}

    const std::string& set_id() const override { return writer_->set_id(); }
    std::string destination() const override { return writer_->destination(); }
    Result<void> begin_item(std::string_view name) override { return writer_->begin_item(name); }
    Result<void> write(std::span<const std::uint8_t> bytes) override {
        return writer_->write(bytes);
    }
    Result<void> end_item() override { return writer_->end_item(); }
    Result<backup_host::proto::BackupSet> commit(backup_host::proto::BackupSet record,
                                                 const storage::SetRecordKey* key) override {
        return writer_->commit(std::move(record), key);
    }
    Result<void> abort() override { return writer_->abort(); }

  private:
    std::unique_ptr<storage::SetWriter> writer_;
};

class StorageItemReader final : public StoredItemReader {
  public:
    explicit StorageItemReader(std::unique_ptr<storage::CheckedItemReader> reader)
        : reader_(std::move(reader)) {}
    Result<std::size_t> read(std::span<std::uint8_t> buffer) override {
        return reader_->read(buffer);
    }

  private:
    std::unique_ptr<storage::CheckedItemReader> reader_;
};

class StorageSetInput final : public SetInput {
  public:
    explicit StorageSetInput(std::unique_ptr<storage::SetReader> reader)
        : reader_(std::move(reader)) {}

    const backup_host::proto::BackupSet& record() const override { return reader_->record(); }
    const std::string& origin() const override { return reader_->origin(); }
    const std::optional<backup_host::RecordDigest>& authenticated_part() const override {
        return reader_->authenticated_part();
    }
    Result<std::unique_ptr<StoredItemReader>> open_item(std::string_view name) const override {
        auto item = reader_->open_item(name);
        if (!item)
            return std::unexpected(item.error());
        return std::make_unique<StorageItemReader>(std::move(*item));
    }
    Result<void> verify() const override { return reader_->verify(); }

  private:
    std::unique_ptr<storage::SetReader> reader_;
};

}  // namespace

bool is_stream(std::string_view target) noexcept {
    return target == "-";
}

bool is_tar(std::string_view source) {
    return storage::parse_target(source).kind != storage::TargetKind::directory;
}

Result<std::unique_ptr<SetOutput>> begin_set(std::string_view target, std::string job,
                                             const StreamFds& fds, const storage::StorageIo& io) {
    storage::NewSet info;
    info.job = std::move(job);
    auto writer = storage::create_set_writer(io, storage::parse_target(target), std::move(info),
                                             storage_options(fds));
    if (!writer)
        return std::unexpected(writer.error());
    return std::make_unique<StorageSetOutput>(std::move(*writer));
}

Result<std::unique_ptr<SetInput>> open_set(std::string_view source, const StreamFds& fds,
                                           const ReadLimits& limits) {
    auto reader = storage::open_set(storage::StorageIo::posix(), storage::parse_target(source),
                                    storage_options(fds, limits));
    if (!reader)
        return std::unexpected(reader.error());
    return std::make_unique<StorageSetInput>(std::move(*reader));
}

Result<LocationListing> list_location(std::string_view location, const StreamFds& fds,
                                      const ReadLimits& limits) {
    auto listing = storage::list_target(
        storage::StorageIo::posix(), storage::parse_target(location), storage_options(fds, limits));
    if (!listing)
        return std::unexpected(listing.error());
    LocationListing result;
    for (storage::SetSummary& set : listing->sets)
        result.sets.push_back(std::move(set.record));
    for (storage::SkippedEntry& entry : listing->skipped)
        result.skipped.push_back({std::move(entry.name), std::move(entry.reason)});
    return result;
}

std::string set_status_name(backup_host::proto::SetStatus status) {
    return std::string(storage::to_string(status));
}

}  // namespace certbackup::host
