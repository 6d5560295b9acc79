// The streamed bundle export hands out the buffers its safes were built in (Pkcs12File), in
// both profiles: the certificates' safe is encrypted where it was built, so its ciphertext is a
// piece of its own, never copied into one buffer with its header (pkcs12_pfx_layout.hpp).
#include <gtest/gtest.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/pkcs12.hpp"
#include "pkcs12_fixtures.hpp"

namespace certbackup {
namespace {

namespace fx = certbackup::pkcs12_testing;

class Pkcs12ExportPieces : public ::testing::TestWithParam<Pkcs12ProfileName> {
  protected:
    Pkcs12Profile profile() const {
        return GetParam() == Pkcs12ProfileName::modern ? Pkcs12Profile::modern(fx::kTestIterations)
                                                       : Pkcs12Profile::compat(fx::kTestIterations);
    }
};

// The ciphertext of the certificates' safe (the first ContentInfo of the AuthenticatedSafe),
// read back through OpenSSL's parser.
std::vector<std::uint8_t> certificate_safe_ciphertext(const std::vector<std::uint8_t>& pfx) {
    const unsigned char* p = pfx.data();
    ossl::Pkcs12Ptr decoded(d2i_PKCS12(nullptr, &p, static_cast<long>(pfx.size())));
    EXPECT_TRUE(decoded);
    if (!decoded)
        return {};
    ossl::Pkcs7StackPtr safes(PKCS12_unpack_authsafes(decoded.get()));
    EXPECT_TRUE(safes && sk_PKCS7_num(safes.get()) == 2);
    if (!safes || sk_PKCS7_num(safes.get()) == 0)
        return {};
    const PKCS7* first = sk_PKCS7_value(safes.get(), 0);
    EXPECT_EQ(OBJ_obj2nid(first->type), NID_pkcs7_encrypted);
    if (OBJ_obj2nid(first->type) != NID_pkcs7_encrypted)
        return {};
    const ASN1_OCTET_STRING* ciphertext = first->d.encrypted->enc_data->enc_data;
    const unsigned char* data = ASN1_STRING_get0_data(ciphertext);
    return std::vector<std::uint8_t>(data, data + ASN1_STRING_length(ciphertext));
}

TEST_P(Pkcs12ExportPieces, CertificateSafeIsEncryptedInTheBufferItWasBuiltIn) {
    const Certificate ca = fx::make_ca("Pieces CA");
    std::vector<Certificate> certificates;
    for (int i = 0; i < 30; ++i)
        certificates.push_back(fx::make_leaf("piece" + std::to_string(i) + ".example.com", &ca,
                                             "piece " + std::to_string(i)));
    auto keys = Pkcs12ExportKeys::start(fx::kAsciiPassword, profile());
    ASSERT_TRUE(keys) << keys.error().message;
    auto file = export_pkcs12_bundle(
        certificates.size(),
        [&](std::size_t i) -> Result<Certificate> { return certificates[i].clone(); },
        std::move(*keys));
    ASSERT_TRUE(file) << file.error().message;

    std::vector<std::vector<std::uint8_t>> pieces;
    for (const auto piece : file->pieces())
        pieces.emplace_back(piece.begin(), piece.end());
    const std::vector<std::uint8_t> pfx = std::move(*file).join();
    const std::vector<std::uint8_t> ciphertext = certificate_safe_ciphertext(pfx);
    ASSERT_GT(ciphertext.size(), 30u * 300u) << "30 certificates and their CA";
    EXPECT_NE(std::find(pieces.begin(), pieces.end(), ciphertext), pieces.end())
        << "the certificates' ciphertext is not a piece of its own: it was copied";

    auto contents = import_pkcs12(pfx, fx::kAsciiPassword, "pieces.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    EXPECT_EQ(contents->certificates.size(), certificates.size());
}

INSTANTIATE_TEST_SUITE_P(Profiles, Pkcs12ExportPieces,
                         ::testing::Values(Pkcs12ProfileName::modern, Pkcs12ProfileName::compat),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace certbackup
