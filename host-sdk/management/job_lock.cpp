#include "host-sdk/management/job_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace backup_host {
namespace {

using certbackup::ErrorCode;
using certbackup::fail;

// The pid the holder wrote, or "" (a holder that has just taken the lock may not have written
// it yet).
std::string read_holder_pid(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return "";
    char buffer[32] = {};
    const ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
    ::close(fd);
    std::string pid;
    for (ssize_t i = 0; i < n && buffer[i] >= '0' && buffer[i] <= '9'; ++i)
        pid += buffer[i];
    return pid;
}

}  // namespace

certbackup::Result<JobLock> JobLock::acquire(const std::filesystem::path& lock_file,
                                             std::string_view job) {
    const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail(errno == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                    "cannot create the lock file " + lock_file.string() + " of job '" +
                        std::string(job) + "': " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        ::close(fd);
        if (error == EWOULDBLOCK) {
            const std::string pid = read_holder_pid(lock_file);
            return fail(ErrorCode::conflict,
                        "job '" + std::string(job) + "' is already running" +
                            (pid.empty() ? std::string() : " (pid " + pid + ")") +
                            "; wait for it to finish (it holds " + lock_file.string() + ")");
        }
        return fail(ErrorCode::io, "cannot lock " + lock_file.string() + ": " +
                                       std::strerror(error) +
                                       " (the state directory must be on a file system with "
                                       "flock support)");
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 ||
        ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        const int error = errno;
        ::close(fd);
        return fail(ErrorCode::io, "cannot write the pid into " + lock_file.string() + ": " +
                                       std::strerror(error));
    }
    return JobLock(lock_file, std::string(job), fd);
}

JobLock::JobLock(JobLock&& other) noexcept
    : path_(std::move(other.path_)),
      job_(std::move(other.job_)),
      fd_(std::exchange(other.fd_, -1)) {}

JobLock& JobLock::operator=(JobLock&& other) noexcept {
    if (this != &other) {
        release();
        path_ = std::move(other.path_);
        job_ = std::move(other.job_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

JobLock::~JobLock() {
    release();
}

void JobLock::release() noexcept {
    if (fd_ < 0)
        return;
    // Best effort: a stale pid would only make a later conflict message name the wrong process.
    (void)::ftruncate(fd_, 0);
    ::close(std::exchange(fd_, -1));
}

}  // namespace backup_host
