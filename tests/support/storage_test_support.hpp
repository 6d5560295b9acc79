// Helpers for the host storage tests: a fault-injecting WritableFileSystem that crashes together
// with a FaultInjectingEnv, and small functions to write and read sets.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backup_set.pb.h"
#include "host-sdk/storage/set_reader.hpp"
#include "host-sdk/storage/set_writer.hpp"
#include "host-sdk/storage/storage_io.hpp"
#include "support/fault_injecting_env.hpp"
#include "support/temp_dir.hpp"

namespace backup_host::testing {

// The certbackup names the storage tests use besides these helpers: a test brings both in
// with `using namespace testing;`.
using certbackup::Env, certbackup::Error, certbackup::ErrorCode, certbackup::fail,
    certbackup::Result;
using certbackup::testing::FaultInjectingEnv, certbackup::testing::snapshot_tree,
    certbackup::testing::TempDir;
namespace fs = std::filesystem;

// A WritableFileSystem over the real one whose steps (create, append, sync, close) are numbered
// from 1 and fail on demand, like FaultInjectingEnv's. It is tied to a FaultInjectingEnv so that
// one simulated crash stops both seams:
// - crash_at(n): file step n and every later file step fail, and so does every later Env step;
// - fail_at(n): file step n alone fails (a transient error such as ENOSPC);
// - follow_env_crash(n): no file step of its own fails, but once the Env has reached its step n
//   (armed with env.crash_at(n)) every file step fails too.
// Not thread-safe.
class FaultInjectingFiles final : public WritableFileSystem,
                                  public certbackup::testing::StepFaults {
  public:
    explicit FaultInjectingFiles(certbackup::testing::FaultInjectingEnv& env,
                                 WritableFileSystem& base = WritableFileSystem::posix())
        : env_(env), base_(base) {}

    void follow_env_crash(int n) { env_crash_at_ = n; }
    int count() const { return count_; }
    const std::vector<std::string>& log() const { return log_; }

    Result<std::unique_ptr<WritableFile>> create(const fs::path& path, mode_t mode) override;
    Result<std::unique_ptr<WritableFile>> adopt(int fd, std::string name) override;

    // Counts one step; an error when it must fail. Used by the files it creates.
    Result<void> step(std::string description);

  private:
    certbackup::testing::FaultInjectingEnv& env_;
    WritableFileSystem& base_;
    int count_ = 0;
    bool crashed_ = false;
    int env_crash_at_ = 0;
    std::vector<std::string> log_;
};

// Deterministic bytes: `size` bytes of a pattern that depends on `seed`.
std::vector<std::uint8_t> pattern_bytes(std::size_t size, std::uint32_t seed);

// begin_item, write in `chunk`-byte pieces, end_item; the first error.
Result<void> write_item(SetWriter& writer, const std::string& name,
                        const std::vector<std::uint8_t>& bytes, std::size_t chunk = 65536);

// A record for commit(): status complete, one plugin "files" 1.0.0 format 1, prefix "".
proto::BackupSet complete_record();

// The whole item `name`, read through an CheckedItemReader in `chunk`-byte reads (verified).
Result<std::vector<std::uint8_t>> read_item(const SetReader& reader, const std::string& name,
                                            std::size_t chunk = 65536);

// The names in `dir` that start with "." (partial, deleting, lock, temporary files).
std::vector<std::string> hidden_entries(const fs::path& dir);

// The items of a typical small set: a few files in nested directories and an empty one.
std::vector<std::pair<std::string, std::vector<std::uint8_t>>> sample_items(std::uint32_t seed);

// Writes `items` as one set with `writer` and commits it; the committed record.
Result<proto::BackupSet> write_set(
    SetWriter& writer, const std::vector<std::pair<std::string, std::vector<std::uint8_t>>>& items);

}  // namespace backup_host::testing
