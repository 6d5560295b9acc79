// PKCS#12 import of files in shapes no honest producer writes: every refusal of
// core/pkcs12_import.cpp and its work bound (pkcs12_work.cpp) reached, with the file named and
// the documented error code. The files are assembled here through OpenSSL's API, or byte by
// byte (DER) where OpenSSL cannot make them; none needs a costly key derivation to be made.
#include <gtest/gtest.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "core/pkcs12.hpp"
#include "core/pkcs12_algorithms.hpp"
#include "pkcs12_fixtures.hpp"

namespace certbackup {
namespace {

namespace fx = certbackup::pkcs12_testing;
using fx::kAsciiPassword;
using fx::kTestIterations;
using Bytes = std::vector<std::uint8_t>;

// ---------------------------------------------------------------------------------------------
// DER, for the structures OpenSSL will not build.

Bytes tlv(std::uint8_t tag, const Bytes& content) {
    Bytes out{tag};
    std::size_t n = content.size();
    if (n < 0x80) {
        out.push_back(static_cast<std::uint8_t>(n));
    } else {
        Bytes length;
        for (; n > 0; n >>= 8)
            length.insert(length.begin(), static_cast<std::uint8_t>(n & 0xFF));
        out.push_back(static_cast<std::uint8_t>(0x80 | length.size()));
        out.insert(out.end(), length.begin(), length.end());
    }
    out.insert(out.end(), content.begin(), content.end());
    return out;
}

Bytes sequence(std::initializer_list<Bytes> parts) {
    Bytes content;
    for (const Bytes& part : parts)
        content.insert(content.end(), part.begin(), part.end());
    return tlv(0x30, content);
}

Bytes explicit0(const Bytes& content) {
    return tlv(0xA0, content);
}

Bytes oid(const char* dotted) {
    std::unique_ptr<ASN1_OBJECT, ossl::Deleter<ASN1_OBJECT, ASN1_OBJECT_free>> object(
        OBJ_txt2obj(dotted, 1));
    EXPECT_TRUE(object) << dotted;
    unsigned char* der = nullptr;
    const int length = i2d_ASN1_OBJECT(object.get(), &der);
    ossl::OpenSslBytePtr owned(der);
    return Bytes(der, der + length);
}

// The DER of an OpenSSL object through its i2d function.
template <typename T>
Bytes der_with(int (*i2d)(const T*, unsigned char**), const T* object) {
    unsigned char* der = nullptr;
    const int length = i2d(object, &der);
    ossl::OpenSslBytePtr owned(der);
    EXPECT_GT(length, 0) << ossl::drain_errors();
    return Bytes(der, der + std::max(length, 0));
}

Bytes der_of(PKCS12* p12) {
    return der_with(i2d_PKCS12, p12);
}

Bytes der_of(PKCS7* p7) {
    return der_with(i2d_PKCS7, p7);
}

Bytes der_of(X509* certificate) {
    return der_with(i2d_X509, certificate);
}

PKCS12_SAFEBAG* bag_from_der(const Bytes& der) {
    const unsigned char* cursor = der.data();
    PKCS12_SAFEBAG* bag = d2i_PKCS12_SAFEBAG(nullptr, &cursor, static_cast<long>(der.size()));
    EXPECT_NE(bag, nullptr) << ossl::drain_errors();
    return bag;
}

// RFC 7292 bag types and the certificate types of a certBag.
constexpr const char* kCertBagOid = "1.2.840.113549.1.12.10.1.3";
constexpr const char* kSafeContentsBagOid = "1.2.840.113549.1.12.10.1.6";
constexpr const char* kX509CertificateOid = "1.2.840.113549.1.9.22.1";
constexpr const char* kSdsiCertificateOid = "1.2.840.113549.1.9.22.2";

// A certBag holding `value` (the [0] EXPLICIT content) as a certificate of type `type`.
Bytes cert_bag_der(const char* type, const Bytes& value) {
    return sequence({oid(kCertBagOid), explicit0(sequence({oid(type), explicit0(value)}))});
}

// ---------------------------------------------------------------------------------------------
// Bags, safes and files through OpenSSL's API.

using Bags = std::vector<PKCS12_SAFEBAG*>;  // owned until a safe is made of them

ossl::Pkcs12SafeBagStackPtr stack_of(const Bags& bags) {
    ossl::Pkcs12SafeBagStackPtr stack(sk_PKCS12_SAFEBAG_new_null());
    for (PKCS12_SAFEBAG* bag : bags)
        sk_PKCS12_SAFEBAG_push(stack.get(), bag);
    return stack;
}

PKCS7* plain_safe(const Bags& bags) {
    auto stack = stack_of(bags);
    PKCS7* safe = PKCS12_pack_p7data(stack.get());
    EXPECT_NE(safe, nullptr) << ossl::drain_errors();
    return safe;
}

PKCS7* encrypted_safe(const Bags& bags, std::string_view password) {
    auto stack = stack_of(bags);
    const std::string pass(password);
    PKCS7* safe = PKCS12_pack_p7encdata_ex(NID_aes_256_cbc, pass.c_str(), -1, nullptr, 16,
                                           kTestIterations, stack.get(), nullptr, nullptr);
    EXPECT_NE(safe, nullptr) << ossl::drain_errors();
    return safe;
}

// The safes (taken over) as a PFX with a SHA-256 MAC under `mac_password` (none when null).
Bytes pfx_of(std::initializer_list<PKCS7*> safes,
             std::optional<std::string_view> mac_password = kAsciiPassword) {
    ossl::Pkcs7StackPtr stack(sk_PKCS7_new_null());
    for (PKCS7* safe : safes)
        sk_PKCS7_push(stack.get(), safe);
    ossl::Pkcs12Ptr p12(PKCS12_add_safes_ex(stack.get(), 0, nullptr, nullptr));
    EXPECT_TRUE(p12) << ossl::drain_errors();
    if (mac_password) {
        const std::string pass(*mac_password);
        EXPECT_EQ(
            PKCS12_set_mac(p12.get(), pass.c_str(), -1, nullptr, 16, kTestIterations, EVP_sha256()),
            1);
    }
    return der_of(p12.get());
}

// PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) with `iterations`: nothing is derived to make it.
X509_ALGOR* pbes2(int iterations) {
    unsigned char salt[16] = {9};
    unsigned char iv[16] = {};
    return PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), iterations, salt, sizeof salt, iv,
                             NID_hmacWithSHA256);
}

// A shrouded key bag whose algorithm is `algorithm` (taken over) and whose ciphertext is
// random: import must refuse it, or fail to decrypt it, without a usable key inside.
PKCS12_SAFEBAG* crafted_shrouded_key(X509_ALGOR* algorithm) {
    ossl::X509AlgorPtr owned(algorithm);
    ossl::X509SigPtr sig(X509_SIG_new());
    X509_ALGOR* sig_algorithm = nullptr;
    ASN1_OCTET_STRING* sig_data = nullptr;
    X509_SIG_getm(sig.get(), &sig_algorithm, &sig_data);
    Bytes ciphertext(256);
    EXPECT_TRUE(ossl::random_bytes(ciphertext));
    EXPECT_EQ(X509_ALGOR_copy(sig_algorithm, owned.get()), 1);
    EXPECT_EQ(
        ASN1_OCTET_STRING_set(sig_data, ciphertext.data(), static_cast<int>(ciphertext.size())), 1);
    return PKCS12_SAFEBAG_create0_pkcs8(sig.release());
}

// The key of `certificate` in a shrouded key bag encrypted under `password`.
PKCS12_SAFEBAG* shrouded_key(const Certificate& certificate, std::string_view password) {
    ossl::Pkcs8PrivKeyInfoPtr pkcs8(EVP_PKEY2PKCS8(certificate.key()));
    const std::string pass(password);
    PKCS12_SAFEBAG* bag =
        PKCS12_SAFEBAG_create_pkcs8_encrypt_ex(NID_aes_256_cbc, pass.c_str(), -1, nullptr, 0,
                                               kTestIterations, pkcs8.get(), nullptr, nullptr);
    EXPECT_NE(bag, nullptr) << ossl::drain_errors();
    return bag;
}

class Pkcs12ImportRefusal : public ::testing::Test {
  protected:
    PKCS12_SAFEBAG* cert_bag() const { return PKCS12_SAFEBAG_create_cert(leaf_.leaf()); }

    // Imports `pfx` as "<name>.pfx" with the test password; the refusal must carry `code` and
    // name the file and every one of `expected`.
    void expect_refused(const Bytes& pfx, const std::string& name, ErrorCode code,
                        std::initializer_list<const char*> expected) const {
        const std::string origin = name + ".pfx";
        auto r = import_pkcs12(pfx, kAsciiPassword, origin);
        ASSERT_FALSE(r) << origin << " was accepted";
        EXPECT_EQ(r.error().code, code) << r.error().message;
        EXPECT_NE(r.error().message.find(origin), std::string::npos) << r.error().message;
        for (const char* text : expected)
            EXPECT_NE(r.error().message.find(text), std::string::npos)
                << "'" << text << "' in: " << r.error().message;
    }

    Certificate ca_ = fx::make_ca("Refusal CA");
    Certificate leaf_ = fx::make_leaf("refusal.example.com", &ca_, "refusal leaf");
};

// The over-limit count as import prints it.
const std::string kOverLimit = std::to_string(pkcs12_detail::kMaxIterations + 1);

TEST_F(Pkcs12ImportRefusal, AnEncryptedSafeOverTheIterationLimitIsRefusedBeforeAnyDerivation) {
    PKCS7* safe = encrypted_safe({cert_bag()}, kAsciiPassword);
    X509_ALGOR_free(safe->d.encrypted->enc_data->algorithm);
    safe->d.encrypted->enc_data->algorithm = pbes2(pkcs12_detail::kMaxIterations + 1);
    expect_refused(pfx_of({safe}), "slow-safe", ErrorCode::corrupt,
                   {"the file's encrypted contents", kOverLimit.c_str()});
}

TEST_F(Pkcs12ImportRefusal, AShroudedKeyOverTheIterationLimitIsRefusedBeforeAnyDerivation) {
    const Bytes pfx = pfx_of(
        {plain_safe({crafted_shrouded_key(pbes2(pkcs12_detail::kMaxIterations + 1)), cert_bag()})});
    expect_refused(pfx, "slow-key", ErrorCode::corrupt, {"a private key", kOverLimit.c_str()});
}

TEST_F(Pkcs12ImportRefusal, AShroudedKeyInsideAnEncryptedSafeIsBoundedWhenFound) {
    // The plan cannot see into an encrypted safe: the walk charges the key when it finds it.
    const Bytes pfx = pfx_of({encrypted_safe(
        {crafted_shrouded_key(pbes2(pkcs12_detail::kMaxIterations + 1)), cert_bag()},
        kAsciiPassword)});
    expect_refused(pfx, "hidden-slow-key", ErrorCode::corrupt,
                   {"a private key", kOverLimit.c_str()});
}

TEST_F(Pkcs12ImportRefusal, SafeContentsNestedBeyondEightLevelsAreRefused) {
    const auto nested = [&](int levels) {
        Bytes bag = der_of(leaf_.leaf());
        bag = cert_bag_der(kX509CertificateOid, tlv(0x04, bag));
        for (int i = 0; i < levels; ++i)
            bag = sequence({oid(kSafeContentsBagOid), explicit0(sequence({bag}))});
        return pfx_of({plain_safe({bag_from_der(bag)})});
    };
    // Eight levels are read: the certificate inside is found.
    auto eight = import_pkcs12(nested(8), kAsciiPassword, "eight.pfx");
    ASSERT_TRUE(eight) << eight.error().message;
    ASSERT_EQ(eight->certificates.size(), 1u);
    EXPECT_EQ(eight->certificates[0].sha256_hex(), leaf_.sha256_hex());
    expect_refused(nested(9), "nine", ErrorCode::corrupt, {"nested too deeply"});
}

TEST_F(Pkcs12ImportRefusal, PublicKeyIntegrityModeIsUnsupported) {
    // PFX { version 3, authSafe: signedData over the safes } (RFC 7292 §4): OpenSSL writes no
    // such file, so it is put together from a signedData made by PKCS7_sign.
    const Bytes safes = [&] {
        ossl::Pkcs7StackPtr stack(sk_PKCS7_new_null());
        sk_PKCS7_push(stack.get(), plain_safe({cert_bag()}));
        unsigned char* der = nullptr;
        const int length = ASN1_item_i2d(reinterpret_cast<ASN1_VALUE*>(stack.get()), &der,
                                         ASN1_ITEM_rptr(PKCS12_AUTHSAFES));
        ossl::OpenSslBytePtr owned(der);
        return Bytes(der, der + length);
    }();
    ossl::BioPtr content(BIO_new_mem_buf(safes.data(), static_cast<int>(safes.size())));
    ossl::Pkcs7Ptr signed_data(
        PKCS7_sign(leaf_.leaf(), leaf_.key(), nullptr, content.get(), PKCS7_BINARY));
    ASSERT_TRUE(signed_data) << ossl::drain_errors();
    const Bytes pfx = sequence({tlv(0x02, {3}), der_of(signed_data.get())});
    expect_refused(pfx, "signed", ErrorCode::unsupported, {"public-key integrity mode"});
}

TEST_F(Pkcs12ImportRefusal, PublicKeyPrivacyModeAndUnknownSafeTypesAreUnsupported) {
    const auto bags_der = [&] {
        auto stack = stack_of({cert_bag()});
        unsigned char* der = nullptr;
        const int length = ASN1_item_i2d(reinterpret_cast<ASN1_VALUE*>(stack.get()), &der,
                                         ASN1_ITEM_rptr(PKCS12_SAFEBAGS));
        ossl::OpenSslBytePtr owned(der);
        return Bytes(der, der + length);
    }();
    // PKCS#7 enveloping needs an RSA recipient.
    const Certificate recipient =
        fx::make_leaf("recipient.example.com", &ca_, {}, samples::KeyType::rsa2048);
    ossl::X509StackPtr recipients(sk_X509_new_null());
    X509_up_ref(recipient.leaf());
    sk_X509_push(recipients.get(), recipient.leaf());
    ossl::BioPtr content(BIO_new_mem_buf(bags_der.data(), static_cast<int>(bags_der.size())));
    PKCS7* enveloped =
        PKCS7_encrypt(recipients.get(), content.get(), EVP_aes_256_cbc(), PKCS7_BINARY);
    ASSERT_NE(enveloped, nullptr) << ossl::drain_errors();
    expect_refused(pfx_of({plain_safe({cert_bag()}), enveloped}), "enveloped",
                   ErrorCode::unsupported, {"public-key privacy mode", "re-export"});

    ossl::BioPtr again(BIO_new_mem_buf(bags_der.data(), static_cast<int>(bags_der.size())));
    PKCS7* signed_safe = PKCS7_sign(leaf_.leaf(), leaf_.key(), nullptr, again.get(), PKCS7_BINARY);
    ASSERT_NE(signed_safe, nullptr) << ossl::drain_errors();
    expect_refused(pfx_of({signed_safe}), "odd-safe", ErrorCode::unsupported,
                   {"a safe of unknown type", "pkcs7-signedData"});
}

TEST_F(Pkcs12ImportRefusal, APasswordThatPassesTheMacButDoesNotDecryptSaysSo) {
    // Safes encrypted under one password, the MAC computed with another (a file made with a
    // separate encryption password): the MAC password is right, and still nothing opens.
    expect_refused(pfx_of({encrypted_safe({cert_bag()}, "another password")}), "split-safe",
                   ErrorCode::wrong_password,
                   {"passes the file's integrity check", "the file's encrypted contents"});
    expect_refused(pfx_of({plain_safe({shrouded_key(leaf_, "another password"), cert_bag()})}),
                   "split-key", ErrorCode::wrong_password,
                   {"passes the file's integrity check", "a private key"});
    // Without a MAC, the same file is a plain wrong password.
    expect_refused(pfx_of({encrypted_safe({cert_bag()}, "another password")}, std::nullopt),
                   "no-mac", ErrorCode::wrong_password,
                   {"wrong password", "the file's encrypted contents"});
}

TEST_F(Pkcs12ImportRefusal, MalformedSafesAndBagsAreCorrupt) {
    {
        // A data safe whose octets are no SafeContents.
        ossl::Pkcs7Ptr safe(PKCS7_new());
        ASSERT_EQ(PKCS7_set_type(safe.get(), NID_pkcs7_data), 1);
        const unsigned char junk[] = {0x30, 0x03, 0x02, 0x01};
        ASSERT_EQ(ASN1_OCTET_STRING_set(safe->d.data, junk, sizeof junk), 1);
        expect_refused(pfx_of({safe.release()}), "junk-safe", ErrorCode::corrupt,
                       {"a safe in the file is malformed"});
    }
    {
        // An encrypted safe that names its algorithm but carries no ciphertext.
        ossl::Pkcs7Ptr safe(PKCS7_new());
        ASSERT_EQ(PKCS7_set_type(safe.get(), NID_pkcs7_encrypted), 1);
        X509_ALGOR_free(safe->d.encrypted->enc_data->algorithm);
        safe->d.encrypted->enc_data->algorithm = pbes2(kTestIterations);
        expect_refused(pfx_of({safe.release()}), "empty-safe", ErrorCode::corrupt,
                       {"an encrypted safe in the file has no content"});
    }
    // An X.509 certBag whose certificate is not DER.
    expect_refused(
        pfx_of({plain_safe(
            {bag_from_der(cert_bag_der(kX509CertificateOid, tlv(0x04, {0x30, 0x01, 0x00})))})}),
        "junk-certificate", ErrorCode::corrupt, {"a certificate in the file is malformed"});
    // AuthenticatedSafe octets that are no sequence of safes.
    const Bytes junk_contents = sequence(
        {tlv(0x02, {3}),
         sequence({oid("1.2.840.113549.1.7.1"), explicit0(tlv(0x04, {0x04, 0x01, 0x00}))})});
    expect_refused(junk_contents, "junk-contents", ErrorCode::corrupt,
                   {"the contents of the file are malformed"});
}

// A plain keyBag whose PrivateKeyInfo names `algorithm` (with `parameter`, an OID, or NULL
// when empty) and carries `key` as its private key octets.
PKCS12_SAFEBAG* key_bag(const char* algorithm, const char* parameter, const Bytes& key) {
    ossl::Pkcs8PrivKeyInfoPtr pkcs8(PKCS8_PRIV_KEY_INFO_new());
    auto* octets = static_cast<unsigned char*>(OPENSSL_malloc(key.size()));
    std::copy(key.begin(), key.end(), octets);
    const bool named = parameter != nullptr;
    EXPECT_EQ(PKCS8_pkey_set0(pkcs8.get(), OBJ_txt2obj(algorithm, 1), 0,
                              named ? V_ASN1_OBJECT : V_ASN1_NULL,
                              named ? OBJ_txt2obj(parameter, 1) : nullptr, octets,
                              static_cast<int>(key.size())),
              1);
    PKCS12_SAFEBAG* bag = PKCS12_SAFEBAG_create0_p8inf(pkcs8.get());
    EXPECT_NE(bag, nullptr) << ossl::drain_errors();
    (void)pkcs8.release();  // the bag owns it now
    return bag;
}

TEST_F(Pkcs12ImportRefusal, AKeyOfAKnownTypeThatDoesNotDecodeIsMalformedNotUnsupported) {
    // OpenSSL 3's decoders call both cases "unsupported"; the administrator needs to know
    // whether the file is damaged or this OpenSSL lacks an algorithm.
    constexpr const char* kRsa = "1.2.840.113549.1.1.1";
    constexpr const char* kEcPublicKey = "1.2.840.10045.2.1";
    const Bytes not_an_rsa_key = sequence({tlv(0x02, {1}), tlv(0x04, {0x00})});
    expect_refused(pfx_of({plain_safe({key_bag(kRsa, nullptr, not_an_rsa_key), cert_bag()})}),
                   "junk-key", ErrorCode::corrupt,
                   {"a private key (rsaEncryption) in the file is malformed"});

    expect_refused(
        pfx_of({plain_safe({key_bag("1.3.6.1.4.1.99999.1", nullptr, {0x05, 0x00}), cert_bag()})}),
        "unknown-key", ErrorCode::unsupported,
        {"a private key of type unknown algorithm 1.3.6.1.4.1.99999.1 cannot be used"});

    // An EC key on a named curve no OpenSSL knows: the curve, not the file, is the problem.
    Bytes scalar(32, 0x11);
    const Bytes ec_key = sequence({tlv(0x02, {1}), tlv(0x04, scalar)});
    expect_refused(
        pfx_of({plain_safe({key_bag(kEcPublicKey, "1.3.6.1.4.1.99999.2", ec_key), cert_bag()})}),
        "unknown-curve", ErrorCode::unsupported, {"cannot be used with this OpenSSL"});
}

TEST_F(Pkcs12ImportRefusal, AKeyThatFailsToDecodeDoesNotSpoilTheNextFileOnTheSameThread) {
    // Each thread keeps one key decoder chain for every file it imports: a failed decode must
    // leave it able to decode the next file's key.
    const Bytes not_an_rsa_key = sequence({tlv(0x02, {1}), tlv(0x04, {0x00})});
    for (int round = 0; round < 2; ++round) {
        expect_refused(pfx_of({plain_safe({key_bag("1.2.840.113549.1.1.1", nullptr, not_an_rsa_key),
                                           cert_bag()})}),
                       "junk-key", ErrorCode::corrupt, {"is malformed"});
        auto pfx = export_pkcs12(leaf_, kAsciiPassword, Pkcs12Profile::compat());
        ASSERT_TRUE(pfx) << pfx.error().message;
        auto good = import_pkcs12(*pfx, kAsciiPassword, "good.pfx", /*require_private_key=*/true);
        ASSERT_TRUE(good) << good.error().message;
        ASSERT_EQ(good->certificates.size(), 1u);
        EXPECT_TRUE(key_matches(good->certificates[0].leaf(), good->certificates[0].key()));
    }
}

TEST_F(Pkcs12ImportRefusal, CertificateBagsOfOtherTypesAreIgnoredAndListed) {
    const Bytes pfx = pfx_of({plain_safe(
        {bag_from_der(cert_bag_der(kSdsiCertificateOid, tlv(0x16, {'s', 'd', 's', 'i'}))),
         cert_bag()})});
    auto r = import_pkcs12(pfx, kAsciiPassword, "sdsi.pfx");
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->certificates.size(), 1u);
    EXPECT_EQ(r->certificates[0].sha256_hex(), leaf_.sha256_hex());
    ASSERT_EQ(r->ignored_items.size(), 1u);
    EXPECT_EQ(r->ignored_items[0], "a certificate of type sdsiCertificate");
}

}  // namespace
}  // namespace certbackup
