// The set record (proto/backup_set.proto): its checks, and its conversion to and from bytes.
//
// A record is valid when: its format version is one this host reads; its set id has the id
// form; its status is known and not unspecified; every item name obeys the item-name rules
// (item_name.hpp), none twice, none both a file and a directory; every digest is 64 lower-case
// hex digits; total_size is the sum of the item sizes; plugin ids are present and unique, and
// each plugin's item prefix is empty or a valid name followed by "/".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "backup_set.pb.h"
#include "certbackup/base/env.hpp"
#include "certbackup/base/error.hpp"
#include "host-sdk/storage/set_authentication.hpp"

namespace backup_host {

// The record layout this host writes and reads.
inline constexpr std::uint32_t kSetFormatVersion = 1;

// A set.pb larger than this is refused unread (a record of a million items stays far below).
inline constexpr std::size_t kMaxRecordBytes = 64u << 20;

// Ok, or an error naming `origin` (the file or stream the record comes from) and what is wrong:
// invalid_argument for a forbidden item name (a hostile set), unsupported for an unknown format
// version, corrupt for any other inconsistency.
certbackup::Result<void> validate_record(const proto::BackupSet& record, std::string_view origin);

// The record's bytes, as written to set.pb.
certbackup::Result<std::vector<std::uint8_t>> serialize_record(const proto::BackupSet& record);

// Parses and validates the bytes of a set.pb; `origin` names it in messages. Checks the format
// version before anything else, so that a newer format is refused with both versions named.
certbackup::Result<proto::BackupSet> parse_record(std::span<const std::uint8_t> bytes,
                                                  std::string_view origin);

// A set.pb as read: the record, and when it carries an authentication field, the digest of the
// bytes that field's MAC covers (set_authentication.hpp), for checking once the password is known.
struct RecordFile {
    proto::BackupSet record;
    std::optional<RecordDigest> authenticated_part;
};

// parse_record, and the authentication field's placement checked (corrupt when it is not the
// one last field of the file).
certbackup::Result<RecordFile> parse_record_file(std::span<const std::uint8_t> bytes,
                                                 std::string_view origin);

// "complete", "failed", "cancelled" (or "unspecified").
std::string_view to_string(proto::SetStatus status);

}  // namespace backup_host
