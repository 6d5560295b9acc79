// Reading one backup set: its record, and its items as byte streams that the host verifies
// against the record (size and SHA-256) whatever plugin reads them.
//
// A SetReader reads a set laid out as a directory: a set directory of a location, or the private
// spool directory into which a tar stream was unpacked and verified (tar_set_reader.hpp). Files
// are opened without following symbolic links at any level below the set directory, and only
// regular files are read, so a planted link or FIFO cannot make the reader leave the set or hang.
//
// Thread safety: const methods may be called from several threads; each CheckedItemReader is used
// by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "backup_set.pb.h"
#include "certbackup/base/env.hpp"
#include "certbackup/base/error.hpp"
#include "certbackup/base/unique_fd.hpp"
#include "host-sdk/storage/set_record.hpp"
#include "host-sdk/storage/sha256_stream.hpp"

namespace backup_host {

// One item being read. The bytes are checked as they pass: more bytes than recorded fail at
// once, and the final read (the one that returns 0) checks the size and the SHA-256. An item's
// bytes can only be trusted once read() has returned 0; every error is final and names the item
// and the set.
class CheckedItemReader {
  public:
    CheckedItemReader(certbackup::UniqueFd fd, proto::ItemRecord item, std::string origin,
                      Sha256Stream hash);

    // Fills the front of `buffer`; returns the number of bytes, 0 at the verified end.
    // corrupt when the item is longer or shorter than recorded or its digest differs.
    certbackup::Result<std::size_t> read(std::span<std::uint8_t> buffer);

    const proto::ItemRecord& item() const { return item_; }

  private:
    certbackup::Result<std::size_t> read_some(std::span<std::uint8_t> buffer);
    std::unexpected<certbackup::Error> corrupt(const std::string& what);

    certbackup::UniqueFd fd_;
    proto::ItemRecord item_;
    std::string origin_;  // the set, for messages
    Sha256Stream hash_;
    std::uint64_t done_ = 0;
    bool verified_ = false;
    std::optional<certbackup::Error> failure_;
};

class SetReader {
  public:
    // Reads the set directory `root` whose validated record is `record`. With `owns_root`, the
    // directory is a private spool and is removed (through `env`) when the reader goes away.
    // `origin` names the set for messages (a path, a tar file, "standard input").
    SetReader(certbackup::Env& env, std::filesystem::path root, RecordFile record,
              std::string origin, bool owns_root);
    ~SetReader();
    SetReader(const SetReader&) = delete;
    SetReader& operator=(const SetReader&) = delete;

    const proto::BackupSet& record() const { return record_; }
    // The digest that the record's authentication covers; nullopt for a record written
    // without a password (set_authentication.hpp).
    const std::optional<RecordDigest>& authenticated_part() const { return authenticated_part_; }
    const std::string& origin() const { return origin_; }

    // The recorded item `name`, or nullptr.
    const proto::ItemRecord* find_item(std::string_view name) const;

    // Opens the item `name`: not_found naming it when the set has no such item or its file is
    // missing; corrupt when its file is not a regular file.
    certbackup::Result<std::unique_ptr<CheckedItemReader>> open_item(std::string_view name) const;

    // Reads every item to its end; the first failure names the item. Changes nothing.
    certbackup::Result<void> verify() const;

  private:
    certbackup::Env& env_;
    std::filesystem::path root_;
    proto::BackupSet record_;
    std::optional<RecordDigest> authenticated_part_;
    std::string origin_;
    bool owns_root_;
    std::unordered_map<std::string, int> index_;  // item name -> position in record_.items()
};

// Opens the regular file `relative` (an item name or "set.pb") below the directory `root`
// without following a symbolic link at any level below `root`. Used by the reader and catalog.
// not_found when it is missing; corrupt when something else (a link, a FIFO, a directory) stands
// there.
certbackup::Result<certbackup::UniqueFd> open_file_below(const std::filesystem::path& root,
                                                         std::string_view relative);

// Reads all of the regular file `relative` below `root` (as open_file_below), refusing files
// larger than `limit` bytes (corrupt).
certbackup::Result<std::vector<std::uint8_t>> read_file_below(const std::filesystem::path& root,
                                                              std::string_view relative,
                                                              std::size_t limit);

}  // namespace backup_host
