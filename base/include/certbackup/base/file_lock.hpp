// An advisory lock on a file (flock(2)), held while the FileLock lives. Taken through
// Env::lock_file (env.hpp), the one place in the project that locks files.
//
// flock locks belong to an open file description, so two FileLocks on the same file conflict
// even inside one process, and a lock dies with its process, SIGKILL included: a lock that can
// be taken proves that nobody holds it (no stale locks after a crash). Locks are advisory: they
// order cooperating processes, nothing else. A FileLock is owned by one thread at a time.
#pragma once

#include <filesystem>
#include <optional>

#include "certbackup/base/error.hpp"
#include "certbackup/base/unique_fd.hpp"

namespace certbackup {

enum class LockMode { shared, exclusive };

struct LockRequest {
    LockMode mode = LockMode::exclusive;
    // true: wait until the lock is granted. false: return nullopt at once when another holder
    // prevents it.
    bool wait = true;
    // true: create the file (0600) when it is missing, and make sure that the lock taken is the
    // lock of the file linked at the path (a file unlinked between open and flock by a cleaner
    // is opened again). false: the file must exist (not_found otherwise).
    bool create = false;
};

class FileLock {
  public:
    // The POSIX implementation behind Env::posix().lock_file. nullopt only when !request.wait
    // and another holder prevents the lock; errors are not_found (no such file, !create) and io
    // (the file cannot be opened or the file system cannot lock).
    static Result<std::optional<FileLock>> acquire(const std::filesystem::path& path,
                                                   const LockRequest& request);

    FileLock(FileLock&&) noexcept = default;
    FileLock& operator=(FileLock&&) noexcept = default;
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    // Closing the last descriptor of the open file description releases the lock.
    ~FileLock() = default;

    const std::filesystem::path& path() const noexcept { return path_; }
    // The locked file, open read-write when the request had `create` (a holder may write its
    // pid into it), else read-only. -1 after release().
    int fd() const noexcept { return fd_.get(); }
    bool held() const noexcept { return fd_.valid(); }
    // Lets go now; idempotent.
    void release() noexcept { fd_.reset(); }

  private:
    FileLock(std::filesystem::path path, UniqueFd fd)
        : path_(std::move(path)), fd_(std::move(fd)) {}

    std::filesystem::path path_;
    UniqueFd fd_;
};

}  // namespace certbackup
