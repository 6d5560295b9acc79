// Writing one backup set: items streamed one after another, then the set record, then the set
// becomes visible as a whole (or, on abort or failure, not at all).
//
// Items are hashed (SHA-256) and counted while they stream; no item is ever held whole in memory.
// The record the caller passes to commit() is completed with what only the writer knows (set id,
// time, host, items with sizes and digests, total size) and written last.
//
// Failure: every method returns an Error naming the item or file. After any failure the writer
// only accepts abort() (other calls return the first error again); commit() refuses a set with an
// item still open. A writer destroyed without commit() aborts, best effort.
//
// Not thread-safe: one thread drives a writer (the job runner forwards the plugin's calls).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "backup_set.pb.h"
#include "host-sdk/storage/item_name.hpp"
#include "host-sdk/storage/set_authentication.hpp"
#include "host-sdk/storage/set_id.hpp"
#include "host-sdk/storage/set_sink.hpp"
#include "host-sdk/storage/sha256_stream.hpp"

namespace backup_host {

// What is known about a set when it is begun.
struct NewSet {
    std::string job;  // the job's name, e.g. "certificates-nightly"
    SystemTime created = std::chrono::system_clock::now();
    std::string host;  // empty: this machine's name
};

class SetWriter {
  public:
    // Use the create_* functions (directory_set_writer.hpp, tar_set_writer.hpp).
    SetWriter(std::string set_id, NewSet info, std::unique_ptr<SetSink> sink, Sha256Stream hash);
    ~SetWriter();
    SetWriter(const SetWriter&) = delete;
    SetWriter& operator=(const SetWriter&) = delete;

    const std::string& set_id() const { return set_id_; }
    // Where the set goes: LOCATION/<set-id>, the tar file, or "standard output".
    std::string destination() const { return sink_->destination(); }

    // Starts the item `name` (item_name.hpp rules; invalid_argument naming it otherwise, also
    // for a name already written or one that is both a file and a directory).
    certbackup::Result<void> begin_item(std::string_view name);
    certbackup::Result<void> write(std::span<const std::uint8_t> bytes);
    certbackup::Result<void> end_item();

    // Writes the set record and makes the set visible. From `record` the caller provides the
    // status (required) and the plugins with their summaries and warnings; the writer sets
    // format_version, set_id, job, created time, host, items and total_size, replacing whatever
    // the caller put there. Returns the record as written. On failure the partial set is removed
    // (unless it had already become visible: then it is complete and stays; the error says so).
    // With `key` (a backup that had a password), the record is sealed with it: its
    // authentication field is written last (set_authentication.hpp).
    certbackup::Result<proto::BackupSet> commit(proto::BackupSet record,
                                                const SetRecordKey* key = nullptr);

    // Discards the set. Idempotent. What it cannot remove (a crashed file system, a stream
    // already sent) stays invisible: a directory leftover is removed by a later writer's cleanup,
    // a stream without its record is refused by every reader.
    certbackup::Result<void> abort();

  private:
    enum class State { ready, in_item, failed, committed, aborted };
    certbackup::Result<void> check_state(State wanted, std::string_view call) const;
    // Records `error` as the writer's failure and returns it.
    std::unexpected<certbackup::Error> failed(certbackup::Error error);

    std::string set_id_;
    NewSet info_;
    std::unique_ptr<SetSink> sink_;
    Sha256Stream hash_;
    State state_ = State::ready;
    std::optional<certbackup::Error> failure_;
    ItemNameTree names_;
    proto::BackupSet record_;  // the items written so far
    std::string current_item_;
    std::uint64_t current_size_ = 0;
};

}  // namespace backup_host
