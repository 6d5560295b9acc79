#include "core/certificate.hpp"

#include <gtest/gtest.h>

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
