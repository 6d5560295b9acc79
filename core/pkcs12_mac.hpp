// The MAC of a PFX this writer makes (internal to PKCS#12 export), with its key derived apart
// from the contents it authenticates, and computed over the AuthenticatedSafe as pieces.
//
// Why: PKCS12_set_mac derives its key (RFC 7292 appendix B, 600000 iterations) only once the
// contents are final, that is after the encryption key's PBKDF2: two derivations in a row. The
// MAC key depends on the password and a salt only, so it can be derived on another core while
// the contents are encrypted, and the MAC computed from it afterwards. The writer assembles the
// PFX from pieces (pkcs12_pfx_layout.hpp), so the MAC is computed over those pieces, never over a
// copy of the whole AuthenticatedSafe. The result is the MacData PKCS12_set_mac would make with
// the same salt; PKCS12_verify_mac and every reader accept it.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "certbackup/base/error.hpp"
#include "certbackup/base/secure_buffer.hpp"
#include "core/pkcs12_algorithms.hpp"

namespace certbackup::pkcs12_detail {

// The MAC's digest: SHA-256 (modern profile) or SHA-1 (compat).
enum class MacDigest { sha256, sha1 };

struct MacKey {
    MacDigest digest = MacDigest::sha256;
    std::vector<std::uint8_t> salt;
    int iterations = 0;
    SecureBuffer key;  // the digest's length, for HMAC
};

// Draws a 16-byte salt and derives the key from the password (UTF-8, as PKCS12_set_mac takes it:
// converted to a BMPString). Thread-safe.
Result<MacKey> derive_mac_key(const PasswordArg& password, int iterations, MacDigest digest);

// The DER of a MacData (RFC 7292 §4): the key's digest (parameters NULL), the HMAC of the
// concatenation of `authenticated_safe` (the DER of the AuthenticatedSafe, in pieces), the
// key's salt and its iteration count (left out when 1, its default), as PKCS12_setup_mac and
// i2d_PKCS12 write it.
Result<std::vector<std::uint8_t>> mac_data_der(
    const MacKey& key, std::span<const std::span<const std::uint8_t>> authenticated_safe);

}  // namespace certbackup::pkcs12_detail
