#include "host-sdk/management/job_lock.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "certbackup/base/env.hpp"
#include "certbackup/base/unique_fd.hpp"

namespace backup_host {
namespace {

using certbackup::ErrorCode;
using certbackup::fail;

// The pid the holder wrote, or "" (a holder that has just taken the lock may not have written
// it yet).
std::string read_holder_pid(const std::filesystem::path& path) {
    const certbackup::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid())
        return "";
    char buffer[32] = {};
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer - 1);
    std::string pid;
    for (ssize_t i = 0; i < n && buffer[i] >= '0' && buffer[i] <= '9'; ++i)
        pid += buffer[i];
    return pid;
}

}  // namespace

certbackup::Result<JobLock> JobLock::acquire(const std::filesystem::path& lock_file,
                                             std::string_view job) {
    auto lock = certbackup::Env::posix().lock_file(
        lock_file, certbackup::LockRequest{
                       .mode = certbackup::LockMode::exclusive, .wait = false, .create = true});
    if (!lock)
        return std::unexpected(lock.error().with_context("job '" + std::string(job) + "'"));
    if (!*lock) {
        const std::string pid = read_holder_pid(lock_file);
        return fail(ErrorCode::conflict, "job '" + std::string(job) + "' is already running" +
                                             (pid.empty() ? std::string() : " (pid " + pid + ")") +
                                             "; wait for it to finish (it holds " +
                                             lock_file.string() + ")");
    }
    const int fd = (*lock)->fd();
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 ||
        ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
        return fail(ErrorCode::io, "cannot write the pid into " + lock_file.string() + ": " +
                                       std::strerror(errno));
    return JobLock(std::string(job), std::move(**lock));
}

JobLock::JobLock(JobLock&& other) noexcept = default;

JobLock& JobLock::operator=(JobLock&& other) noexcept {
    if (this != &other) {
        release();
        job_ = std::move(other.job_);
        lock_ = std::move(other.lock_);
    }
    return *this;
}

JobLock::~JobLock() {
    release();
}

void JobLock::release() noexcept {
    if (!lock_.held())
        return;
    // Best effort: a stale pid would only make a later conflict message name the wrong process.
    (void)::ftruncate(lock_.fd(), 0);
    lock_.release();
}

}  // namespace backup_host
