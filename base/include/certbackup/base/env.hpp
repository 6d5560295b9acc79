// The file-system seam (after leveldb's Env): every file-system call that core and the host
// make goes through an Env, so tests can inject a failure at any single step and prove that
// nothing already stored is lost or half-written.
//
// Contract: every method is a single step that either happens or fails with an Error naming the
// path; none throws. Thread-safe as the OS calls are: several threads may share one Env.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "certbackup/base/error.hpp"
#include "certbackup/base/file_lock.hpp"

namespace certbackup {

namespace fs = std::filesystem;

// What stat(2) says about a path that decides whether it may be trusted.
struct FileStatus {
    mode_t mode = 0;  // permission bits (07777)
    uid_t owner = 0;
};

class Env {
  public:
    virtual ~Env() = default;

    virtual Result<std::vector<std::uint8_t>> read_file(const fs::path& path) = 0;
    // Creates or truncates `path` with permission bits `mode`, writes all bytes, fsyncs, closes.
    virtual Result<void> write_file(const fs::path& path, std::span<const std::uint8_t> bytes,
                                    mode_t mode) = 0;
    // As write_file without the fsync: the bytes become durable at the next sync_filesystem of
    // the file system that holds `path` (a batch of files costs one sync, not one each). The
    // default is write_file, durable at once, which is always correct.
    virtual Result<void> write_file_unsynced(const fs::path& path,
                                             std::span<const std::uint8_t> bytes, mode_t mode) {
        return write_file(path, bytes, mode);
    }
    // Makes every completed write, create and rename on the file system that holds `path`
    // durable, and reports a failed write-back (syncfs(2); Linux reports write-back errors
    // through it since 5.8). The default does nothing, matching the default
    // write_file_unsynced; an Env that overrides one overrides both.
    virtual Result<void> sync_filesystem(const fs::path& path) {
        (void)path;
        return {};
    }
    // rename(2): atomically replaces `to` (a file, or an empty directory by a directory).
    virtual Result<void> rename(const fs::path& from, const fs::path& to) = 0;
    // Makes a completed rename or create in `dir` durable (fsync of the directory).
    virtual Result<void> sync_dir(const fs::path& dir) = 0;
    // Removes a file; a missing file is not an error.
    virtual Result<void> remove_file(const fs::path& path) = 0;
    // Removes a directory and everything in it; a missing directory is not an error.
    virtual Result<void> remove_tree(const fs::path& path) = 0;
    // Creates one directory with `mode`; an existing directory is not an error (its mode is
    // left alone), an existing non-directory is.
    virtual Result<void> create_dir(const fs::path& path, mode_t mode) = 0;
    virtual Result<void> set_mode(const fs::path& path, mode_t mode) = 0;
    // Names (not paths) of the entries of `dir`, sorted; a missing directory is not_found.
    virtual Result<std::vector<std::string>> list_dir(const fs::path& dir) = 0;
    virtual bool exists(const fs::path& path) = 0;
    // stat(2) of `path` (following a symbolic link): permission bits and owner. Not pure: the
    // default asks the OS, so fault-injecting Envs pass it through; tests override it to show
    // a foreign owner.
    virtual Result<FileStatus> status(const fs::path& path);
    // Takes an advisory lock on `path` (file_lock.hpp: modes, waiting, creation). nullopt only
    // when !request.wait and another holder prevents the lock. A lock is not file contents and
    // dies with its process, so a fault-injecting Env may pass this through unchanged.
    virtual Result<std::optional<FileLock>> lock_file(const fs::path& path,
                                                      const LockRequest& request) = 0;

    // The process-wide POSIX implementation.
    static Env& posix();
};

// Waits for a lock on the existing file `path` (readers wait for a commit to finish).
Result<FileLock> lock_existing(Env& env, const fs::path& path, LockMode mode);

// Writes `bytes` to `path` so that a reader sees either the old file or the new one, never a
// mix, also after a crash: temp file in the same directory, write, fsync, rename, fsync dir.
// On failure the temp file is removed (best effort) and `path` is unchanged.
Result<void> atomic_write(Env& env, const fs::path& path, std::span<const std::uint8_t> bytes,
                          mode_t mode);

// Creates `path` and missing parents with `mode` (each created one gets `mode`).
Result<void> create_dirs(Env& env, const fs::path& path, mode_t mode);

// A name for a temporary sibling of `path`: ".<name>.tmp-<random hex>". Hidden and marked so
// that listings skip it and a later run can recognise and remove leftovers.
fs::path temp_sibling(const fs::path& path);
bool is_temp_name(std::string_view name);

}  // namespace certbackup
