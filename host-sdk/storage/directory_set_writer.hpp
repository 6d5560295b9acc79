// The directory target: a set becomes the directory LOCATION/<set-id>.
//
// Write order (docs/STORAGE.md): take LOCATION/.<id>.lock; create LOCATION/.<id>.partial; each
// item as a file below it (parents created as needed), written and closed before the next; sync
// the file system once (syncfs: every item and directory of the set durable); write set.pb LAST
// with atomic_write (fsynced, then the set directory fsynced); rename .<id>.partial to <id>;
// fsync LOCATION; remove the lock file. A crash at any moment leaves either no <id> directory or
// a complete one, and never touches other entries of LOCATION.
//
// Directories are created 0700, files 0600: items may be sensitive whatever their plugin.
#pragma once

#include <memory>

#include "host-sdk/storage/set_writer.hpp"
#include "host-sdk/storage/storage_io.hpp"

namespace backup_host {

// Begins a set in the backup location `location` (created 0700 with missing parents). First
// removes what writers and deleters that died left behind (clean_stale_entries, best effort:
// its failures do not stop the backup). conflict or io errors name the location.
certbackup::Result<std::unique_ptr<SetWriter>> create_directory_set(
    StorageIo io, const std::filesystem::path& location, NewSet info);

}  // namespace backup_host
