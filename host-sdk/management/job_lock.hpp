// One run of a job at a time, across processes: an exclusive flock(2) on
// <state-dir>/<job>.lock, taken without waiting and held for the whole run (and for every write
// of the job's state file).
//
// The holder writes its pid into the file, so that a second run can say "job X is already
// running (pid N)". The kernel drops the lock when its process dies, SIGKILL included, so a
// lock that can be taken proves that no run of the job is in progress. The file is never
// removed (removing a lock file safely needs a protocol, storage's set_lock.hpp; a job's lock
// file is one small file per job and lives as long as its state); its content is emptied when
// the lock is released.
//
// The lock is taken with Env::lock_file (create, no wait). Not thread-safe:
// one JobLock per job per process (two in one process exclude each other too, as flock locks
// belong to the open file).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "certbackup/base/error.hpp"
#include "certbackup/base/file_lock.hpp"

namespace backup_host {

class JobLock {
  public:
    // Takes the lock of `job` at `lock_file` without waiting. conflict "job 'X' is already
    // running (pid N)" when another holder has it; io when the file cannot be created or the
    // file system cannot lock.
    static certbackup::Result<JobLock> acquire(const std::filesystem::path& lock_file,
                                               std::string_view job);

    JobLock(JobLock&& other) noexcept;
    JobLock& operator=(JobLock&& other) noexcept;
    JobLock(const JobLock&) = delete;
    JobLock& operator=(const JobLock&) = delete;
    // Empties the file and lets go.
    ~JobLock();

    const std::string& job() const noexcept { return job_; }
    const std::filesystem::path& path() const noexcept { return lock_.path(); }

  private:
    JobLock(std::string job, certbackup::FileLock lock)
        : job_(std::move(job)), lock_(std::move(lock)) {}
    void release() noexcept;

    std::string job_;
    certbackup::FileLock lock_;
};

}  // namespace backup_host
