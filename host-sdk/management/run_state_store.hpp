// Where run states live: one JSON file per job in a state directory (docs/SCHEDULING.md
// "State files"):
//
//     <state-dir>/               0700
//       <job>.json               the job's JobState (run_state.hpp), 0600
//       <job>.lock               the job's run lock (job_lock.hpp), 0600
//
// Files are written with core's atomic_write through the Env (a reader, or a crash, sees the old
// file or the new one, never a mix; tests inject failures at every step). Every write of a
// job's file happens while holding that job's lock, so read-modify-write cycles of two processes
// never interleave; reads need no lock.
//
// Errors name the file: corrupt when a state file does not parse (with what is wrong and what to
// do), unsupported for a newer format version, io for the file system. Not thread-safe per job
// (one lock per job and process); the Env is borrowed and must outlive the store.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certbackup/base/env.hpp"
#include "certbackup/base/error.hpp"
#include "host-sdk/management/job_lock.hpp"
#include "host-sdk/management/run_state.hpp"

namespace backup_host {

inline constexpr int kRunStateFormatVersion = 1;

// The default state directory, when the configuration names none: $STATE_DIRECTORY (set by
// systemd for a unit with StateDirectory=; its first entry) if set; else, for a configuration
// file other than the system one (/etc/backup-host/...), "<file's directory>/<file's stem>.state"
// next to it; else /var/lib/backup-host.
std::filesystem::path default_state_directory(
    const std::optional<std::filesystem::path>& config_file,
    const std::optional<std::string>& state_directory_variable);
// The same, reading $STATE_DIRECTORY from the environment.
std::filesystem::path default_state_directory(
    const std::optional<std::filesystem::path>& config_file);

// JSON text of a state, and back. `file` names the source in messages.
std::string encode_run_state(const JobState& state);
certbackup::Result<JobState> decode_run_state(std::string_view text,
                                              const std::filesystem::path& file);

class RunStateStore {
  public:
    RunStateStore(certbackup::Env& env, std::filesystem::path directory)
        : env_(env), directory_(std::move(directory)) {}

    const std::filesystem::path& directory() const noexcept { return directory_; }
    std::filesystem::path state_file(std::string_view job) const;
    std::filesystem::path lock_file(std::string_view job) const;

    // Takes the job's lock (job_lock.hpp), creating the state directory (0700) if missing.
    // invalid_argument for a name that is not a job name.
    certbackup::Result<JobLock> lock(std::string_view job);

    // The job's state; a fresh state (only `job` set) when it has no file yet.
    certbackup::Result<JobState> load(std::string_view job) const;

    // Writes the state of the job `lock` holds (state.job must be that job).
    certbackup::Result<void> save(const JobLock& lock, const JobState& state);

    // The jobs that have a state file, sorted. An absent directory has none.
    certbackup::Result<std::vector<std::string>> jobs() const;

  private:
    certbackup::Env& env_;
    std::filesystem::path directory_;
};

}  // namespace backup_host
