#include "certificate_factory.hpp"

#include <openssl/ec.h>
#include <openssl/rsa.h>

#include <ctime>

namespace certbackup::samples {
namespace {

Error openssl_failure(std::string_view what) {
    return Error{ErrorCode::io, std::string(what) + ": " + ossl::drain_errors()};
}

bool add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    ossl::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// The spec's serial, or a random positive non-zero one when it gives 0.
Result<std::uint64_t> serial_of(const CertificateSpec& spec) {
    if (spec.serial != 0)
        return spec.serial;
    std::uint8_t raw[8];
    if (!ossl::random_bytes(raw))
        return std::unexpected(openssl_failure("random serial"));
    std::uint64_t serial = 0;
    for (std::uint8_t b : raw)
        serial = (serial << 8) | b;
    return (serial >> 1) | 1;  // positive and non-zero
}

// Subject (O, CN) and issuer name: the issuer's subject, or the subject itself.
Result<void> set_names(X509* cert, const CertificateSpec& spec, const Certificate* issuer) {
    X509_NAME* name = X509_get_subject_name(cert);
    auto add_entry = [&](const char* field, const std::string& value) {
        return value.empty() ||
               X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                          reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                                          -1, 0) == 1;
    };
    if (!add_entry("O", spec.organization) || !add_entry("CN", spec.common_name))
        return std::unexpected(openssl_failure("subject name"));
    X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer->leaf()) : name);
    return {};
}

// Basic constraints, key usage, key identifiers and the DNS names.
Result<void> add_extensions(X509* cert, const CertificateSpec& spec, const Certificate* issuer) {
    X509* issuer_cert = issuer ? issuer->leaf() : cert;
    bool ok = add_extension(cert, issuer_cert, NID_basic_constraints,
                            spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE") &&
              add_extension(cert, issuer_cert, NID_key_usage,
                            spec.is_ca ? "critical,keyCertSign,cRLSign"
                                       : "critical,digitalSignature,keyEncipherment") &&
              add_extension(cert, issuer_cert, NID_subject_key_identifier, "hash");
    if (ok && issuer != nullptr)
        ok = add_extension(cert, issuer_cert, NID_authority_key_identifier, "keyid");
    if (ok && !spec.dns_names.empty()) {
        std::string san;
        for (const auto& dns : spec.dns_names)
            san += (san.empty() ? "DNS:" : ",DNS:") + dns;
        ok = add_extension(cert, issuer_cert, NID_subject_alt_name, san);
    }
    if (!ok)
        return std::unexpected(openssl_failure("certificate extensions"));
    return {};
}

}  // namespace

ossl::EvpPkeyPtr generate_key(KeyType type) {
    switch (type) {
        case KeyType::rsa2048:
            return ossl::EvpPkeyPtr(EVP_RSA_gen(2048));
        case KeyType::rsa4096:
            return ossl::EvpPkeyPtr(EVP_RSA_gen(4096));
        case KeyType::ec_p256:
            return ossl::EvpPkeyPtr(EVP_EC_gen("P-256"));
        case KeyType::ec_p521:
            return ossl::EvpPkeyPtr(EVP_EC_gen("P-521"));
    }
    return nullptr;
}

Result<Certificate> make_certificate(const CertificateSpec& spec, const Certificate* issuer) {
    if (issuer != nullptr && !issuer->has_key())
        return fail(ErrorCode::invalid_argument,
                    "issuer " + issuer->sha256_hex() + " has no private key");
    ossl::EvpPkeyPtr key = generate_key(spec.key_type);
    if (!key)
        return std::unexpected(openssl_failure("key generation failed"));

    ossl::X509Ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    auto serial = serial_of(spec);
    if (!serial)
        return std::unexpected(serial.error());
    ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), *serial);
    std::time_t now = std::time(nullptr);
    X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, static_cast<long>(spec.not_before_offset),
                     &now);
    X509_time_adj_ex(X509_getm_notAfter(cert.get()), 0,
                     static_cast<long>(spec.not_before_offset + spec.validity_seconds), &now);
    X509_set_pubkey(cert.get(), key.get());
    if (auto named = set_names(cert.get(), spec, issuer); !named)
        return std::unexpected(named.error());
    if (auto extended = add_extensions(cert.get(), spec, issuer); !extended)
        return std::unexpected(extended.error());

    EVP_PKEY* signing_key = issuer ? issuer->key() : key.get();
    if (X509_sign(cert.get(), signing_key, EVP_sha256()) <= 0)
        return std::unexpected(openssl_failure("signing the certificate"));

    std::vector<ossl::X509Ptr> chain;
    if (issuer != nullptr) {
        chain.push_back(ossl::share(issuer->leaf()));
        for (const auto& x : issuer->chain())
            chain.push_back(ossl::share(x.get()));
    }
    return Certificate::create(std::move(cert), std::move(key), std::move(chain),
                               spec.friendly_name);
}

}  // namespace certbackup::samples
