// The job runner's view of backup storage (host-sdk/storage, docs/STORAGE.md): a set being
// written, a set being read, the sets of a location.
//
// Why interfaces: the runner needs only these few operations of storage's writers, readers and
// catalog, whatever the target (directory or tar), and a test can put a set anywhere. Storage
// headers spell certbackup::Result, so they may also be included next to the SDK's headers.
//
// Targets and sources are the command line's texts (CLI.md): "-" is a tar stream on standard
// output (backup) or standard input (restore, sets); a path ending in ".tar" is a tar file; any
// other path is a directory: a backup location for a backup and for `sets`, a set directory for
// a restore.
//
// Ownership and threads: every object here is used by one thread at a time (the job thread).
// Failures are certbackup Errors naming the set, item or file (storage's messages).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backup_set.pb.h"
#include "certbackup/base/error.hpp"
#include "host-sdk/host/read_limits.hpp"
#include "host-sdk/storage/set_authentication.hpp"
#include "host-sdk/storage/storage_io.hpp"

namespace certbackup::host {

// A set being written (storage's SetWriter). Items one at a time: begin_item, write..., end_item.
// Destroyed without commit, it aborts: the partial set is removed.
class SetOutput {
  public:
    virtual ~SetOutput() = default;

    virtual const std::string& set_id() const = 0;
    // Where the set goes, for messages: LOCATION/<set-id>, the tar file, "standard output".
    virtual std::string destination() const = 0;

    virtual Result<void> begin_item(std::string_view name) = 0;
    virtual Result<void> write(std::span<const std::uint8_t> bytes) = 0;
    virtual Result<void> end_item() = 0;

    // Writes `record` (status and plugins from the caller; the rest filled in by storage) last
    // and makes the set visible; sealed with `key` when given (set_authentication.hpp).
    // Returns the record as written.
    virtual Result<backup_host::proto::BackupSet> commit(
        backup_host::proto::BackupSet record, const backup_host::SetRecordKey* key = nullptr) = 0;
    // Discards the set; idempotent. What cannot be removed stays invisible (STORAGE.md).
    virtual Result<void> abort() = 0;
};

// One item being read. Storage checks its size and SHA-256 as it passes: read() fails with
// ErrorCode::corrupt, naming the item, at the latest when it returns the end (0).
class StoredItemReader {
  public:
    virtual ~StoredItemReader() = default;
    virtual Result<std::size_t> read(std::span<std::uint8_t> buffer) = 0;
};

// A complete set being read (storage's SetReader).
class SetInput {
  public:
    virtual ~SetInput() = default;

    virtual const backup_host::proto::BackupSet& record() const = 0;
    // The digest of the part of set.pb that the record's authentication covers; nullopt when
    // the record carries none (written without a password).
    virtual const std::optional<backup_host::RecordDigest>& authenticated_part() const = 0;
    // The set for messages: "<id> (<path>)", the tar file, "standard input".
    virtual const std::string& origin() const = 0;

    // not_found naming the item when the set has no item `name`.
    virtual Result<std::unique_ptr<StoredItemReader>> open_item(std::string_view name) const = 0;
    // Reads every item to its end, checking sizes and digests; the first failure names the item.
    virtual Result<void> verify() const = 0;
};

// Where the bytes of "-" go and come from.
struct StreamFds {
    int output = 1;  // backup --to -
    int input = 0;   // restore -, sets -, verify -
};

// True for "-": the set travels on a standard stream.
bool is_stream(std::string_view target) noexcept;
// True when `source` is read as a tar stream ("-" or FILE.tar): the ReadLimits apply to it.
bool is_tar(std::string_view source);

// Begins a set for the job `job` at `target` (see the top of this file), through `io` (the
// real file system unless a test injects faults).
Result<std::unique_ptr<SetOutput>> begin_set(
    std::string_view target, std::string job, const StreamFds& fds = {},
    const backup_host::StorageIo& io = backup_host::StorageIo::posix());

// Opens the complete set at `source`; a tar file or stream is read and verified whole first,
// within `limits`.
Result<std::unique_ptr<SetInput>> open_set(std::string_view source, const StreamFds& fds = {},
                                           const ReadLimits& limits = {});

struct SkippedSet {
    std::string name;
    std::string reason;
};

struct LocationListing {
    std::vector<backup_host::proto::BackupSet> sets;  // complete sets, oldest first
    std::vector<SkippedSet> skipped;  // entries named like a set that are not complete sets
};

// The complete sets at `location`: a backup location's, or the one set of a tar file or stream
// (read within `limits`).
Result<LocationListing> list_location(std::string_view location, const StreamFds& fds = {},
                                      const ReadLimits& limits = {});

// "complete", "failed", "cancelled".
std::string set_status_name(backup_host::proto::SetStatus status);

}  // namespace certbackup::host
