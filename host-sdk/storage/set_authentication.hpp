// The authenticated set record (docs/STORAGE.md, "The authenticated record"): a MAC over set.pb
// under a key derived from the job's password, so that someone who can write the backup
// location but does not know the password cannot change what a restore runs (add a plugin,
// swap an item's digest) without the restore refusing the set.
//
// Layout: set.pb is the serialized BackupSet of fields 1 to 11, then, when the backup had a
// password, field 12 (SetAuthentication) encoded once, as the very last bytes of the file. The
// MAC covers the exact bytes before it (through their SHA-256), never a re-serialization, so a
// reader built with another protobuf version checks the same bytes the writer wrote.
//
// Keys: master = PBKDF2-HMAC-SHA256(password, salt, iterations, 32);
//       check  = HKDF-SHA256-Expand(master, "backup-host v1 set password check", 32);
//       mac    = HMAC-SHA256(HKDF-SHA256-Expand(master, "backup-host v1 set record mac", 32),
//                            "backup-host v1 set record" || SHA-256(bytes before field 12)).
//
// Errors: invalid_argument for parameters outside the limits below when sealing; when checking,
// corrupt for a malformed authentication field or a MAC that does not match (the record was
// changed), wrong_password when the password check fails. Thread-safe (no shared state).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "backup_set.pb.h"
#include "certbackup/base/error.hpp"
#include "certbackup/base/secure_buffer.hpp"

namespace backup_host {

// What writers use, and what readers accept before deriving anything.
inline constexpr std::uint32_t kSetRecordIterations = 600'000;
inline constexpr std::uint32_t kSetRecordMaxIterations = 10'000'000;
inline constexpr std::size_t kSetRecordSaltBytes = 32;
inline constexpr std::size_t kSetRecordMinSaltBytes = 16;
inline constexpr std::size_t kSetRecordMaxSaltBytes = 64;

// SHA-256 of the bytes of set.pb that the MAC covers.
using RecordDigest = std::array<std::uint8_t, 32>;

// The key of one set record: derived once from the password (the expensive step), then used to
// seal a record (backup) or to check one (restore, verify). Move-only; wiped when destroyed.
class SetRecordKey {
  public:
    // A writer's key: a fresh random salt and kSetRecordIterations.
    static certbackup::Result<SetRecordKey> derive_new(std::span<const std::uint8_t> password);
    // A reader's key for the parameters of `authentication` (checked against the limits above
    // first: corrupt naming `origin` when outside them).
    static certbackup::Result<SetRecordKey> derive_for(
        const proto::SetAuthentication& authentication, std::span<const std::uint8_t> password,
        std::string_view origin);

    // The bytes of set.pb: `record_bytes` (fields 1 to 11) followed by the authentication field.
    certbackup::Result<std::vector<std::uint8_t>> seal(
        std::span<const std::uint8_t> record_bytes) const;

    // Ok when `authentication` was made with this key over the bytes whose digest is `digest`.
    // wrong_password when the password check differs, corrupt when only the MAC does.
    certbackup::Result<void> check(const proto::SetAuthentication& authentication,
                                   const RecordDigest& digest, std::string_view origin) const;

  private:
    SetRecordKey(std::vector<std::uint8_t> salt, std::uint32_t iterations,
                 certbackup::SecureBuffer check_key, certbackup::SecureBuffer mac_key)
        : salt_(std::move(salt)),
          iterations_(iterations),
          password_check_(std::move(check_key)),
          mac_key_(std::move(mac_key)) {}
    static certbackup::Result<SetRecordKey> derive(std::span<const std::uint8_t> password,
                                                   std::vector<std::uint8_t> salt,
                                                   std::uint32_t iterations);
    certbackup::Result<std::vector<std::uint8_t>> mac_of(const RecordDigest& digest) const;

    std::vector<std::uint8_t> salt_;
    std::uint32_t iterations_ = 0;
    certbackup::SecureBuffer password_check_;
    certbackup::SecureBuffer mac_key_;
};

// For the bytes of a set.pb and the record parsed from them: the digest of the part the MAC
// covers when the record carries an authentication field (nullopt when it carries none).
// corrupt naming `origin` when the field is not encoded exactly once, at the very end.
certbackup::Result<std::optional<RecordDigest>> authenticated_part(
    std::span<const std::uint8_t> bytes, const proto::BackupSet& record, std::string_view origin);

}  // namespace backup_host
