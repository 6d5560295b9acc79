#include "certbackup/base/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace certbackup {
namespace {

// flock with EINTR retried. Returns 0 or the errno of the failure.
int lock(int fd, int operation) {
    for (;;) {
        if (::flock(fd, operation) == 0)
            return 0;
        if (errno != EINTR)
            return errno;
    }
}

// True when `fd` is the file linked at `path` now.
Result<bool> still_linked(int fd, const std::filesystem::path& path) {
    struct stat held {
    }, linked{};
    if (::fstat(fd, &held) != 0)
        return fail(ErrorCode::io, "cannot stat " + path.string() + ": " + std::strerror(errno));
    return ::lstat(path.c_str(), &linked) == 0 && linked.st_dev == held.st_dev &&
           linked.st_ino == held.st_ino;
}

}  // namespace

Result<std::optional<FileLock>> FileLock::acquire(const std::filesystem::path& path,
                                                  const LockRequest& request) {
    const int flags =
        request.create ? O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC : O_RDONLY | O_CLOEXEC;
    const int operation =
        (request.mode == LockMode::shared ? LOCK_SH : LOCK_EX) | (request.wait ? 0 : LOCK_NB);
    // Each retry means a cleaner unlinked the file between our open and our flock; a handful is
    // plenty, a bound keeps a pathological race from spinning forever.
    for (int attempt = 0; attempt < 16; ++attempt) {
        UniqueFd fd(::open(path.c_str(), flags, 0600));
        if (!fd.valid()) {
            const int err = errno;
            return fail(err == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                        std::string(request.create ? "cannot create" : "cannot open") +
                            " lock file " + path.string() + ": " + std::strerror(err));
        }
        if (const int err = lock(fd.get(), operation); err != 0) {
            if (err == EWOULDBLOCK && !request.wait)
                return std::optional<FileLock>();
            return fail(ErrorCode::io, "cannot lock " + path.string() + ": " + std::strerror(err) +
                                           " (locks need a file system with flock support)");
        }
        if (!request.create)
            return std::optional<FileLock>(FileLock(path, std::move(fd)));
        auto linked = still_linked(fd.get(), path);
        if (!linked)
            return std::unexpected(linked.error());
        if (*linked)
            return std::optional<FileLock>(FileLock(path, std::move(fd)));
    }
    return fail(ErrorCode::conflict, "cannot lock " + path.string() +
                                         ": the lock file keeps being replaced by another process");
}

}  // namespace certbackup
