// manifest.pb: the envelope that carries the serialized Manifest with its key-derivation
// parameters, password check, MAC and envelope checksum (docs/FORMAT.md §3).
//
// Thread-safe: no shared state. Passwords are only read; derived keys live in SecureBuffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "certbackup/base/error.hpp"
#include "certbackup/base/secure_buffer.hpp"

namespace certbackup {

// The keys that seal one manifest: a fresh 32-byte salt, the master key derived from it
// (PBKDF2-HMAC-SHA256, the one expensive step) and its HKDF subkeys. Derived apart from the
// manifest, so that a writer derives them while it makes the payloads.
struct ManifestSealKey {
    std::vector<std::uint8_t> salt;
    std::uint32_t iterations = 0;
    SecureBuffer mac_key;
    std::vector<std::uint8_t> password_check;
};

// More than the envelope adds around a manifest (format version, KDF parameters, password
// check, MAC and digest with their tags and lengths: under 200 bytes).
inline constexpr std::size_t kManifestSealRoom = 256;

// Errors: invalid_argument for iterations out of bounds, io when no salt can be drawn.
Result<ManifestSealKey> derive_manifest_seal_key(std::string_view password,
                                                 std::uint32_t iterations);

// The bytes of manifest.pb for `manifest`, with the password check and MAC of `key`.
Result<std::vector<std::uint8_t>> seal_manifest(std::span<const std::uint8_t> manifest,
                                                const ManifestSealKey& key);
// The same, the envelope made in `manifest`'s own buffer (no copy of a manifest of thousands
// of entries is made; none at all when the buffer has kManifestSealRoom bytes of spare
// capacity).
Result<std::vector<std::uint8_t>> seal_manifest(std::vector<std::uint8_t>&& manifest,
                                                const ManifestSealKey& key);

// Derives the master key from `password` once (PBKDF2-HMAC-SHA256, a fresh 32-byte salt,
// `iterations`), then the password check and the MAC over `manifest` through HKDF subkeys,
// and returns the bytes of manifest.pb.
Result<std::vector<std::uint8_t>> seal_manifest(std::span<const std::uint8_t> manifest,
                                                std::string_view password,
                                                std::uint32_t iterations);

// Checks manifest.pb in this order and returns the authenticated Manifest bytes:
//   1. it parses as an envelope far enough to read field 1   else corrupt
//   2. format_version is 1                                    else unsupported, both named
//                                                              (0 / missing: corrupt)
//   3. it parses as a version 1 envelope and envelope_sha256 matches its fields
//                                                             else corrupt ("damaged")
//   4. the KDF parameters are known and within bounds         else unsupported / corrupt
//   5. the password check matches (one PBKDF2 derivation)     else wrong_password
//   6. the MAC over the manifest bytes matches                else corrupt ("modified")
Result<std::vector<std::uint8_t>> open_manifest(std::span<const std::uint8_t> envelope,
                                                std::string_view password);

// Steps 1 to 4 only: the Manifest bytes are NOT authenticated (anyone can write a manifest
// that passes), but accidental damage is detected. For listing a backup without its password.
Result<std::vector<std::uint8_t>> open_manifest_unauthenticated(
    std::span<const std::uint8_t> envelope);

}  // namespace certbackup
