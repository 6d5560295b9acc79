#include "certbackup/base/kdf.hpp"

#include <gtest/gtest.h>

#include <string>

#include "certbackup/base/ossl.hpp"

namespace certbackup {
namespace {

std::vector<std::uint8_t> from_hex(std::string_view hex) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(
            static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

std::span<const std::uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// RFC 7914 section 11 (PBKDF2-HMAC-SHA256 test vectors).
TEST(Kdf, Pbkdf2MatchesRfc7914Vectors) {
    auto one = kdf::pbkdf2_hmac_sha256("passwd", bytes("salt"), 1, 64);
    ASSERT_TRUE(one) << one.error().message;
    EXPECT_EQ(ossl::to_hex(one->span()),
              "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
              "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
    auto many = kdf::pbkdf2_hmac_sha256("Password", bytes("NaCl"), 80000, 64);
    ASSERT_TRUE(many) << many.error().message;
    EXPECT_EQ(ossl::to_hex(many->span()),
              "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
              "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
}

TEST(Kdf, Pbkdf2RefusesZeroIterations) {
    auto r = kdf::pbkdf2_hmac_sha256("pw", bytes("0123456789abcdef"), 0, 32);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
}

// RFC 5869 test case 1, expand step (PRK given).
TEST(Kdf, HkdfExpandMatchesRfc5869) {
    const SecureBuffer prk(
        from_hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"));
    const auto info = from_hex("f0f1f2f3f4f5f6f7f8f9");
    auto okm = kdf::hkdf_sha256_expand(
        prk, std::string_view(reinterpret_cast<const char*>(info.data()), info.size()), 42);
    ASSERT_TRUE(okm) << okm.error().message;
    EXPECT_EQ(ossl::to_hex(okm->span()),
              "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b8871858"
              "65");
}

TEST(Kdf, HkdfLabelsGiveIndependentSubkeys) {
    const SecureBuffer key(
        from_hex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"));
    auto a = kdf::hkdf_sha256_expand(key, "certbackup v1 manifest mac", 32);
    auto b = kdf::hkdf_sha256_expand(key, "certbackup v1 password check", 32);
    ASSERT_TRUE(a && b);
    EXPECT_NE(ossl::to_hex(a->span()), ossl::to_hex(b->span()));
}

// RFC 4231 test case 2.
TEST(Kdf, HmacSha256MatchesRfc4231) {
    const SecureBuffer key(std::string_view("Jefe"));
    auto mac = kdf::hmac_sha256(key, bytes("what do ya want for nothing?"));
    ASSERT_TRUE(mac) << mac.error().message;
    EXPECT_EQ(ossl::to_hex(*mac),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Kdf, ConstantTimeCompare) {
    const std::vector<std::uint8_t> a{1, 2, 3, 4};
    std::vector<std::uint8_t> b = a;
    EXPECT_TRUE(kdf::equal_constant_time(a, b));
    b[3] ^= 1;
    EXPECT_FALSE(kdf::equal_constant_time(a, b));
    EXPECT_FALSE(kdf::equal_constant_time(a, std::span(a).first(3)));
    EXPECT_TRUE(kdf::equal_constant_time({}, {}));
}

}  // namespace
}  // namespace certbackup
