// An Env over the real file system that fails on demand, to prove that every operation is
// all-or-nothing whichever step fails.
//
// Mutating calls (write_file, write_file_unsynced, sync_filesystem, rename, sync_dir,
// remove_file, remove_tree, create_dir, set_mode) are numbered from 1. With fail_at(n), call n
// fails with an io error and does nothing
// ("a transient failure"); with crash_at(n), call n and every later mutating call fail and do
// nothing ("the process died at step n"). Reads never fail. Not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "certbackup/base/env.hpp"

namespace certbackup::testing {

// Which numbered step fails, and whether the failure is a crash: the arming shared by
// FaultInjectingEnv and the storage tests' FaultInjectingFiles.
class StepFaults {
  public:
    void fail_at(int n) {
        fail_at_ = n;
        crash_ = false;
    }
    void crash_at(int n) {
        fail_at_ = n;
        crash_ = true;
    }
    void disarm() { fail_at_ = 0; }

  protected:
    int fail_at_ = 0;  // 0: no step fails
    bool crash_ = false;
};

class FaultInjectingEnv final : public Env, public StepFaults {
  public:
    explicit FaultInjectingEnv(Env& base = Env::posix()) : base_(base) {}
    void reset_count() { count_ = 0; }
    // Mutating calls seen so far (including failed ones).
    int count() const { return count_; }
    // Description of each mutating call seen, e.g. "rename a -> b", for failure messages.
    const std::vector<std::string>& log() const { return log_; }

    Result<std::vector<std::uint8_t>> read_file(const fs::path& path) override {
        return base_.read_file(path);
    }
    Result<void> write_file(const fs::path& path, std::span<const std::uint8_t> bytes,
                            mode_t mode) override;
    Result<void> write_file_unsynced(const fs::path& path, std::span<const std::uint8_t> bytes,
                                     mode_t mode) override;
    Result<void> sync_filesystem(const fs::path& path) override;
    Result<void> rename(const fs::path& from, const fs::path& to) override;
    Result<void> sync_dir(const fs::path& dir) override;
    Result<void> remove_file(const fs::path& path) override;
    Result<void> remove_tree(const fs::path& path) override;
    Result<void> create_dir(const fs::path& path, mode_t mode) override;
    Result<void> set_mode(const fs::path& path, mode_t mode) override;
    Result<std::vector<std::string>> list_dir(const fs::path& dir) override {
        return base_.list_dir(dir);
    }
    bool exists(const fs::path& path) override { return base_.exists(path); }
    // Not a step: a lock is not file contents, and a crash drops it anyway.
    Result<std::optional<FileLock>> lock_file(const fs::path& path,
                                              const LockRequest& request) override {
        return base_.lock_file(path, request);
    }

  private:
    // Counts the call; returns an error when this call must fail.
    Result<void> step(std::string description);

    Env& base_;
    int count_ = 0;
    std::vector<std::string> log_;
};

}  // namespace certbackup::testing
