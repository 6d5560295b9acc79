// The lock of one set id in one location: an exclusive flock(2) on LOCATION/.<id>.lock, held by
// the process that writes or deletes set <id> for as long as it works on it.
//
// Why a lock and not an age: the kernel drops a flock when its process dies, SIGKILL included,
// so a cleaner that can take the lock knows for certain that nobody works on the set's leftovers
// (a partial or half-deleted directory) and may remove them; one that cannot take it leaves them
// alone however old they are (a slow writer is never robbed). See docs/STORAGE.md.
//
// Protocol: a writer takes the lock BEFORE it creates .<id>.partial and lets go only AFTER that
// directory has been renamed to <id> (or removed); a deleter takes it before renaming <id> to
// .<id>.deleting and lets go after removing that. Taking it creates the lock file when missing
// and retries when the file was unlinked between open and flock (a cleaner removed it), so a
// holder always holds the lock of the file that is linked at LOCATION/.<id>.lock.
//
// The lock file is created with open(2), not through Env: Env has no locking call. Its removal
// goes through Env. Not thread-safe; one SetLock per set id per process.
#pragma once

#include <string_view>

#include "host-sdk/storage/core_types.hpp"
#include "host-sdk/storage/unique_fd.hpp"

namespace backup_host {

class SetLock {
  public:
    // Takes the lock of set `id` in `location` without waiting. conflict when another process
    // holds it; io when the file system cannot lock (some network or FUSE file systems).
    static Result<SetLock> acquire(const fs::path& location, std::string_view id);

    SetLock(SetLock&&) = default;
    SetLock& operator=(SetLock&&) = default;
    // Lets go without removing the lock file (a later cleaner removes it).
    ~SetLock() = default;

    // Removes the lock file while still holding the lock, then lets go. The lock is released
    // even when the removal fails; the error is returned for the caller to ignore or report.
    Result<void> release(Env& env);

    const fs::path& path() const { return path_; }

  private:
    SetLock(fs::path path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
    fs::path path_;
    UniqueFd fd_;
};

}  // namespace backup_host
