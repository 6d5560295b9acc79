// The text of a store certificate file (certs/<sha256>.pem) and of PEM files to import.
//
// Layout: an optional header in the form `openssl pkcs12 -nokeys` writes, which keeps the
// friendly name next to the certificate, then the leaf and its chain as PEM:
//
//   Bag Attributes
//       friendlyName: Database certificate (db1)
//   -----BEGIN CERTIFICATE-----
//   ...leaf...
//   -----END CERTIFICATE-----
//   -----BEGIN CERTIFICATE-----
//   ...issuer, then its issuer...
//
// Text before the first PEM block is ignored by PEM readers (RFC 7468), so `openssl x509`
// and friends read these files as they are. No key material is ever written here.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "certbackup/base/error.hpp"
#include "core/certificate.hpp"
#include "core/certificate_summary.hpp"
#include "core/private_key_decoder.hpp"

namespace certbackup {

// The file text for `certificate` (leaf, chain, friendly name; never the key). Control
// characters in the friendly name are written as spaces so that it stays one line.
std::string format_certificate_file(const Certificate& certificate);

// Reads what format_certificate_file writes, and any PEM with a certificate first: the first
// CERTIFICATE block is the leaf, further ones its chain, "friendlyName:" in the text right
// before the leaf's block the friendly name. Other PEM blocks (a private key in a combined
// file) are skipped.
// Errors name `origin` (corrupt: no certificate, or an unreadable chain certificate).
Result<Certificate> parse_certificate_file(std::span<const std::uint8_t> text,
                                           std::string_view origin);

// The leaf's summary from what parse_certificate_file reads, without building X509 objects
// (certificate_summary.hpp): the leaf is the first CERTIFICATE block, and every further one
// (the chain) must have a certificate's shape too. Errors name `origin` as
// parse_certificate_file's do (corrupt), with what is wrong.
Result<CertificateSummary> summarize_certificate_file(std::span<const std::uint8_t> text,
                                                      std::string_view origin);

// Attaches the unencrypted PEM private key (PKCS#8 or traditional) found in `key_pem`, which
// may also hold certificates, to `certificate`. Errors name `origin`: not_found when there is
// no private key; unsupported for an encrypted one (refused before OpenSSL could prompt for a
// password on a terminal; decrypt it with `openssl pkey`); invalid_argument when the key does
// not belong to the certificate; corrupt when it cannot be read.
// With a `decoder`, the key must be the first PEM block (as in store key files) and is read
// much faster (private_key_decoder.hpp); without, other blocks before it are skipped.
Result<void> attach_private_key(Certificate& certificate, std::span<const std::uint8_t> key_pem,
                                std::string_view origin, PrivateKeyDecoder* decoder = nullptr);

}  // namespace certbackup
