#include "core/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace certbackup {
namespace {

Result<int> open_lock_file(const std::filesystem::path& lock_file) {
    const int fd = ::open(lock_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        return fail(err == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                    "cannot open lock file " + lock_file.string() + ": " + std::strerror(err));
    }
    return fd;
}

// flock with EINTR retried. Returns 0 or the errno of the failure.
int lock(int fd, int operation) {
    for (;;) {
        if (::flock(fd, operation) == 0)
            return 0;
        if (errno != EINTR)
            return errno;
    }
}

}  // namespace

Result<FileLock> FileLock::acquire(const std::filesystem::path& lock_file, Mode mode) {
    auto fd = open_lock_file(lock_file);
    if (!fd)
        return std::unexpected(fd.error());
    if (const int err = lock(*fd, mode == Mode::shared ? LOCK_SH : LOCK_EX); err != 0) {
        ::close(*fd);
        return fail(ErrorCode::io, "cannot lock " + lock_file.string() + ": " + std::strerror(err));
    }
    return FileLock(*fd);
}

Result<std::optional<FileLock>> FileLock::try_acquire(const std::filesystem::path& lock_file,
                                                      Mode mode) {
    auto fd = open_lock_file(lock_file);
    if (!fd)
        return std::unexpected(fd.error());
    const int err = lock(*fd, (mode == Mode::shared ? LOCK_SH : LOCK_EX) | LOCK_NB);
    if (err == EWOULDBLOCK) {
        ::close(*fd);
        return std::optional<FileLock>();
    }
    if (err != 0) {
        ::close(*fd);
        return fail(ErrorCode::io, "cannot lock " + lock_file.string() + ": " + std::strerror(err));
    }
    return std::optional<FileLock>(FileLock(*fd));
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

FileLock::~FileLock() {
    // Closing the last descriptor of the open file description releases the flock.
    if (fd_ >= 0)
        ::close(fd_);
}

}  // namespace certbackup
