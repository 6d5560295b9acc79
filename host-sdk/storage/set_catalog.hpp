// The catalog of a backup location (a directory of sets; layout in location_layout.hpp):
// listing the complete sets, opening one, deleting one, and removing what dead writers and
// deleters left behind.
//
// A set is listed when, and only when: its directory's name is a set id; the directory is a real
// directory (not a symbolic link); its set.pb is a regular file that parses and passes
// validate_record; and the record's set id equals the directory's name. Listing reads only
// records; verifying items is SetReader::verify's job. Hidden entries (.<id>.partial,
// .<id>.deleting, .<id>.lock) are never listed.
//
// Thread and process safety: listing and opening need no lock (a set directory appears and
// disappears by one rename). Deleting and cleaning take the set's lock (set_lock.hpp), so they
// never race with a writer or with each other.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backup_set.pb.h"
#include "host-sdk/storage/set_reader.hpp"
#include "host-sdk/storage/storage_io.hpp"

namespace backup_host {

struct SetSummary {
    std::string id;
    std::filesystem::path path;  // the set directory
    proto::BackupSet record;     // time, job, host, plugins, status, items, total size
};

// An entry named like a set that is not a complete set, and why (for `sets` to warn about).
struct SkippedEntry {
    std::string name;
    std::string reason;
};

struct SetListing {
    std::vector<SetSummary> sets;  // oldest first: by creation time, then id
    std::vector<SkippedEntry> skipped;
};

// Lists the sets of `location`. not_found when the location does not exist.
certbackup::Result<SetListing> list_sets(certbackup::Env& env,
                                         const std::filesystem::path& location);

// Opens the set directory `set_dir` (LOCATION/<id>, or a copy of one elsewhere, whatever its
// name). Refuses a .partial or .deleting directory (never a complete set) and a location
// (invalid_argument: "name one of its sets"). not_found, corrupt, unsupported as parse_record.
certbackup::Result<std::unique_ptr<SetReader>> open_set_directory(
    certbackup::Env& env, const std::filesystem::path& set_dir);

// Deletes set `id` of `location` so that it is never seen half-deleted: under the set's lock,
// rename <id> to .<id>.deleting, fsync the location, remove the tree, remove the lock file.
// not_found when there is no such set; conflict when a writer or deleter holds its lock. If the
// removal fails after the rename, the set is already gone from listings and a later cleanup
// finishes it.
certbackup::Result<void> delete_set(StorageIo io, const std::filesystem::path& location,
                                    std::string_view id);

// Removes the leftovers of writers and deleters that died: for every set id with a .partial or
// .deleting directory or a .lock file, takes the set's lock (skipping ids whose lock is held: a
// live process works on them) and removes that id's .partial and .deleting trees and then its
// lock file. Never touches a set directory <id>. Returns the names removed; the first failure
// stops the cleanup and is returned.
certbackup::Result<std::vector<std::string>> clean_stale_entries(
    StorageIo io, const std::filesystem::path& location);

}  // namespace backup_host
