#include "core/certificate.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <ctime>

#include "core/der_cursor.hpp"
#include "core/pem_chain.hpp"

namespace certbackup {
namespace {

ossl::BioPtr memory_bio(std::span<const std::uint8_t> bytes) {
    return ossl::BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

std::string bio_to_string(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(len));
}

std::vector<std::string> subject_alt_names(X509* cert) {
    std::vector<std::string> out;
    ossl::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
    if (!names)
        return out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
        ossl::BioPtr bio(BIO_new(BIO_s_mem()));
        GENERAL_NAME_print(bio.get(), const_cast<GENERAL_NAME*>(gn));
        std::string text = bio_to_string(bio.get());
        // GENERAL_NAME_print writes "IP Address:1.2.3.4"; keep the short, conventional prefix.
        if (text.starts_with("IP Address:"))
            text = "IP:" + text.substr(11);
        out.push_back(std::move(text));
    }
    return out;
}

}  // namespace

std::string name_rfc2253(const X509_NAME* name) {
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    return bio_to_string(bio.get());
}

std::int64_t asn1_time_to_unix(const ASN1_TIME* t) {
    struct tm tm {};
    if (ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return static_cast<std::int64_t>(timegm(&tm));
}

bool key_matches(X509* cert, EVP_PKEY* key) noexcept {
    if (cert == nullptr || key == nullptr)
        return false;
    const bool ok = X509_check_private_key(cert, key) == 1;
    ossl::clear_errors();
    return ok;
}

std::string sha256_hex_of(X509* cert) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    X509_digest(cert, EVP_sha256(), md, &len);
    return ossl::to_hex(std::span(md, len));
}

Result<Certificate> Certificate::create(ossl::X509Ptr leaf, ossl::EvpPkeyPtr key,
                                        std::vector<ossl::X509Ptr> chain, std::string friendly_name,
                                        SecureBuffer key_der) {
    if (!leaf)
        return fail(ErrorCode::invalid_argument, "no certificate given");
    if (key && !key_matches(leaf.get(), key.get()))
        return fail(ErrorCode::invalid_argument,
                    "the private key does not belong to certificate " + sha256_hex_of(leaf.get()));
    if (!key_der.empty()) {
        DerCursor cursor(key_der.span(), "the private key's");
        auto element = cursor.next(0x30, "PrivateKeyInfo");
        if (!key || !element || !cursor.expect_end("PrivateKeyInfo"))
            return fail(ErrorCode::invalid_argument,
                        "the private key encoding given for certificate " +
                            sha256_hex_of(leaf.get()) + " is not one PKCS#8 PrivateKeyInfo");
    }
    Certificate c;
    c.sha256_hex_ = sha256_hex_of(leaf.get());
    c.leaf_ = std::move(leaf);
    c.key_ = std::move(key);
    if (!key_der.empty())
        c.key_der_ = std::make_shared<const SecureBuffer>(std::move(key_der));
    c.chain_ = std::move(chain);
    c.friendly_name_ = std::move(friendly_name);
    return c;
}

Result<Certificate> Certificate::from_pem(std::span<const std::uint8_t> certificate_pem,
                                          std::string_view origin) {
    ossl::BioPtr bio = memory_bio(certificate_pem);
    ossl::X509Ptr leaf(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!leaf) {
        ossl::clear_errors();
        return fail(ErrorCode::corrupt,
                    std::string(origin) +
                        ": no PEM certificate found (expected '-----BEGIN CERTIFICATE-----')");
    }
    std::vector<ossl::X509Ptr> chain;
    while (ossl::X509Ptr next{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)})
        chain.push_back(std::move(next));
    if (auto end = check_pem_chain_end(origin); !end)
        return std::unexpected(end.error());
    return create(std::move(leaf), nullptr, std::move(chain));
}

Result<void> Certificate::attach_key_pem(std::span<const std::uint8_t> key_pem,
                                         std::string_view origin) {
    ossl::BioPtr bio = memory_bio(key_pem);
    ossl::EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) {
        ossl::clear_errors();
        return fail(ErrorCode::corrupt, std::string(origin) +
                                            ": no unencrypted PEM private key found (expected a "
                                            "PEM block of type PRIVATE KEY)");
    }
    if (!key_matches(leaf_.get(), key.get()))
        return fail(ErrorCode::invalid_argument,
                    std::string(origin) + ": the private key does not belong to certificate " +
                        sha256_hex_);
    key_ = std::move(key);
    key_der_.reset();
    return {};
}

Certificate Certificate::clone() const {
    Certificate c;
    c.leaf_ = ossl::share(leaf_.get());
    if (key_)
        c.key_ = ossl::share(key_.get());
    c.key_der_ = key_der_;
    for (const auto& x : chain_)
        c.chain_.push_back(ossl::share(x.get()));
    c.friendly_name_ = friendly_name_;
    c.sha256_hex_ = sha256_hex_;
    return c;
}

Certificate Certificate::with_chain_prefix(std::size_t length) const {
    Certificate c = clone();
    if (c.chain_.size() > length)
        c.chain_.resize(length);
    return c;
}

std::vector<std::uint8_t> Certificate::der() const {
    unsigned char* out = nullptr;
    const int len = i2d_X509(leaf_.get(), &out);
    if (len <= 0)
        return {};
    ossl::OpenSslBytePtr owned(out);
    return std::vector<std::uint8_t>(out, out + len);
}

CertificateInfo Certificate::info() const {
    CertificateInfo info;
    info.subject = name_rfc2253(X509_get_subject_name(leaf_.get()));
    info.issuer = name_rfc2253(X509_get_issuer_name(leaf_.get()));
    {
        ossl::BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf_.get()), nullptr));
        ossl::OpenSslCharPtr hex(bn ? BN_bn2hex(bn.get()) : nullptr);
        info.serial_hex = hex ? hex.get() : "";
    }
    info.not_before = asn1_time_to_unix(X509_get0_notBefore(leaf_.get()));
    info.not_after = asn1_time_to_unix(X509_get0_notAfter(leaf_.get()));
    if (EVP_PKEY* pub = X509_get0_pubkey(leaf_.get())) {
        info.key_bits = EVP_PKEY_get_bits(pub);
        if (EVP_PKEY_is_a(pub, "RSA")) {
            info.key_algorithm = "RSA";
        } else if (EVP_PKEY_is_a(pub, "EC")) {
            info.key_algorithm = "EC";
            char group[64] = {};
            size_t len = 0;
            if (EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                               &len) == 1) {
                const std::string g = group;
                info.key_curve = g == "prime256v1"  ? "P-256"
                                 : g == "secp384r1" ? "P-384"
                                 : g == "secp521r1" ? "P-521"
                                                    : g;
            }
        } else {
            const char* name = EVP_PKEY_get0_type_name(pub);
            info.key_algorithm = name ? name : "unknown";
        }
    }
    const auto der_bytes = der();
    info.sha1_hex = ossl::to_hex(ossl::sha1(der_bytes));
    info.sha256_hex = sha256_hex_;
    info.subject_alt_names = subject_alt_names(leaf_.get());
    ossl::clear_errors();
    return info;
}

std::string Certificate::certificate_pem() const {
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), leaf_.get());
    for (const auto& x : chain_)
        PEM_write_bio_X509(bio.get(), x.get());
    return bio_to_string(bio.get());
}

SecureBuffer Certificate::key_pem() const {
    if (!key_)
        return {};
    ossl::BioPtr bio(BIO_new(BIO_s_secmem()));
    if (!bio)
        bio.reset(BIO_new(BIO_s_mem()));
    if (key_der_)  // what PEM_write_bio_PrivateKey writes for an unencrypted key, from the DER
        PEM_write_bio(bio.get(), PEM_STRING_PKCS8INF, "", key_der_->data(),
                      static_cast<long>(key_der_->size()));
    else
        PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    SecureBuffer out(
        std::span(reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(len)));
    // BIO_free of a mem BIO does not wipe; clear the bytes we copied from.
    OPENSSL_cleanse(data, static_cast<std::size_t>(len));
    return out;
}

}  // namespace certbackup
