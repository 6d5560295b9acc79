#include "core/snapshot_envelope.hpp"

#include <climits>
#include <optional>
#include <string>

#include "certbackup/base/kdf.hpp"
#include "certbackup/base/ossl.hpp"
#include "core/snapshot.hpp"
#include "manifest.pb.h"

namespace certbackup {
namespace {

// Labels of docs/FORMAT.md; changing one is a new format version.
constexpr std::string_view kPasswordCheckLabel = "certbackup v1 password check";
constexpr std::string_view kManifestMacLabel = "certbackup v1 manifest mac";
constexpr std::string_view kEnvelopeDigestLabel = "certbackup v1 envelope";
constexpr std::size_t kSaltSize = 32;
constexpr std::size_t kMinSaltSize = 16;
constexpr std::size_t kKeySize = 32;

std::span<const std::uint8_t> bytes_of(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct SnapshotKeys {
    SecureBuffer mac_key;
    std::vector<std::uint8_t> password_check;
};

// The one PBKDF2 derivation of a snapshot, then its HKDF subkeys.
Result<SnapshotKeys> derive_keys(std::string_view password, std::span<const std::uint8_t> salt,
                                 std::uint32_t iterations) {
    auto master = kdf::pbkdf2_hmac_sha256(password, salt, iterations, kKeySize);
    if (!master)
        return std::unexpected(master.error());
    auto mac_key = kdf::hkdf_sha256_expand(*master, kManifestMacLabel, kKeySize);
    if (!mac_key)
        return std::unexpected(mac_key.error());
    auto check = kdf::hkdf_sha256_expand(*master, kPasswordCheckLabel, kKeySize);
    if (!check)
        return std::unexpected(check.error());
    return SnapshotKeys{std::move(*mac_key),
                        std::vector<std::uint8_t>(check->data(), check->data() + check->size())};
}

// SHA-256 over the label and fields 1 to 5, each integer as 8 bytes big-endian and each byte
// string as its 8-byte big-endian length then its bytes (docs/FORMAT.md).
class EnvelopeDigest {
  public:
    EnvelopeDigest() : ctx_(EVP_MD_CTX_new()) {
        ok_ = ctx_ && EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) == 1;
    }
    void add_integer(std::uint64_t v) {
        std::uint8_t be[8];
        for (int i = 7; i >= 0; --i, v >>= 8)
            be[i] = static_cast<std::uint8_t>(v & 0xff);
        ok_ = ok_ && EVP_DigestUpdate(ctx_.get(), be, sizeof be) == 1;
    }
    void add_bytes(std::string_view bytes) {
        add_integer(bytes.size());
        ok_ = ok_ && EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()) == 1;
    }
    Result<std::vector<std::uint8_t>> finish() {
        std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
        unsigned int len = 0;
        if (!ok_ || EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) != 1)
            return fail(ErrorCode::io, "SHA-256 of manifest.pb failed: " + ossl::drain_errors());
        out.resize(len);
        return out;
    }

  private:
    ossl::EvpMdCtxPtr ctx_;
    bool ok_ = false;
};

// Fields 1 to 3 from `envelope`, the manifest and the MAC as given (the writer keeps the
// manifest out of the envelope message: seal_manifest).
Result<std::vector<std::uint8_t>> envelope_sha256(const proto::ManifestEnvelope& envelope,
                                                  std::string_view manifest, std::string_view mac) {
    EnvelopeDigest digest;
    digest.add_bytes(kEnvelopeDigestLabel);
    digest.add_integer(envelope.format_version());
    digest.add_integer(static_cast<std::uint32_t>(envelope.kdf().algorithm()));
    digest.add_bytes(envelope.kdf().salt());
    digest.add_integer(envelope.kdf().iterations());
    digest.add_bytes(envelope.password_check());
    digest.add_bytes(manifest);
    digest.add_bytes(mac);
    return digest.finish();
}

Result<void> check_iterations(std::uint64_t iterations) {
    if (iterations < kMinKdfIterations || iterations > kMaxKdfIterations)
        return fail(ErrorCode::invalid_argument, std::to_string(iterations) +
                                                     " key-derivation iterations is outside " +
                                                     std::to_string(kMinKdfIterations) + " .. " +
                                                     std::to_string(kMaxKdfIterations));
    return {};
}

// The format version an envelope starts with: field 1 as a varint (tag 0x08), which every
// writer serializes first; nullopt when the bytes do not start so.
std::optional<std::uint64_t> leading_format_version(std::span<const std::uint8_t> bytes) {
    constexpr std::uint8_t kVersionTag = 0x08;  // field 1, wire type 0 (varint)
    if (bytes.empty() || bytes[0] != kVersionTag)
        return std::nullopt;
    std::uint64_t value = 0;
    // A uint32 takes at most 5 varint bytes.
    for (std::size_t i = 1; i < bytes.size() && i <= 5; ++i) {
        value |= static_cast<std::uint64_t>(bytes[i] & 0x7f) << (7 * (i - 1));
        if ((bytes[i] & 0x80) == 0)
            return value;
    }
    return std::nullopt;
}

// Steps 1 and 2 of open_manifest: the format version alone (field 1), whatever a newer format
// put around it; unsupported for another version, corrupt for damage.
Result<void> check_format_version(std::span<const std::uint8_t> bytes, const std::string& item) {
    proto::FormatVersionProbe probe;
    if (!probe.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        return fail(ErrorCode::corrupt,
                    item +
                        " is damaged or is not a certbackup manifest (it does not parse); use "
                        "another copy of this backup");
    if (probe.format_version() == 0)
        return fail(ErrorCode::corrupt, item +
                                            " is damaged or is not a certbackup manifest (it has "
                                            "no format version); use another copy of this backup");
    // Every writer puts field 1 first. Protobuf keeps the last of repeated fields, so a damaged
    // byte further on that reads as a second field 1 would otherwise pass for a newer format
    // (1 in 100 runs of the tamper test, depending on the random salt): that is damage.
    if (leading_format_version(bytes) != probe.format_version())
        return fail(ErrorCode::corrupt,
                    item +
                        " is damaged (its format version is not where every writer puts it); "
                        "use another copy of this backup");
    if (probe.format_version() != kSnapshotFormatVersion)
        return fail(ErrorCode::unsupported,
                    item + " has format version " + std::to_string(probe.format_version()) +
                        "; this reader knows version " + std::to_string(kSnapshotFormatVersion) +
                        "; use a newer certbackup to read this backup");
    return {};
}

// Steps 1 to 4 of open_manifest.
Result<proto::ManifestEnvelope> parse_envelope(std::span<const std::uint8_t> bytes) {
    const std::string item(kManifestItem);
    if (bytes.size() > kMaxManifestBytes)
        return fail(ErrorCode::corrupt, item + " is too large to be a manifest (" +
                                            std::to_string(bytes.size()) + " bytes, more than " +
                                            std::to_string(kMaxManifestBytes) +
                                            "); use another copy of this backup");
    const int size = static_cast<int>(bytes.size());

    if (auto version = check_format_version(bytes, item); !version)
        return std::unexpected(version.error());

    proto::ManifestEnvelope envelope;
    if (!envelope.ParseFromArray(bytes.data(), size))
        return fail(ErrorCode::corrupt, item +
                                            " is damaged (it does not parse as a version 1 "
                                            "envelope); use another copy of this backup");
    auto digest = envelope_sha256(envelope, envelope.manifest(), envelope.mac());
    if (!digest)
        return std::unexpected(digest.error());
    if (!kdf::equal_constant_time(*digest, bytes_of(envelope.envelope_sha256())))
        return fail(ErrorCode::corrupt,
                    item +
                        " is damaged: its envelope checksum does not match its contents (a "
                        "damaged copy, or a changed file); use another copy of this backup");

    // A version 1 writer adds no envelope fields (the checksum would not cover them), neither
    // at the top nor inside KdfParameters.
    if (!envelope.GetReflection()->GetUnknownFields(envelope).empty() ||
        !envelope.kdf().GetReflection()->GetUnknownFields(envelope.kdf()).empty())
        return fail(ErrorCode::corrupt, item +
                                            " has envelope fields that version 1 does not define; "
                                            "it was not written by a version 1 writer");

    // From here on the fields are as written, so a violation is a writer's error, not damage.
    const auto& kdf = envelope.kdf();
    // Version 1 knows one algorithm; any other value is not a version 1 manifest (exit 4).
    if (kdf.algorithm() != proto::KDF_ALGORITHM_PBKDF2_HMAC_SHA256)
        return fail(ErrorCode::corrupt,
                    item + " uses key-derivation algorithm " +
                        std::to_string(static_cast<int>(kdf.algorithm())) +
                        ", which this reader does not know; use a newer certbackup");
    if (kdf.salt().size() < kMinSaltSize)
        return fail(ErrorCode::corrupt, item + " has a " + std::to_string(kdf.salt().size()) +
                                            "-byte salt; at least " + std::to_string(kMinSaltSize) +
                                            " are required");
    if (auto r = check_iterations(kdf.iterations()); !r)
        return std::unexpected(Error{ErrorCode::corrupt, item + ": " + r.error().message});
    if (envelope.password_check().size() != kKeySize || envelope.mac().size() != kKeySize)
        return fail(ErrorCode::corrupt, item + " has a password check or MAC of the wrong size (" +
                                            std::to_string(envelope.password_check().size()) +
                                            " and " + std::to_string(envelope.mac().size()) +
                                            " bytes, expected 32)");
    return envelope;
}

std::vector<std::uint8_t> manifest_bytes(const proto::ManifestEnvelope& envelope) {
    const auto m = bytes_of(envelope.manifest());
    return {m.begin(), m.end()};
}

}  // namespace

Result<ManifestSealKey> derive_manifest_seal_key(std::string_view password,
                                                 std::uint32_t iterations) {
    if (auto r = check_iterations(iterations); !r)
        return std::unexpected(
            r.error().with_context("cannot write " + std::string(kManifestItem)));
    std::vector<std::uint8_t> salt(kSaltSize);
    if (!ossl::random_bytes(salt))
        return fail(ErrorCode::io, "no random bytes for the salt of " + std::string(kManifestItem) +
                                       ": " + ossl::drain_errors());
    auto keys = derive_keys(password, salt, iterations);
    if (!keys)
        return std::unexpected(keys.error());
    return ManifestSealKey{std::move(salt), iterations, std::move(keys->mac_key),
                           std::move(keys->password_check)};
}

Result<std::vector<std::uint8_t>> seal_manifest(std::span<const std::uint8_t> manifest,
                                                std::string_view password,
                                                std::uint32_t iterations) {
    auto key = derive_manifest_seal_key(password, iterations);
    if (!key)
        return std::unexpected(key.error());
    return seal_manifest(manifest, *key);
}

Result<std::vector<std::uint8_t>> seal_manifest(std::span<const std::uint8_t> manifest,
                                                const ManifestSealKey& key) {
    return seal_manifest(std::vector<std::uint8_t>(manifest.begin(), manifest.end()), key);
}

Result<std::vector<std::uint8_t>> seal_manifest(std::vector<std::uint8_t>&& manifest,
                                                const ManifestSealKey& key) {
    auto mac = kdf::hmac_sha256(key.mac_key, manifest);
    if (!mac)
        return std::unexpected(mac.error());
    const auto& salt = key.salt;
    const auto& password_check = key.password_check;

    // The envelope is serialized around the manifest's own buffer: fields 1 to 3, field 4's
    // tag and length in front of it, fields 5 and 6 after it. Protobuf writes fields in number
    // order, so these are the bytes of the whole message serialized at once, without the
    // copies of the manifest (10000 entries: megabytes) that the message would hold.
    proto::ManifestEnvelope head;
    head.set_format_version(kSnapshotFormatVersion);
    head.mutable_kdf()->set_algorithm(proto::KDF_ALGORITHM_PBKDF2_HMAC_SHA256);
    head.mutable_kdf()->set_salt(salt.data(), salt.size());
    head.mutable_kdf()->set_iterations(key.iterations);
    head.set_password_check(password_check.data(), password_check.size());
    proto::ManifestEnvelope tail;
    tail.set_mac(mac->data(), mac->size());
    const std::string_view manifest_text(reinterpret_cast<const char*>(manifest.data()),
                                         manifest.size());
    auto digest = envelope_sha256(head, manifest_text, tail.mac());
    if (!digest)
        return std::unexpected(digest.error());
    tail.set_envelope_sha256(digest->data(), digest->size());

    std::string prefix;
    std::string suffix;
    if (!head.SerializeToString(&prefix) || !tail.SerializeToString(&suffix))
        return fail(ErrorCode::invalid_argument,
                    std::string(kManifestItem) + " cannot be serialized");
    if (!manifest.empty()) {
        constexpr std::uint8_t kManifestTag = (4 << 3) | 2;  // field 4, length-delimited
        prefix.push_back(static_cast<char>(kManifestTag));
        for (std::uint64_t length = manifest.size();; length >>= 7) {
            if (length < 0x80) {
                prefix.push_back(static_cast<char>(length));
                break;
            }
            prefix.push_back(static_cast<char>((length & 0x7f) | 0x80));
        }
    }
    manifest.insert(manifest.begin(), prefix.begin(), prefix.end());
    manifest.insert(manifest.end(), suffix.begin(), suffix.end());
    if (manifest.size() > static_cast<std::size_t>(INT_MAX))
        return fail(ErrorCode::invalid_argument, std::string(kManifestItem) +
                                                     " cannot be serialized (" +
                                                     std::to_string(manifest.size()) + " bytes)");
    return std::move(manifest);
}

Result<std::vector<std::uint8_t>> open_manifest(std::span<const std::uint8_t> bytes,
                                                std::string_view password) {
    auto envelope = parse_envelope(bytes);
    if (!envelope)
        return std::unexpected(envelope.error());
    auto keys =
        derive_keys(password, bytes_of(envelope->kdf().salt()), envelope->kdf().iterations());
    if (!keys)
        return std::unexpected(keys.error());
    if (!kdf::equal_constant_time(keys->password_check, bytes_of(envelope->password_check())))
        return fail(ErrorCode::wrong_password,
                    "wrong password: it does not open " + std::string(kManifestItem) +
                        " of this backup; use the password the backup was made with");
    auto mac = kdf::hmac_sha256(keys->mac_key, bytes_of(envelope->manifest()));
    if (!mac)
        return std::unexpected(mac.error());
    if (!kdf::equal_constant_time(*mac, bytes_of(envelope->mac())))
        return fail(ErrorCode::corrupt,
                    std::string(kManifestItem) +
                        " has been modified: the password is right but the manifest's MAC does "
                        "not verify; do not restore from this copy of the backup");
    return manifest_bytes(*envelope);
}

Result<std::vector<std::uint8_t>> open_manifest_unauthenticated(
    std::span<const std::uint8_t> bytes) {
    auto envelope = parse_envelope(bytes);
    if (!envelope)
        return std::unexpected(envelope.error());
    return manifest_bytes(*envelope);
}

}  // namespace certbackup
