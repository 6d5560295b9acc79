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
// The lock is taken with Env::lock_file (create, no wait: the retry on an unlinked file is
// there); its removal goes through Env too. Not thread-safe; one SetLock per set id per process.
#pragma once

#include <string_view>

#include "certbackup/base/env.hpp"
#include "certbackup/base/error.hpp"
#include "certbackup/base/file_lock.hpp"

namespace backup_host {

class SetLock {
  public:
    // Takes the lock of set `id` in `location` without waiting. conflict when another process
    // holds it; io when the file system cannot lock (some network or FUSE file systems).
    static certbackup::Result<SetLock> acquire(const std::filesystem::path& location,
                                               std::string_view id,
                                               certbackup::Env& env = certbackup::Env::posix());

    SetLock(SetLock&&) = default;
    SetLock& operator=(SetLock&&) = default;
    // Lets go without removing the lock file (a later cleaner removes it).
    ~SetLock() = default;

    // Removes the lock file while still holding the lock, then lets go. The lock is released
    // even when the removal fails; the error is returned for the caller to ignore or report.
    certbackup::Result<void> release(certbackup::Env& env);

    const std::filesystem::path& path() const { return lock_.path(); }

  private:
    explicit SetLock(certbackup::FileLock lock) : lock_(std::move(lock)) {}
    certbackup::FileLock lock_;
};

}  // namespace backup_host
