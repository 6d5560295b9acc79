// A certificate as the store and the snapshot see it: the leaf X.509 certificate, its private
// key (optional: a certificate can be held without one), its chain (issuers, leaf's issuer
// first) and a friendly name.
//
// Move-only; owns its OpenSSL objects. Not thread-safe for mutation; const methods may be
// called from several threads at once (OpenSSL's X509 and EVP_PKEY reads are thread-safe).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "certbackup/base/error.hpp"
#include "certbackup/base/ossl.hpp"
#include "certbackup/base/secure_buffer.hpp"

namespace certbackup {

// The facts shown by `list` and `show` and kept in the manifest.
struct CertificateInfo {
    std::string subject;          // RFC 2253 ("CN=db1,O=Example")
    std::string issuer;           // RFC 2253
    std::string serial_hex;       // upper-case hex, no separators
    std::int64_t not_before = 0;  // Unix seconds, UTC
    std::int64_t not_after = 0;
    std::string key_algorithm;  // "RSA", "EC", "Ed25519", ...
    std::string key_curve;      // "P-256", "P-521" for EC; empty otherwise
    int key_bits = 0;
    std::string sha1_hex;    // lower-case hex of the DER
    std::string sha256_hex;  // lower-case hex of the DER: the certificate's identity
    std::vector<std::string> subject_alt_names;  // "DNS:host", "IP:10.0.0.1", "email:..."
};

class Certificate {
  public:
    // Takes ownership. `key` may be null. Fails with invalid_argument if a key is given that
    // does not belong to the certificate.
    //
    // `key_der`, when not empty, is the unencrypted PKCS#8 PrivateKeyInfo DER that `key` was
    // decoded from (a PFX's key bag); it must be one DER element and comes with a key.
    // key_pem() then writes these bytes instead of encoding the key again: OpenSSL 3.0 builds
    // a new encoder chain for every key it writes (perf, restore of 10000 certificates: a tenth
    // of the CPU time). A key encoded by OpenSSL is written byte for byte as before; one
    // encoded otherwise (with attributes, say) is kept as its file had it.
    static Result<Certificate> create(ossl::X509Ptr leaf, ossl::EvpPkeyPtr key,
                                      std::vector<ossl::X509Ptr> chain,
                                      std::string friendly_name = {}, SecureBuffer key_der = {});

    // Parses PEM text: the first CERTIFICATE is the leaf, further ones its chain. `origin`
    // (a file name) is used in error messages.
    static Result<Certificate> from_pem(std::span<const std::uint8_t> certificate_pem,
                                        std::string_view origin);
    // Attaches a PKCS#8 (or traditional) PEM private key; checks that it matches the leaf.
    // (The key's DER is not kept: key_pem() encodes it.)
    Result<void> attach_key_pem(std::span<const std::uint8_t> key_pem, std::string_view origin);

    Certificate(Certificate&&) noexcept = default;
    Certificate& operator=(Certificate&&) noexcept = default;
    Certificate(const Certificate&) = delete;
    Certificate& operator=(const Certificate&) = delete;

    // A copy that shares the OpenSSL objects (they are immutable once built).
    [[nodiscard]] Certificate clone() const;
    // A copy whose chain is only the first `length` issuers (all of them if it has fewer).
    [[nodiscard]] Certificate with_chain_prefix(std::size_t length) const;

    X509* leaf() const noexcept { return leaf_.get(); }
    EVP_PKEY* key() const noexcept { return key_.get(); }
    bool has_key() const noexcept { return key_ != nullptr; }
    const std::vector<ossl::X509Ptr>& chain() const noexcept { return chain_; }
    const std::string& friendly_name() const noexcept { return friendly_name_; }
    void set_friendly_name(std::string name) { friendly_name_ = std::move(name); }

    // DER of the leaf; SHA-256 of it in lower-case hex (the identity used everywhere).
    std::vector<std::uint8_t> der() const;
    const std::string& sha256_hex() const noexcept { return sha256_hex_; }
    CertificateInfo info() const;

    // Leaf then chain, PEM.
    std::string certificate_pem() const;
    // PKCS#8 unencrypted PEM of the key; empty buffer when there is no key.
    SecureBuffer key_pem() const;

  private:
    Certificate() = default;
    ossl::X509Ptr leaf_;
    ossl::EvpPkeyPtr key_;
    std::shared_ptr<const SecureBuffer> key_der_;  // see create(); null: encode key_
    std::vector<ossl::X509Ptr> chain_;
    std::string friendly_name_;
    std::string sha256_hex_;
};

// True when `key` is the private key of `cert`'s public key.
bool key_matches(X509* cert, EVP_PKEY* key) noexcept;

// SHA-256 (lower-case hex) of a certificate's DER encoding.
std::string sha256_hex_of(X509* cert);

// A name as CertificateInfo shows it (RFC 2253, UTF-8 kept as it is).
std::string name_rfc2253(const X509_NAME* name);
// Unix seconds (UTC) of an ASN.1 time; 0 when it cannot be read.
std::int64_t asn1_time_to_unix(const ASN1_TIME* time);

}  // namespace certbackup
