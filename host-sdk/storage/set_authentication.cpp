#include "host-sdk/storage/set_authentication.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <string>

#include "certbackup/base/kdf.hpp"
#include "certbackup/base/ossl.hpp"

namespace backup_host {

using certbackup::ErrorCode, certbackup::fail, certbackup::Result, certbackup::SecureBuffer;
namespace kdf = certbackup::kdf;

namespace {

constexpr std::string_view kCheckInfo = "backup-host v1 set password check";
constexpr std::string_view kMacInfo = "backup-host v1 set record mac";
constexpr std::string_view kMacContext = "backup-host v1 set record";
constexpr std::uint32_t kAuthenticationField = 12;
constexpr std::size_t kKeyBytes = 32;

std::string_view as_text(std::span<const std::uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::unexpected<certbackup::Error> not_authentic(std::string_view origin, const std::string& why) {
    return fail(ErrorCode::corrupt, "set record " + std::string(origin) +
                                        " failed authentication: " + why +
                                        "; do not restore from it (use another set)");
}

// Field 12 as protobuf encodes it: tag (field 12, length-delimited), length, message bytes.
std::string encode_field(const std::string& message) {
    std::string out;
    std::uint64_t value = (kAuthenticationField << 3) | 2u;
    for (int round = 0; round < 2; ++round) {
        while (value >= 0x80) {
            out.push_back(static_cast<char>((value & 0x7f) | 0x80));
            value >>= 7;
        }
        out.push_back(static_cast<char>(value));
        value = message.size();
    }
    return out + message;
}

}  // namespace

Result<SetRecordKey> SetRecordKey::derive(std::span<const std::uint8_t> password,
                                          std::vector<std::uint8_t> salt,
                                          std::uint32_t iterations) {
    auto master = kdf::pbkdf2_hmac_sha256(as_text(password), salt, iterations, kKeyBytes);
    if (!master)
        return std::unexpected(master.error());
    auto check_key = kdf::hkdf_sha256_expand(*master, kCheckInfo, kKeyBytes);
    if (!check_key)
        return std::unexpected(check_key.error());
    auto mac_key = kdf::hkdf_sha256_expand(*master, kMacInfo, kKeyBytes);
    if (!mac_key)
        return std::unexpected(mac_key.error());
    return SetRecordKey(std::move(salt), iterations, std::move(*check_key), std::move(*mac_key));
}

Result<SetRecordKey> SetRecordKey::derive_new(std::span<const std::uint8_t> password) {
    std::vector<std::uint8_t> salt(kSetRecordSaltBytes);
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1)
        return fail(ErrorCode::io,
                    "no random salt for the set record: " + certbackup::ossl::drain_errors());
    return derive(password, std::move(salt), kSetRecordIterations);
}

Result<SetRecordKey> SetRecordKey::derive_for(const proto::SetAuthentication& authentication,
                                              std::span<const std::uint8_t> password,
                                              std::string_view origin) {
    if (authentication.kdf() != proto::SET_KDF_PBKDF2_HMAC_SHA256)
        return not_authentic(origin, "its key derivation " + std::to_string(authentication.kdf()) +
                                         " is not known (this host reads PBKDF2-HMAC-SHA256)");
    const std::size_t salt = authentication.salt().size();
    if (salt < kSetRecordMinSaltBytes || salt > kSetRecordMaxSaltBytes)
        return not_authentic(
            origin, "its salt of " + std::to_string(salt) + " bytes is outside 16 .. 64 bytes");
    if (authentication.iterations() == 0 || authentication.iterations() > kSetRecordMaxIterations)
        return not_authentic(origin, "its " + std::to_string(authentication.iterations()) +
                                         " iterations are outside 1 .. 10000000");
    if (authentication.password_check().size() != kKeyBytes ||
        authentication.mac().size() != kKeyBytes)
        return not_authentic(origin, "its password check or MAC is not 32 bytes");
    const auto& salt_text = authentication.salt();
    return derive(password, std::vector<std::uint8_t>(salt_text.begin(), salt_text.end()),
                  authentication.iterations());
}

Result<std::vector<std::uint8_t>> SetRecordKey::mac_of(const RecordDigest& digest) const {
    std::vector<std::uint8_t> input(kMacContext.begin(), kMacContext.end());
    input.insert(input.end(), digest.begin(), digest.end());
    return kdf::hmac_sha256(mac_key_, input);
}

Result<std::vector<std::uint8_t>> SetRecordKey::seal(
    std::span<const std::uint8_t> record_bytes) const {
    const std::vector<std::uint8_t> hash = certbackup::ossl::sha256(record_bytes);
    RecordDigest digest{};
    std::copy(hash.begin(), hash.end(), digest.begin());
    auto mac = mac_of(digest);
    if (!mac)
        return std::unexpected(mac.error());
    proto::SetAuthentication authentication;
    authentication.set_kdf(proto::SET_KDF_PBKDF2_HMAC_SHA256);
    authentication.set_salt(salt_.data(), salt_.size());
    authentication.set_iterations(iterations_);
    authentication.set_password_check(password_check_.data(), password_check_.size());
    authentication.set_mac(mac->data(), mac->size());
    std::string message;
    if (!authentication.SerializeToString(&message))
        return fail(ErrorCode::invalid_argument,
                    "cannot serialise the set record's authentication");
    const std::string field = encode_field(message);
    std::vector<std::uint8_t> sealed(record_bytes.begin(), record_bytes.end());
    sealed.insert(sealed.end(), field.begin(), field.end());
    return sealed;
}

Result<void> SetRecordKey::check(const proto::SetAuthentication& authentication,
                                 const RecordDigest& digest, std::string_view origin) const {
    const auto& stored_check = authentication.password_check();
    if (!kdf::equal_constant_time(
            password_check_.span(),
            {reinterpret_cast<const std::uint8_t*>(stored_check.data()), stored_check.size()}))
        return fail(ErrorCode::wrong_password,
                    "the password does not open set " + std::string(origin) +
                        " (its record was written with another password)");
    auto mac = mac_of(digest);
    if (!mac)
        return std::unexpected(mac.error());
    const auto& stored_mac = authentication.mac();
    if (!kdf::equal_constant_time(
            *mac, {reinterpret_cast<const std::uint8_t*>(stored_mac.data()), stored_mac.size()}))
        return not_authentic(origin, "it was changed after the backup (its MAC does not match)");
    return {};
}

Result<std::optional<RecordDigest>> authenticated_part(std::span<const std::uint8_t> bytes,
                                                       const proto::BackupSet& record,
                                                       std::string_view origin) {
    if (!record.has_authentication())
        return std::optional<RecordDigest>();
    std::string message;
    if (!record.authentication().SerializeToString(&message))
        return not_authentic(origin, "its authentication field cannot be read");
    const std::string field = encode_field(message);
    if (field.size() > bytes.size() || as_text(bytes.subspan(bytes.size() - field.size())) != field)
        return not_authentic(origin, "its authentication field is not the last part of set.pb");
    const auto covered = bytes.first(bytes.size() - field.size());
    // The field exactly once: the covered part must not carry (part of) another one.
    proto::BackupSet before;
    if (!before.ParseFromArray(covered.data(), static_cast<int>(covered.size())) ||
        before.has_authentication())
        return not_authentic(origin, "its authentication field appears more than once");
    const std::vector<std::uint8_t> hash = certbackup::ossl::sha256(covered);
    RecordDigest digest{};
    std::copy(hash.begin(), hash.end(), digest.begin());
    return std::optional<RecordDigest>(digest);
}

}  // namespace backup_host
