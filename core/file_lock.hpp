// An advisory lock on a file (flock(2)), released when the FileLock is destroyed.
//
// flock locks belong to an open file description, so two FileLocks on the same file conflict
// even inside one process, and a lock dies with its process (no stale locks after a crash).
// Locks are advisory: they order cooperating certbackup processes, nothing else.
// A FileLock is owned by one thread at a time; the lock file must already exist.
#pragma once

#include <filesystem>
#include <optional>

#include "core/error.hpp"

namespace certbackup {

class FileLock {
  public:
    enum class Mode { shared, exclusive };

    // Waits until the lock is granted (readers wait for a commit to finish).
    static Result<FileLock> acquire(const std::filesystem::path& lock_file, Mode mode);
    // Returns nullopt at once when another holder prevents the lock; errors are I/O failures.
    static Result<std::optional<FileLock>> try_acquire(const std::filesystem::path& lock_file,
                                                       Mode mode);

    FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    FileLock& operator=(FileLock&& other) noexcept;
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    ~FileLock();

  private:
    explicit FileLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace certbackup
