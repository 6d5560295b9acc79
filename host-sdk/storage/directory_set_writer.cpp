#include "host-sdk/storage/directory_set_writer.hpp"

#include <set>

#include "host-sdk/storage/location_layout.hpp"
#include "host-sdk/storage/private_modes.hpp"
#include "host-sdk/storage/set_catalog.hpp"
#include "host-sdk/storage/set_lock.hpp"

namespace backup_host {

using certbackup::Env, certbackup::Error, certbackup::ErrorCode, certbackup::fail,
    certbackup::Result;
namespace fs = std::filesystem;

namespace {

class DirectorySetSink final : public SetSink {
  public:
    DirectorySetSink(StorageIo io, fs::path location, std::string id, SetLock lock)
        : io_(io),
          location_(std::move(location)),
          id_(std::move(id)),
          partial_(location_ / partial_dir_name(id_)),
          lock_(std::move(lock)) {}

    // Creates the partial directory; the first step after taking the lock.
    Result<void> start() {
        if (io_.env.exists(partial_) || io_.env.exists(location_ / id_))
            return fail(ErrorCode::conflict,
                        "set " + id_ + " already exists in " + location_.string());
        if (auto made = io_.env.create_dir(partial_, kPrivateDirectoryMode); !made)
            return made;
        partial_created_ = true;
        return {};
    }

    Result<void> begin_item(const std::string& name) override {
        // Parents below the set directory, each created once (the name tree guarantees that no
        // item file stands where a directory must go).
        for (std::size_t slash = name.find('/'); slash != std::string::npos;
             slash = name.find('/', slash + 1)) {
            const fs::path dir = partial_ / name.substr(0, slash);
            if (!created_.insert(dir).second)
                continue;
            if (auto made = io_.env.create_dir(dir, kPrivateDirectoryMode); !made)
                return made;
        }
        auto file = io_.files.create(partial_ / name, kPrivateFileMode);
        if (!file)
            return std::unexpected(file.error());
        file_ = std::move(*file);
        return {};
    }

    Result<void> write(std::span<const std::uint8_t> bytes) override {
        return file_->append(bytes);
    }

    // No fsync here: commit() makes every item durable with one sync of the file system.
    Result<void> end_item(std::uint64_t) override {
        auto closed = file_->close();
        file_.reset();
        return closed;
    }

    Result<void> commit(std::span<const std::uint8_t> record) override {
        // Every item's bytes and every directory entry of the set durable before the record
        // exists: one syncfs for the whole set rather than an fsync per item and directory.
        if (auto synced = io_.env.sync_filesystem(partial_); !synced)
            return synced;
        // The record is fsynced and its entry in the set directory too (atomic_write syncs the
        // directory) before the rename publishes the set.
        if (auto written =
                certbackup::atomic_write(io_.env, partial_ / kRecordName, record, kPrivateFileMode);
            !written)
            return written;
        const fs::path final_path = location_ / id_;
        if (auto renamed = io_.env.rename(partial_, final_path); !renamed)
            return renamed;
        published_ = true;
        if (auto synced = io_.env.sync_dir(location_); !synced)
            return fail(synced.error().code,
                        "set " + id_ + " was written to " + final_path.string() +
                            " but the location could not be synced, so it may not survive a "
                            "power failure: " +
                            synced.error().message);
        // The set is complete and durable; a lock file left behind is removed by a later cleanup.
        (void)lock_.release(io_.env);
        return {};
    }

    Result<void> abort() override {
        file_.reset();
        Result<void> removed;
        if (partial_created_ && !published_) {
            removed = io_.env.remove_tree(partial_);
            if (removed)
                partial_created_ = false;
        }
        // Only release (and remove) the lock once nothing of ours is left: a leftover partial
        // keeps its lock file so that a later cleaner finds and removes both.
        if (removed)
            (void)lock_.release(io_.env);
        return removed;
    }

    std::string destination() const override { return (location_ / id_).string(); }

  private:
    StorageIo io_;
    fs::path location_;
    std::string id_;
    fs::path partial_;
    SetLock lock_;
    bool partial_created_ = false;
    bool published_ = false;
    std::set<fs::path> created_;  // the directories created below the set directory
    std::unique_ptr<WritableFile> file_;
};

}  // namespace

Result<std::unique_ptr<SetWriter>> create_directory_set(StorageIo io, const fs::path& location,
                                                        NewSet info) {
    const bool location_existed = io.env.exists(location);
    if (auto made = certbackup::create_dirs(io.env, location, kPrivateDirectoryMode); !made)
        return std::unexpected(made.error().with_context("backup location " + location.string()));
    // A new location must survive a power failure like the sets in it.
    if (!location_existed) {
        if (auto synced = io.env.sync_dir(location.parent_path()); !synced)
            return std::unexpected(synced.error().with_context("backup location"));
    }
    (void)clean_stale_entries(io, location);

    auto hash = Sha256Stream::create();
    if (!hash)
        return std::unexpected(hash.error());
    std::string id = make_set_id(info.created);
    auto lock = SetLock::acquire(location, id);
    if (!lock)
        return std::unexpected(lock.error());
    auto sink = std::make_unique<DirectorySetSink>(io, location, id, std::move(*lock));
    if (auto started = sink->start(); !started) {
        (void)sink->abort();
        return std::unexpected(started.error());
    }
    return std::make_unique<SetWriter>(std::move(id), std::move(info), std::move(sink),
                                       std::move(*hash));
}

}  // namespace backup_host
