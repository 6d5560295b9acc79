#include "core/certificate.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>

#include "certificate_factory.hpp"

namespace certbackup {
namespace {

using samples::CertificateSpec;
using samples::KeyType;

TEST(Certificate, PemRoundTripKeepsChainAndKey) {
    CertificateSpec ca_spec;
    ca_spec.common_name = "Test CA";
    ca_spec.is_ca = true;
    auto ca = samples::make_certificate(ca_spec);
    ASSERT_TRUE(ca) << ca.error().message;
    CertificateSpec leaf_spec;
    leaf_spec.common_name = "server.example.com";
    leaf_spec.dns_names = {"server.example.com", "alt.example.com"};
    auto leaf = samples::make_certificate(leaf_spec, &*ca);
    ASSERT_TRUE(leaf) << leaf.error().message;

    const std::string pem = leaf->certificate_pem();
    auto parsed = Certificate::from_pem(
        std::span(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size()), "leaf.pem");
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->sha256_hex(), leaf->sha256_hex());
    ASSERT_EQ(parsed->chain().size(), 1u);
    EXPECT_EQ(sha256_hex_of(parsed->chain()[0].get()), ca->sha256_hex());
    EXPECT_FALSE(parsed->has_key());
    const auto key = leaf->key_pem();
    ASSERT_TRUE(parsed->attach_key_pem(key.span(), "leaf.key.pem"));
    EXPECT_TRUE(parsed->has_key());

    const auto info = parsed->info();
    EXPECT_EQ(info.subject, "CN=server.example.com,O=Example Password Server");
    EXPECT_EQ(info.key_algorithm, "EC");
    EXPECT_EQ(info.key_curve, "P-256");
    EXPECT_EQ(info.sha256_hex.size(), 64u);
    EXPECT_EQ(info.sha1_hex.size(), 40u);
    EXPECT_EQ(info.subject_alt_names,
              (std::vector<std::string>{"DNS:server.example.com", "DNS:alt.example.com"}));
    EXPECT_LT(info.not_before, info.not_after);
}

TEST(Certificate, RejectsAKeyOfAnotherCertificate) {
    auto a = samples::make_certificate({});
    auto b = samples::make_certificate({});
    ASSERT_TRUE(a && b);
    const std::string pem = a->certificate_pem();
    auto parsed = Certificate::from_pem(
        std::span(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size()), "a.pem");
    ASSERT_TRUE(parsed);
    auto r = parsed->attach_key_pem(b->key_pem().span(), "b.key.pem");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(r.error().message.find("b.key.pem"), std::string::npos);
    EXPECT_NE(r.error().message.find("does not belong"), std::string::npos);
}

// The DER of `key`'s PrivateKeyInfo as OpenSSL encodes it, with an attribute if `attribute`
// (which OpenSSL's encoder never writes), then `extra` zero bytes.
SecureBuffer private_key_info_der(EVP_PKEY* key, bool attribute = false, std::size_t extra = 0) {
    ossl::Pkcs8PrivKeyInfoPtr pkcs8(EVP_PKEY2PKCS8(key));
    const char* csp = "certbackup test CSP";
    if (attribute)
        PKCS8_pkey_add1_attr_by_NID(pkcs8.get(), NID_ms_csp_name, MBSTRING_ASC,
                                    reinterpret_cast<const unsigned char*>(csp), -1);
    unsigned char* der = nullptr;
    const int length = i2d_PKCS8_PRIV_KEY_INFO(pkcs8.get(), &der);
    SecureBuffer out(static_cast<std::size_t>(length) + extra);
    std::copy(der, der + length, out.data());
    OPENSSL_clear_free(der, static_cast<std::size_t>(length));
    return out;
}

std::string pem_of_private_key_info(const SecureBuffer& der) {
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio(bio.get(), "PRIVATE KEY", "", der.data(), static_cast<long>(der.size()));
    char* text = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &text);
    return std::string(text, static_cast<std::size_t>(length));
}

TEST(Certificate, AKeysDerIsWrittenAsItsKeyPemUntilAKeyIsAttached) {
    auto leaf = samples::make_certificate(CertificateSpec{});
    ASSERT_TRUE(leaf) << leaf.error().message;
    // OpenSSL's own encoding: the same text its encoder writes.
    auto canonical = Certificate::create(ossl::share(leaf->leaf()), ossl::share(leaf->key()), {},
                                         "", private_key_info_der(leaf->key()));
    ASSERT_TRUE(canonical) << canonical.error().message;
    EXPECT_EQ(canonical->key_pem().view(), leaf->key_pem().view());

    // Another encoding of the same key is written as it is, by clones too.
    const SecureBuffer with_attribute = private_key_info_der(leaf->key(), true);
    auto held = Certificate::create(ossl::share(leaf->leaf()), ossl::share(leaf->key()), {}, "",
                                    with_attribute.clone());
    ASSERT_TRUE(held) << held.error().message;
    EXPECT_EQ(held->key_pem().view(), pem_of_private_key_info(with_attribute));
    EXPECT_NE(held->key_pem().view(), leaf->key_pem().view());
    EXPECT_EQ(held->clone().key_pem().view(), pem_of_private_key_info(with_attribute));

    // A key attached from PEM replaces it, and is encoded.
    const SecureBuffer leaf_key = leaf->key_pem();
    ASSERT_TRUE(held->attach_key_pem(leaf_key.span(), "leaf.key.pem"));
    EXPECT_EQ(held->key_pem().view(), leaf->key_pem().view());
}

TEST(Certificate, AKeyDerThatIsNotOnePrivateKeyInfoOrHasNoKeyIsRefused) {
    auto leaf = samples::make_certificate(CertificateSpec{});
    ASSERT_TRUE(leaf) << leaf.error().message;
    auto trailing = Certificate::create(ossl::share(leaf->leaf()), ossl::share(leaf->key()), {}, "",
                                        private_key_info_der(leaf->key(), false, 1));
    ASSERT_FALSE(trailing);
    EXPECT_EQ(trailing.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(trailing.error().message.find(leaf->sha256_hex()), std::string::npos);
    auto keyless = Certificate::create(ossl::share(leaf->leaf()), nullptr, {}, "",
                                       private_key_info_der(leaf->key()));
    ASSERT_FALSE(keyless);
    EXPECT_EQ(keyless.error().code, ErrorCode::invalid_argument);
}

TEST(Certificate, GarbageIsCorruptAndNamesTheFile) {
    const std::string text = "not a certificate";
    auto r = Certificate::from_pem(
        std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), "x.pem");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::corrupt);
    EXPECT_NE(r.error().message.find("x.pem"), std::string::npos);
}

TEST(Certificate, RsaKeysReportTheirSize) {
    CertificateSpec spec;
    spec.key_type = KeyType::rsa2048;
    auto c = samples::make_certificate(spec);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->info().key_algorithm, "RSA");
    EXPECT_EQ(c->info().key_bits, 2048);
}

}  // namespace
}  // namespace certbackup
