// A certificate in the store's file form (DESIGN §3): the text of its certificate file and of
// its key file, with its identity. What a restore of thousands holds while it stages them,
// instead of decoded OpenSSL objects (an EC leaf: about 1.5 KiB, against about 6 KiB decoded).
#pragma once

#include <string>

#include "certbackup/base/error.hpp"
#include "certbackup/base/secure_buffer.hpp"
#include "core/certificate.hpp"

namespace certbackup {

struct EncodedCertificate {
    std::string thumbprint;         // lower-case hex SHA-256 of the leaf's DER
    std::string subject;            // RFC 2253, for reports
    SecureBuffer certificate_file;  // format_certificate_file: friendly name, leaf, chain
    SecureBuffer key_pem;           // unencrypted PKCS#8 PEM; empty without a key

    bool has_key() const noexcept { return !key_pem.empty(); }
};

// Fails with unsupported when the key cannot be written as PKCS#8 PEM (held by a hardware
// token). Thread-safe for distinct certificates.
Result<EncodedCertificate> encode_certificate(const Certificate& certificate);

}  // namespace certbackup
