// Makes certificates with fresh keys, for the sample store and for tests (which never use
// committed keys). Self-signed, or signed by an issuer that has a private key.
//
// Thread-safe: no shared state; key generation uses OpenSSL's thread-safe DRBG.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "certbackup/base/error.hpp"
#include "core/certificate.hpp"

namespace certbackup::samples {

enum class KeyType { rsa2048, rsa4096, ec_p256, ec_p521 };

struct CertificateSpec {
    std::string common_name = "certbackup test";
    std::string organization = "Example Password Server";
    KeyType key_type = KeyType::ec_p256;
    // Validity relative to now, in seconds; negative values make certificates from the past.
    std::int64_t not_before_offset = -3600;
    std::int64_t validity_seconds = 365LL * 24 * 3600;
    std::vector<std::string> dns_names;
    bool is_ca = false;
    std::uint64_t serial = 0;  // 0: a random 63-bit serial
    std::string friendly_name;
};

ossl::EvpPkeyPtr generate_key(KeyType type);

// issuer == nullptr: self-signed. The issuer must have a key; the result's chain is the
// issuer followed by the issuer's own chain.
Result<Certificate> make_certificate(const CertificateSpec& spec,
                                     const Certificate* issuer = nullptr);

}  // namespace certbackup::samples
