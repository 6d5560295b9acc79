// The SHA-256 MAC of a PFX this writer makes (internal to PKCS#12 export), with its key derived
// apart from the contents it authenticates.
//
// Why: PKCS12_set_mac derives its key (RFC 7292 appendix B, 600000 iterations) only once the
// contents are final, that is after the encryption key's PBKDF2: two derivations in a row. The
// MAC key depends on the password and a salt only, so it can be derived on another core while
// the contents are encrypted, and the MAC computed from it afterwards. The result is the MAC
// PKCS12_set_mac would compute with the same salt; PKCS12_verify_mac and every reader accept it.
#pragma once

#include <openssl/pkcs12.h>

#include <cstdint>
#include <vector>

#include "certbackup/base/error.hpp"
#include "core/pkcs12_algorithms.hpp"
#include "certbackup/base/secure_buffer.hpp"

namespace certbackup::pkcs12_detail {

struct MacKey {
    std::vector<std::uint8_t> salt;
    int iterations = 0;
    SecureBuffer key;  // 32 bytes, for HMAC-SHA256
};

// Draws a 16-byte salt and derives the key from the password (UTF-8, as PKCS12_set_mac takes it:
// converted to a BMPString). Thread-safe.
Result<MacKey> derive_sha256_mac_key(const PasswordArg& password, int iterations);

// Sets `pfx`'s MacData: SHA-256, the key's salt and iterations, and the HMAC of `safes` (the
// AuthenticatedSafe that `pfx` was made from with PKCS12_add_safes).
Result<void> set_sha256_mac(PKCS12* pfx, const STACK_OF(PKCS7) * safes, const MacKey& key);

}  // namespace certbackup::pkcs12_detail
