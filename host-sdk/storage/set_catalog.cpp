#include "host-sdk/storage/set_catalog.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "host-sdk/storage/item_name.hpp"
#include "host-sdk/storage/location_layout.hpp"
#include "host-sdk/storage/set_id.hpp"
#include "host-sdk/storage/set_lock.hpp"
#include "host-sdk/storage/set_record.hpp"

namespace backup_host {

using certbackup::Env, certbackup::Error, certbackup::ErrorCode, certbackup::fail,
    certbackup::Result;
namespace fs = std::filesystem;

namespace {

bool is_real_directory(const fs::path& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The record of the set directory `dir`, read and validated.
Result<RecordFile> read_set_record(const fs::path& dir) {
    auto bytes = read_file_below(dir, kRecordName, kMaxRecordBytes);
    if (!bytes)
        return std::unexpected(bytes.error());
    return parse_record_file(*bytes, (dir / kRecordName).string());
}

}  // namespace

Result<SetListing> list_sets(Env& env, const fs::path& location) {
    auto names = env.list_dir(location);
    if (!names)
        return std::unexpected(names.error().with_context("backup location"));
    SetListing listing;
    for (const auto& name : *names) {
        if (classify_location_entry(name).kind != LocationEntryKind::set)
            continue;
        const fs::path dir = location / name;
        if (!is_real_directory(dir)) {
            listing.skipped.push_back({name, "not a directory (or a symbolic link)"});
            continue;
        }
        auto record = read_set_record(dir);
        if (!record) {
            listing.skipped.push_back({name, record.error().message});
            continue;
        }
        if (record->record.set_id() != name) {
            listing.skipped.push_back(
                {name, "its set.pb belongs to set " + quote_name(record->record.set_id())});
            continue;
        }
        listing.sets.push_back({name, dir, std::move(record->record)});
    }
    std::sort(listing.sets.begin(), listing.sets.end(), [](const auto& a, const auto& b) {
        return std::tuple(a.record.created_unix_seconds(), a.record.created_nanos(), a.id) <
               std::tuple(b.record.created_unix_seconds(), b.record.created_nanos(), b.id);
    });
    return listing;
}

Result<std::unique_ptr<SetReader>> open_set_directory(Env& env, const fs::path& set_dir) {
    const std::string name = set_dir.filename().string();
    const auto kind = classify_location_entry(name).kind;
    if (kind == LocationEntryKind::partial || kind == LocationEntryKind::deleting)
        return fail(ErrorCode::invalid_argument,
                    set_dir.string() +
                        " is not a complete set (it is being written or deleted, "
                        "or was left by a process that died)");
    auto record = read_set_record(set_dir);
    if (!record) {
        if (record.error().code == ErrorCode::not_found && env.exists(set_dir) &&
            !env.exists(set_dir / kRecordName))
            return fail(ErrorCode::invalid_argument,
                        set_dir.string() +
                            " is not a backup set (it has no set.pb); if it is a backup "
                            "location, name one of its sets (backup-host sets " +
                            set_dir.string() + ")");
        return std::unexpected(record.error());
    }
    std::string origin = record->record.set_id() + " (" + set_dir.string() + ")";
    return std::make_unique<SetReader>(env, set_dir, std::move(*record), std::move(origin), false);
}

Result<void> delete_set(StorageIo io, const fs::path& location, std::string_view id) {
    if (!is_set_id(id))
        return fail(ErrorCode::invalid_argument,
                    quote_name(id) + " is not a set id (YYYYMMDDTHHMMSSZ-xxxxxx)");
    auto lock = SetLock::acquire(location, id);
    if (!lock)
        return std::unexpected(lock.error());
    const fs::path set_dir = location / std::string(id);
    if (!is_real_directory(set_dir)) {
        (void)lock->release(io.env);
        return fail(ErrorCode::not_found,
                    "there is no set " + std::string(id) + " in " + location.string());
    }
    const fs::path deleting = location / deleting_dir_name(id);
    if (auto renamed = io.env.rename(set_dir, deleting); !renamed) {
        (void)lock->release(io.env);
        return renamed;
    }
    // From here on the set is no longer listed. A failure leaves the lock file, so that a later
    // cleanup finds and finishes the deletion.
    if (auto synced = io.env.sync_dir(location); !synced)
        return synced;
    if (auto removed = io.env.remove_tree(deleting); !removed)
        return removed;
    (void)lock->release(io.env);
    return {};
}

Result<std::vector<std::string>> clean_stale_entries(StorageIo io, const fs::path& location) {
    auto names = io.env.list_dir(location);
    if (!names)
        return std::unexpected(names.error());
    // id -> its leftovers: .partial and .deleting directories, .lock file
    struct Leftovers {
        std::vector<std::string> directories;
        bool lock_file = false;
    };
    std::map<std::string, Leftovers> leftovers;
    for (const auto& name : *names) {
        const auto entry = classify_location_entry(name);
        if (entry.kind == LocationEntryKind::partial || entry.kind == LocationEntryKind::deleting)
            leftovers[entry.id].directories.push_back(name);
        else if (entry.kind == LocationEntryKind::lock)
            leftovers[entry.id].lock_file = true;
    }
    std::vector<std::string> removed;
    for (const auto& [id, found] : leftovers) {
        auto lock = SetLock::acquire(location, id);
        if (!lock) {
            if (lock.error().code == ErrorCode::conflict)
                continue;  // a live writer or deleter
            return std::unexpected(lock.error());
        }
        for (const auto& name : found.directories) {
            if (auto gone = io.env.remove_tree(location / name); !gone)
                return std::unexpected(gone.error());
            removed.push_back(name);
        }
        if (auto released = lock->release(io.env); !released)
            return std::unexpected(released.error());
        if (found.lock_file)
            removed.push_back(lock_file_name(id));
    }
    return removed;
}

}  // namespace backup_host
