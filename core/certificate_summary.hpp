// What `certificates list` shows of a certificate, read from its DER without building an X509
// object: OpenSSL 3 decodes the public key of every certificate it parses (building a decoder
// for it), which is most of the time a listing of thousands of certificates takes.
//
// The reader walks the Certificate structure of RFC 5280 (section 4.1) and checks its shape:
// every length is checked against what encloses it, only DER's definite lengths are accepted,
// and nothing may follow the certificate. The subject and issuer are decoded by OpenSSL as
// names alone (d2i_X509_NAME) and printed as Certificate::info() prints them; the validity
// times likewise. It does not look inside the public key, the signature or the extensions:
// whoever needs those (show, backup, export) parses the whole certificate.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "certbackup/base/error.hpp"

namespace certbackup {

// The same values as the fields of CertificateInfo of the same name.
struct CertificateSummary {
    std::string subject;          // RFC 2253
    std::string issuer;           // RFC 2253
    std::int64_t not_before = 0;  // Unix seconds, UTC
    std::int64_t not_after = 0;
    std::string sha256_hex;  // lower-case hex of the DER: the certificate's identity
};

// Certificates larger than this are refused (no real certificate comes near it).
inline constexpr std::size_t kMaxCertificateDerBytes = 1 << 20;

// The summary of one DER certificate. Fails with corrupt when `der` is not a well-formed
// Certificate; the message says what is wrong (the caller names the file).
Result<CertificateSummary> read_certificate_summary(std::span<const std::uint8_t> der);

// Checks the shape of one DER certificate as read_certificate_summary does, without decoding
// names or times.
Result<void> check_certificate_der(std::span<const std::uint8_t> der);

// Where the issuer, the subject and the subjectPublicKeyInfo of a DER certificate are, each
// as its whole DER (tag, length and value): views into the `der` given, checked for shape as
// read_certificate_summary checks, not decoded. For work on thousands of certificates that
// needs their names or keys only (PKCS#12 import rebuilds chains by name before it decodes a
// certificate).
struct CertificateDerParts {
    std::span<const std::uint8_t> issuer;
    std::span<const std::uint8_t> subject;
    std::span<const std::uint8_t> public_key;
};
Result<CertificateDerParts> certificate_der_parts(std::span<const std::uint8_t> der);

}  // namespace certbackup
