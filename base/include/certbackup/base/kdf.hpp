// The key derivation and authentication primitives of the snapshot format (docs/FORMAT.md), of
// the PFX files certbackup writes (core/pkcs12_pbes2.hpp) and of the set record (docs/STORAGE.md):
// PBKDF2-HMAC-SHA256, HKDF-SHA256 (expand only), HMAC-SHA256 and a constant-time compare,
// all through OpenSSL's EVP_KDF / EVP_MAC.
//
// Contract: derived keys are returned in SecureBuffer and wiped when released. Every function
// is thread-safe (no shared state). Failures are OpenSSL failures (invalid_argument for bad
// parameters, otherwise io with OpenSSL's detail); none throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "certbackup/base/error.hpp"
#include "certbackup/base/secure_buffer.hpp"

namespace certbackup::kdf {

// PBKDF2 (RFC 8018) with HMAC-SHA256: `length` bytes from a UTF-8 password. `iterations` >= 1.
Result<SecureBuffer> pbkdf2_hmac_sha256(std::string_view password,
                                        std::span<const std::uint8_t> salt,
                                        std::uint32_t iterations, std::size_t length);

// PBKDF2 with HMAC over the OpenSSL digest named `digest` ("SHA1", "SHA512", ...), for reading
// PBES2 structures that others wrote. Fails with unsupported for a digest OpenSSL lacks.
Result<SecureBuffer> pbkdf2_hmac(const char* digest, std::string_view password,
                                 std::span<const std::uint8_t> salt, std::uint64_t iterations,
                                 std::size_t length);

// HKDF-Expand (RFC 5869) with SHA-256: `length` bytes of a subkey of `key` for the purpose
// named by `info`. Expand only: `key` must already be uniformly random (e.g. PBKDF2 output).
Result<SecureBuffer> hkdf_sha256_expand(const SecureBuffer& key, std::string_view info,
                                        std::size_t length);

// HMAC-SHA256 of `data` under `key` (32 bytes).
Result<std::vector<std::uint8_t>> hmac_sha256(const SecureBuffer& key,
                                              std::span<const std::uint8_t> data);

// True when `a` and `b` are equal; the time taken depends only on the sizes, never on where
// the bytes differ (for comparing MACs and password checks).
bool equal_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;

}  // namespace certbackup::kdf
