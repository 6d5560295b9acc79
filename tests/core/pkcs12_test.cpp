// PKCS#12 export and import against real OpenSSL: round trips in both profiles, the file layout
// each profile promises (read back through OpenSSL's own parser), error classification, and
// files in shapes certbackup never writes. The CLI peers are in pkcs12_interop_test.cpp.
#include "core/pkcs12.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

#include "core/unicode_text.hpp"
#include "pkcs12_fixtures.hpp"

namespace certbackup {
namespace {

namespace fx = certbackup::pkcs12_testing;
using fx::kAsciiPassword;
using fx::kNonAsciiPassword;
using fx::kTestIterations;

// ---------------------------------------------------------------------------------------------
// Reading a PFX's layout with OpenSSL's parser, independently of import_pkcs12.

using Pbe2ParamPtr = std::unique_ptr<PBE2PARAM, ossl::Deleter<PBE2PARAM, PBE2PARAM_free>>;
using Pbkdf2ParamPtr = std::unique_ptr<PBKDF2PARAM, ossl::Deleter<PBKDF2PARAM, PBKDF2PARAM_free>>;
using PbeParamPtr = std::unique_ptr<PBEPARAM, ossl::Deleter<PBEPARAM, PBEPARAM_free>>;

struct PbeParameters {
    int scheme = NID_undef;  // NID_pbes2 or a PKCS#12 PBE such as 3DES
    int prf = NID_undef;     // PBES2 only
    int cipher = NID_undef;  // PBES2 only
    int salt_length = 0;
    std::string salt_hex;
    long iterations = 0;
};

PbeParameters read_pbe(const X509_ALGOR* algorithm) {
    PbeParameters out;
    const ASN1_TYPE* type = algorithm->parameter;
    out.scheme = OBJ_obj2nid(algorithm->algorithm);
    if (out.scheme == NID_pbes2) {
        Pbe2ParamPtr pbe2(
            static_cast<PBE2PARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), type)));
        if (!pbe2)
            return out;
        out.cipher = OBJ_obj2nid(pbe2->encryption->algorithm);
        Pbkdf2ParamPtr kdf(static_cast<PBKDF2PARAM*>(
            ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter)));
        if (!kdf)
            return out;
        out.prf = kdf->prf != nullptr ? OBJ_obj2nid(kdf->prf->algorithm) : NID_hmacWithSHA1;
        out.salt_length = kdf->salt->type == V_ASN1_OCTET_STRING
                              ? ASN1_STRING_length(kdf->salt->value.octet_string)
                              : -1;
        if (out.salt_length > 0)
            out.salt_hex = ossl::to_hex(
                std::span(ASN1_STRING_get0_data(kdf->salt->value.octet_string), out.salt_length));
        out.iterations = ASN1_INTEGER_get(kdf->iter);
        return out;
    }
    PbeParamPtr pbe(
        static_cast<PBEPARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), type)));
    if (pbe) {
        out.salt_length = ASN1_STRING_length(pbe->salt);
        out.iterations = ASN1_INTEGER_get(pbe->iter);
    }
    return out;
}

struct BagSummary {
    std::string certificate_sha256;  // certBags only
    std::string friendly_name;
    std::vector<std::uint8_t> friendly_name_bmp;  // the BMPString's bytes
    std::string local_key_id_hex;
};

struct PfxLayout {
    std::vector<PbeParameters> encrypted_safes;
    int plain_safes = 0;
    std::vector<PbeParameters> shrouded_keys;
    int plain_keys = 0;
    std::vector<BagSummary> certificates;
    std::vector<BagSummary> keys;
    int mac_digest = NID_undef;
    int mac_salt_length = 0;
    long mac_iterations = 0;

    // Each encrypted safe and each shrouded key bag costs one password-based key derivation to
    // a reader that derives per structure (openssl, Java).
    std::size_t key_derivations() const { return encrypted_safes.size() + shrouded_keys.size(); }
    // What it costs a reader that caches derived keys: one per distinct PBES2 salt, iteration
    // count and PRF, plus one per non-PBES2 structure.
    std::size_t cached_key_derivations() const {
        std::set<std::tuple<std::string, long, int>> distinct;
        std::size_t others = 0;
        for (const auto* list : {&encrypted_safes, &shrouded_keys})
            for (const PbeParameters& p : *list) {
                if (p.scheme == NID_pbes2)
                    distinct.emplace(p.salt_hex, p.iterations, p.prf);
                else
                    ++others;
            }
        return distinct.size() + others;
    }
};

BagSummary summarize(PKCS12_SAFEBAG* bag) {
    BagSummary out;
    // Not PKCS12_get_friendlyname: OPENSSL_uni2utf8 behind it returns NULL on Debian's OpenSSL
    // 3.0.19 for a name ending in a character from U+0800 on. The decoder is tested on its own.
    if (const ASN1_TYPE* name = PKCS12_SAFEBAG_get0_attr(bag, NID_friendlyName);
        name != nullptr && name->type == V_ASN1_BMPSTRING) {
        const unsigned char* data = ASN1_STRING_get0_data(name->value.bmpstring);
        out.friendly_name_bmp.assign(data, data + ASN1_STRING_length(name->value.bmpstring));
        out.friendly_name = utf16be_to_utf8(out.friendly_name_bmp);
    }
    if (const ASN1_TYPE* id = PKCS12_SAFEBAG_get0_attr(bag, NID_localKeyID)) {
        const ASN1_OCTET_STRING* octets = id->value.octet_string;
        out.local_key_id_hex =
            ossl::to_hex(std::span(ASN1_STRING_get0_data(octets), ASN1_STRING_length(octets)));
    }
    return out;
}

void summarize_bags(STACK_OF(PKCS12_SAFEBAG) * bags, PfxLayout& layout) {
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); ++i) {
        PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags, i);
        switch (PKCS12_SAFEBAG_get_nid(bag)) {
            case NID_certBag: {
                BagSummary summary = summarize(bag);
                ossl::X509Ptr certificate(PKCS12_SAFEBAG_get1_cert(bag));
                summary.certificate_sha256 = sha256_hex_of(certificate.get());
                layout.certificates.push_back(summary);
                break;
            }
            case NID_keyBag:
                ++layout.plain_keys;
                layout.keys.push_back(summarize(bag));
                break;
            case NID_pkcs8ShroudedKeyBag: {
                const X509_ALGOR* algorithm = nullptr;
                X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &algorithm, nullptr);
                layout.shrouded_keys.push_back(read_pbe(algorithm));
                layout.keys.push_back(summarize(bag));
                break;
            }
            default:
                ADD_FAILURE() << "unexpected bag type " << PKCS12_SAFEBAG_get_nid(bag);
        }
    }
}

PfxLayout inspect(const std::vector<std::uint8_t>& pfx, std::string_view password) {
    PfxLayout layout;
    const unsigned char* cursor = pfx.data();
    ossl::Pkcs12Ptr p12(d2i_PKCS12(nullptr, &cursor, static_cast<long>(pfx.size())));
    if (!p12) {
        ADD_FAILURE() << "OpenSSL cannot parse the PFX";
        return layout;
    }
    const X509_ALGOR* mac_algorithm = nullptr;
    const ASN1_OCTET_STRING* mac_salt = nullptr;
    const ASN1_INTEGER* mac_iterations = nullptr;
    PKCS12_get0_mac(nullptr, &mac_algorithm, &mac_salt, &mac_iterations, p12.get());
    if (mac_algorithm != nullptr) {
        const ASN1_OBJECT* oid = nullptr;
        X509_ALGOR_get0(&oid, nullptr, nullptr, mac_algorithm);
        layout.mac_digest = OBJ_obj2nid(oid);
        layout.mac_salt_length = ASN1_STRING_length(mac_salt);
        layout.mac_iterations = mac_iterations ? ASN1_INTEGER_get(mac_iterations) : 1;
    }
    ossl::Pkcs7StackPtr safes(PKCS12_unpack_authsafes(p12.get()));
    for (int i = 0; i < sk_PKCS7_num(safes.get()); ++i) {
        PKCS7* safe = sk_PKCS7_value(safes.get(), i);
        ossl::Pkcs12SafeBagStackPtr bags;
        if (OBJ_obj2nid(safe->type) == NID_pkcs7_encrypted) {
            layout.encrypted_safes.push_back(read_pbe(safe->d.encrypted->enc_data->algorithm));
            bags.reset(
                PKCS12_unpack_p7encdata(safe, password.data(), static_cast<int>(password.size())));
        } else {
            ++layout.plain_safes;
            bags.reset(PKCS12_unpack_p7data(safe));
        }
        if (!bags) {
            ADD_FAILURE() << "OpenSSL cannot open safe " << i << ": " << ossl::drain_errors();
            continue;
        }
        summarize_bags(bags.get(), layout);
    }
    return layout;
}

// ---------------------------------------------------------------------------------------------
// Files in shapes certbackup never writes, assembled through OpenSSL's API.

// A friendlyName attribute written byte for byte: `type` V_ASN1_BMPSTRING or V_ASN1_UTF8STRING.
struct RawName {
    int type = V_ASN1_BMPSTRING;
    std::string bytes;
};
struct CertificateBag {
    X509* certificate;
    std::string friendly_name;
    std::string local_key_id;
    std::optional<RawName> raw_name = std::nullopt;  // instead of friendly_name
};
struct KeyBag {
    EVP_PKEY* key;
    std::string friendly_name;
    std::string local_key_id;
    std::optional<RawName> raw_name = std::nullopt;
};

void add_attributes(PKCS12_SAFEBAG* bag, const std::string& name, const std::string& id,
                    const std::optional<RawName>& raw_name = std::nullopt) {
    if (raw_name)
        PKCS12_add1_attr_by_NID(bag, NID_friendlyName, raw_name->type,
                                reinterpret_cast<const unsigned char*>(raw_name->bytes.data()),
                                static_cast<int>(raw_name->bytes.size()));
    else if (!name.empty())
        PKCS12_add_friendlyname_utf8(bag, name.c_str(), -1);
    if (!id.empty())
        PKCS12_add_localkeyid(bag, reinterpret_cast<unsigned char*>(const_cast<char*>(id.data())),
                              static_cast<int>(id.size()));
}

std::vector<std::uint8_t> encode(PKCS12* p12) {
    unsigned char* der = nullptr;
    const int length = i2d_PKCS12(p12, &der);
    ossl::OpenSslBytePtr owned(der);
    return std::vector<std::uint8_t>(der, der + length);
}

// One unencrypted safe holding certificate bags and shrouded (PBES2) key bags, with a SHA-256
// MAC: the keys are encrypted one by one, the certificates not at all.
std::vector<std::uint8_t> assemble_single_safe_pfx(const std::vector<CertificateBag>& certificates,
                                                   const std::vector<KeyBag>& keys,
                                                   std::string_view password,
                                                   bool add_secret_bag = false) {
    const std::string pass(password);
    STACK_OF(PKCS12_SAFEBAG)* raw_bags = nullptr;
    for (const auto& key : keys) {
        PKCS12_SAFEBAG* bag = PKCS12_add_key_ex(&raw_bags, key.key, 0, kTestIterations,
                                                NID_aes_256_cbc, pass.c_str(), nullptr, nullptr);
        add_attributes(bag, key.friendly_name, key.local_key_id, key.raw_name);
    }
    for (const auto& certificate : certificates) {
        PKCS12_SAFEBAG* bag = PKCS12_add_cert(&raw_bags, certificate.certificate);
        add_attributes(bag, certificate.friendly_name, certificate.local_key_id,
                       certificate.raw_name);
    }
    ossl::Pkcs12SafeBagStackPtr bags(raw_bags);
    if (add_secret_bag) {
        const unsigned char secret[] = "not a certificate";
        PKCS12_SAFEBAG* bag = PKCS12_SAFEBAG_create_secret(NID_pkcs7_data, V_ASN1_OCTET_STRING,
                                                           secret, sizeof secret);
        sk_PKCS12_SAFEBAG_push(bags.get(), bag);
    }
    STACK_OF(PKCS7)* raw_safes = nullptr;
    PKCS12_add_safe_ex(&raw_safes, bags.get(), -1, 0, nullptr, nullptr, nullptr);
    ossl::Pkcs7StackPtr safes(raw_safes);
    ossl::Pkcs12Ptr p12(PKCS12_add_safes_ex(safes.get(), 0, nullptr, nullptr));
    PKCS12_set_mac(p12.get(), pass.c_str(), -1, nullptr, 16, kTestIterations, EVP_sha256());
    return encode(p12.get());
}

// Changes the last byte of every occurrence of `oid` (DER, tag and length included) to 0x7F,
// an arc no standard uses, and returns how many occurrences it changed.
int break_oid(std::vector<std::uint8_t>& bytes, const std::vector<std::uint8_t>& oid) {
    int changed = 0;
    for (auto it = bytes.begin();
         (it = std::search(it, bytes.end(), oid.begin(), oid.end())) != bytes.end();
         it += static_cast<long>(oid.size())) {
        *(it + static_cast<long>(oid.size()) - 1) = 0x7F;
        ++changed;
    }
    return changed;
}

// Recomputes the MAC after an edit of the authenticated contents, so that only the edit is wrong.
std::vector<std::uint8_t> remac(const std::vector<std::uint8_t>& pfx, std::string_view password,
                                const EVP_MD* digest) {
    const unsigned char* cursor = pfx.data();
    ossl::Pkcs12Ptr p12(d2i_PKCS12(nullptr, &cursor, static_cast<long>(pfx.size())));
    const std::string pass(password);
    EXPECT_EQ(PKCS12_set_mac(p12.get(), pass.c_str(), -1, nullptr, 16, kTestIterations, digest), 1);
    return encode(p12.get());
}

const std::vector<std::uint8_t> kAes256CbcOid = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                                 0x65, 0x03, 0x04, 0x01, 0x2A};
const std::vector<std::uint8_t> kTripleDesPbeOid = {0x06, 0x0A, 0x2A, 0x86, 0x48, 0x86,
                                                    0xF7, 0x0D, 0x01, 0x0C, 0x01, 0x03};
const std::vector<std::uint8_t> kSha256Oid = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                              0x65, 0x03, 0x04, 0x02, 0x01};

// A PFX as `openssl pkcs12 -export -legacy` writes it: certificates under RC2-40, the key under
// 3DES, SHA-1 MAC. Made in a library context of the test's own, so that the process-wide
// default context stays as it is.
// A null `password` writes the file as Windows does when exporting "without a password".
std::vector<std::uint8_t> legacy_rc2_pfx(const Certificate& certificate,
                                         std::optional<std::string_view> password) {
    OSSL_LIB_CTX* libctx = OSSL_LIB_CTX_new();
    OSSL_PROVIDER* legacy = OSSL_PROVIDER_load(libctx, "legacy");
    OSSL_PROVIDER* fallback = OSSL_PROVIDER_load(libctx, "default");
    if (legacy == nullptr || fallback == nullptr)
        throw std::runtime_error("the test needs OpenSSL's legacy provider to make an RC2 file");
    const std::string pass(password.value_or(""));
    ossl::X509StackPtr chain(sk_X509_new_null());
    for (const auto& issuer : certificate.chain())
        sk_X509_push(chain.get(), X509_dup(issuer.get()));
    const char* pass_arg = password ? pass.c_str() : nullptr;
    ossl::Pkcs12Ptr p12(
        PKCS12_create_ex(pass_arg, certificate.friendly_name().c_str(), certificate.key(),
                         certificate.leaf(), chain.get(), NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
                         NID_pbe_WithSHA1And40BitRC2_CBC, kTestIterations, -1, 0, libctx, nullptr));
    if (!p12)
        throw std::runtime_error("PKCS12_create_ex (RC2): " + ossl::drain_errors());
    // A SHA-1 MAC, as `openssl pkcs12 -legacy` and Windows write it.
    if (PKCS12_set_mac(p12.get(), pass_arg, password ? -1 : 0, nullptr, 8, kTestIterations,
                       EVP_sha1()) != 1)
        throw std::runtime_error("PKCS12_set_mac (SHA-1): " + ossl::drain_errors());
    auto out = encode(p12.get());
    p12.reset();
    OSSL_PROVIDER_unload(legacy);
    OSSL_PROVIDER_unload(fallback);
    OSSL_LIB_CTX_free(libctx);
    return out;
}

std::string pem_of_key(const Certificate& certificate) {
    return std::string(certificate.key_pem().view());
}

// ---------------------------------------------------------------------------------------------
// Profiles

TEST(Pkcs12Profile, DefaultsFollowTheDesign) {
    EXPECT_EQ(Pkcs12Profile{}.name, Pkcs12ProfileName::modern);
    EXPECT_EQ(Pkcs12Profile{}.iterations, 600000);
    EXPECT_EQ(Pkcs12Profile::modern().iterations, 600000);
    EXPECT_EQ(Pkcs12Profile::compat().name, Pkcs12ProfileName::compat);
    EXPECT_EQ(Pkcs12Profile::compat().iterations, 2048);
    EXPECT_EQ(Pkcs12Profile::compat(5000).iterations, 5000);
    EXPECT_EQ(to_string(Pkcs12ProfileName::modern), "modern");
    EXPECT_EQ(to_string(Pkcs12ProfileName::compat), "compat");
}

TEST(Pkcs12Profile, ParseAcceptsTheNamesAndAnIterationCount) {
    auto modern = Pkcs12Profile::parse("modern", std::nullopt);
    ASSERT_TRUE(modern) << modern.error().message;
    EXPECT_EQ(modern->name, Pkcs12ProfileName::modern);
    EXPECT_EQ(modern->iterations, 600000);
    auto compat = Pkcs12Profile::parse("compat", 4096);
    ASSERT_TRUE(compat) << compat.error().message;
    EXPECT_EQ(compat->name, Pkcs12ProfileName::compat);
    EXPECT_EQ(compat->iterations, 4096);
}

TEST(Pkcs12Profile, ParseRejectsUnknownNamesAndIterationCountsOutOfRange) {
    auto unknown = Pkcs12Profile::parse("fast", std::nullopt);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(unknown.error().message.find("'fast'"), std::string::npos);
    EXPECT_NE(unknown.error().message.find("modern"), std::string::npos);
    EXPECT_NE(unknown.error().message.find("compat"), std::string::npos);
    for (int bad : {0, -1, 10'000'001}) {
        auto r = Pkcs12Profile::parse("modern", bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
        EXPECT_NE(r.error().message.find(std::to_string(bad)), std::string::npos);
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips and layout, in both profiles

class Pkcs12RoundTrip : public ::testing::TestWithParam<Pkcs12ProfileName> {
  protected:
    Pkcs12Profile profile() const {
        return GetParam() == Pkcs12ProfileName::modern ? Pkcs12Profile::modern(kTestIterations)
                                                       : Pkcs12Profile::compat(kTestIterations);
    }
    int expected_mac_digest() const {
        return GetParam() == Pkcs12ProfileName::modern ? NID_sha256 : NID_sha1;
    }

    Certificate root_ = fx::make_ca("Test Root CA");
    Certificate intermediate_ = fx::make_ca("Test Intermediate CA", &root_);
};

TEST_P(Pkcs12RoundTrip, SingleCertificateKeepsKeyChainFriendlyNameAndLocalKeyId) {
    const Certificate leaf = fx::make_leaf("db1.example.com", &intermediate_,
                                           "Datenbank \xC3\xBC"
                                           "ber alles \xE6\x97\xA5",
                                           samples::KeyType::rsa2048);
    auto pfx = export_pkcs12(leaf, kNonAsciiPassword, profile());
    ASSERT_TRUE(pfx) << pfx.error().message;

    auto contents = import_pkcs12(*pfx, kNonAsciiPassword, "single.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    ASSERT_EQ(contents->certificates.size(), 1u);
    const Certificate& back = contents->certificates[0];
    EXPECT_EQ(back.sha256_hex(), leaf.sha256_hex());
    ASSERT_TRUE(back.has_key());
    EXPECT_EQ(pem_of_key(back), pem_of_key(leaf));
    EXPECT_EQ(fx::chain_digests(back), fx::chain_digests(leaf));
    EXPECT_EQ(fx::chain_digests(back),
              (std::vector<std::string>{intermediate_.sha256_hex(), root_.sha256_hex()}));
    EXPECT_EQ(back.friendly_name(), leaf.friendly_name());
    EXPECT_EQ(contents->mac_algorithm, GetParam() == Pkcs12ProfileName::modern ? "sha256" : "sha1");
    EXPECT_EQ(contents->mac_iterations, kTestIterations);
    EXPECT_TRUE(contents->ignored_items.empty());

    // localKeyID = SHA-1 of the leaf, on the leaf's certBag and the keyBag; chain bags bare.
    const PfxLayout layout = inspect(*pfx, kNonAsciiPassword);
    const std::string sha1 = leaf.info().sha1_hex;
    ASSERT_EQ(layout.certificates.size(), 3u);
    EXPECT_EQ(layout.certificates[0].certificate_sha256, leaf.sha256_hex());
    EXPECT_EQ(layout.certificates[0].local_key_id_hex, sha1);
    EXPECT_EQ(layout.certificates[0].friendly_name, leaf.friendly_name());
    for (std::size_t i = 1; i < 3; ++i) {
        EXPECT_EQ(layout.certificates[i].local_key_id_hex, "");
        EXPECT_EQ(layout.certificates[i].friendly_name, "");
    }
    ASSERT_EQ(layout.keys.size(), 1u);
    EXPECT_EQ(layout.keys[0].local_key_id_hex, sha1);
    EXPECT_EQ(layout.keys[0].friendly_name, leaf.friendly_name());
}

TEST_P(Pkcs12RoundTrip, FriendlyNamesOfEveryUnicodePlaneRoundTripAsUtf16WithSurrogatePairs) {
    // Latin, U+263A, CJK (3-byte UTF-8, the last character from U+0800 on), U+1F600 (beyond the
    // Basic Multilingual Plane: a surrogate pair in the BMPString), Greek.
    const std::string name =
        "Zertifikat \xE2\x98\xBA \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\x98\x80 "
        "\xCE\xA9mega";
    const Certificate leaf = fx::make_leaf("names.example.com", &intermediate_, name);
    auto pfx = export_pkcs12(leaf, kAsciiPassword, profile());
    ASSERT_TRUE(pfx) << pfx.error().message;
    auto contents = import_pkcs12(*pfx, kAsciiPassword, "names.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    ASSERT_EQ(contents->certificates.size(), 1u);
    EXPECT_EQ(contents->certificates[0].friendly_name(), name);
    EXPECT_TRUE(contents->warnings.empty());

    // The attribute itself is a BMPString holding D83D DE00 for U+1F600.
    const PfxLayout layout = inspect(*pfx, kAsciiPassword);
    ASSERT_EQ(layout.certificates.size(), 3u);
    ASSERT_EQ(layout.keys.size(), 1u);
    for (const BagSummary* bag : {&layout.certificates[0], &layout.keys[0]}) {
        EXPECT_EQ(bag->friendly_name, name);
        const std::vector<std::uint8_t> pair = {0xD8, 0x3D, 0xDE, 0x00};
        EXPECT_NE(std::search(bag->friendly_name_bmp.begin(), bag->friendly_name_bmp.end(),
                              pair.begin(), pair.end()),
                  bag->friendly_name_bmp.end());
    }
}

TEST_P(Pkcs12RoundTrip, ANameThatIsNotUtf8StillExportsCleaned) {
    Certificate leaf = fx::make_leaf("badname.example.com", &intermediate_);
    leaf.set_friendly_name("caf\xE9\x01");
    auto pfx = export_pkcs12(leaf, kAsciiPassword, profile());
    ASSERT_TRUE(pfx) << pfx.error().message;
    auto contents = import_pkcs12(*pfx, kAsciiPassword, "badname.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    EXPECT_EQ(contents->certificates.at(0).friendly_name(), "caf\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_P(Pkcs12RoundTrip, LayoutFollowsTheProfile) {
    const Certificate leaf = fx::make_leaf("layout.example.com", &intermediate_, "layout");
    auto pfx = export_pkcs12(leaf, kAsciiPassword, profile());
    ASSERT_TRUE(pfx) << pfx.error().message;
    const PfxLayout layout = inspect(*pfx, kAsciiPassword);

    EXPECT_EQ(layout.mac_digest, expected_mac_digest());
    EXPECT_EQ(layout.mac_salt_length, 16);
    EXPECT_EQ(layout.mac_iterations, kTestIterations);
    ASSERT_EQ(layout.encrypted_safes.size(), 1u);
    const PbeParameters& safe = layout.encrypted_safes[0];
    EXPECT_EQ(safe.salt_length, 16);
    EXPECT_EQ(safe.iterations, kTestIterations);
    EXPECT_EQ(layout.plain_safes, 1);  // the shrouded key bags
    EXPECT_EQ(layout.plain_keys, 0);
    ASSERT_EQ(layout.shrouded_keys.size(), 1u);
    const PbeParameters& key = layout.shrouded_keys[0];
    EXPECT_EQ(key.salt_length, 16);
    EXPECT_EQ(key.iterations, kTestIterations);
    if (GetParam() == Pkcs12ProfileName::modern) {
        for (const PbeParameters* p : {&safe, &key}) {
            EXPECT_EQ(p->scheme, NID_pbes2);
            EXPECT_EQ(p->prf, NID_hmacWithSHA256);
            EXPECT_EQ(p->cipher, NID_aes_256_cbc);
        }
        EXPECT_EQ(key.salt_hex, safe.salt_hex);  // one derivation for the file
    } else {
        EXPECT_EQ(safe.scheme, NID_pbe_WithSHA1And3_Key_TripleDES_CBC);
        EXPECT_EQ(key.scheme, NID_pbe_WithSHA1And3_Key_TripleDES_CBC);
    }
    // OpenSSL's own MAC check accepts the MAC, however it was computed.
    const unsigned char* cursor = pfx->data();
    ossl::Pkcs12Ptr p12(d2i_PKCS12(nullptr, &cursor, static_cast<long>(pfx->size())));
    ASSERT_TRUE(p12);
    EXPECT_EQ(PKCS12_verify_mac(p12.get(), kAsciiPassword.data(),
                                static_cast<int>(kAsciiPassword.size())),
              1);
}

TEST_P(Pkcs12RoundTrip, BundleKeepsEveryEntryAndWritesSharedChainCertificatesOnce) {
    const Certificate a = fx::make_leaf("a.example.com", &intermediate_, "entry A");
    const Certificate b =
        fx::make_leaf("b.example.com", &intermediate_, "entry B", samples::KeyType::rsa2048);
    const Certificate c = fx::without_key(fx::make_leaf("c.example.com", nullptr, "keyless C"));
    const Certificate* entries[] = {&a, &b, &c};
    auto pfx = export_pkcs12_bundle(entries, kAsciiPassword, profile());
    ASSERT_TRUE(pfx) << pfx.error().message;

    // a, b, c, intermediate, root: the shared chain once.
    EXPECT_EQ(inspect(*pfx, kAsciiPassword).certificates.size(), 5u);
    auto contents = import_pkcs12(*pfx, kAsciiPassword, "bundle.pfx");
    ASSERT_TRUE(contents) << contents.error().message;
    ASSERT_EQ(contents->certificates.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        const Certificate& back = contents->certificates[i];
        const Certificate& original = *entries[i];
        EXPECT_EQ(back.sha256_hex(), original.sha256_hex()) << i;
        EXPECT_EQ(back.friendly_name(), original.friendly_name()) << i;
        EXPECT_EQ(back.has_key(), original.has_key()) << i;
        EXPECT_EQ(fx::chain_digests(back), fx::chain_digests(original)) << i;
        if (original.has_key()) {
            EXPECT_EQ(pem_of_key(back), pem_of_key(original)) << i;
        }
    }
}

TEST_P(Pkcs12RoundTrip, BundleEntriesThatAreAlsoChainCertificatesStayEntries) {
    // The root with its key and the intermediate without one are entries of their own, and also
    // the leaf's chain: each is written once, as an entry, and comes back as one.
    const Certificate leaf = fx::make_leaf("leaf.example.com", &intermediate_, "leaf");
    Certificate root = root_.clone();
    root.set_friendly_name("root entry");
    const Certificate intermediate = fx::without_key(intermediate_);
    const Certificate* entries[] = {&leaf, &intermediate, &root};
    auto pfx = export_pkcs12_bundle(entries, kAsciiPassword, profile());
    ASSERT_TRUE(pfx) << pfx.error().message;
    EXPECT_EQ(inspect(*pfx, kAsciiPassword).certificates.size(), 3u);

    auto contents = import_pkcs12(*pfx, kAsciiPassword, "entries.pfx");
    ASSERT_TRUE(contents) << contents.error().message;
    ASSERT_EQ(contents->certificates.size(), 3u);
    EXPECT_EQ(contents->certificates[0].sha256_hex(), leaf.sha256_hex());
    EXPECT_EQ(fx::chain_digests(contents->certificates[0]), fx::chain_digests(leaf));
    EXPECT_EQ(contents->certificates[1].sha256_hex(), intermediate.sha256_hex());
    EXPECT_FALSE(contents->certificates[1].has_key());
    EXPECT_EQ(fx::chain_digests(contents->certificates[1]),
              std::vector<std::string>{root_.sha256_hex()});
    EXPECT_EQ(contents->certificates[2].sha256_hex(), root_.sha256_hex());
    EXPECT_TRUE(contents->certificates[2].has_key());
    EXPECT_EQ(contents->certificates[2].friendly_name(), "root entry");
    EXPECT_TRUE(contents->certificates[2].chain().empty());
}

TEST_P(Pkcs12RoundTrip, WrongPasswordIsWrongPassword) {
    const Certificate leaf = fx::make_leaf("pw.example.com", &intermediate_);
    auto pfx = export_pkcs12(leaf, kAsciiPassword, profile());
    ASSERT_TRUE(pfx) << pfx.error().message;
    for (std::string_view wrong :
         {std::string_view("correct horse 43"), std::string_view(""), kNonAsciiPassword}) {
        auto r = import_pkcs12(*pfx, wrong, "secret.pfx");
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, ErrorCode::wrong_password) << r.error().message;
        EXPECT_NE(r.error().message.find("secret.pfx"), std::string::npos);
        EXPECT_EQ(r.error().message.find(kAsciiPassword), std::string::npos);
    }
}

TEST_P(Pkcs12RoundTrip, EmptyPasswordRoundTrips) {
    const Certificate leaf = fx::make_leaf("empty.example.com", nullptr, "empty");
    auto pfx = export_pkcs12(leaf, "", profile());
    ASSERT_TRUE(pfx) << pfx.error().message;
    auto contents = import_pkcs12(*pfx, "", "empty.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    ASSERT_EQ(contents->certificates.size(), 1u);
    EXPECT_TRUE(contents->certificates[0].has_key());
    auto wrong = import_pkcs12(*pfx, "x", "empty.pfx");
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, ErrorCode::wrong_password);
}

TEST_P(Pkcs12RoundTrip, KeyDerivationsPerFileAreConstantInModernAndPerKeyInCompat) {
    // modern: one shrouded bag per key as every reader expects, all under one salt, so that a
    // caching reader (ours) derives once; compat: OpenSSL's per-bag salts.
    std::vector<Certificate> certificates;
    for (int i = 0; i < 12; ++i)
        certificates.push_back(
            fx::make_leaf("n" + std::to_string(i) + ".example.com", &intermediate_));
    for (std::size_t n : {1u, 3u, 12u}) {
        std::vector<const Certificate*> entries;
        for (std::size_t i = 0; i < n; ++i)
            entries.push_back(&certificates[i]);
        auto pfx = export_pkcs12_bundle(entries, kAsciiPassword, profile());
        ASSERT_TRUE(pfx) << pfx.error().message;
        const PfxLayout layout = inspect(*pfx, kAsciiPassword);
        EXPECT_EQ(layout.keys.size(), n);
        EXPECT_EQ(layout.shrouded_keys.size(), n);
        EXPECT_EQ(layout.key_derivations(), n + 1) << n << " certificates";
        const std::size_t expected = GetParam() == Pkcs12ProfileName::modern ? 1 : n + 1;
        EXPECT_EQ(layout.cached_key_derivations(), expected) << n << " certificates";
        auto contents = import_pkcs12(*pfx, kAsciiPassword, "n.pfx", true);
        ASSERT_TRUE(contents) << contents.error().message;
        EXPECT_EQ(contents->decryption_key_derivations, static_cast<int>(expected));
    }
}

// The writer emits the PFX's outer structures itself (pkcs12_pfx_layout.hpp): OpenSSL must
// decode them and encode them again to the same bytes (canonical DER, the lengths right at
// every size: short and long forms), verify the MAC, and import every entry back. Sizes: one
// entry (lengths under 64 KiB), many (over 64 KiB, three length bytes).
TEST_P(Pkcs12RoundTrip, WrittenStructuresAreTheDerOpenSslWritesAtEverySize) {
    for (const int count : {1, 3, 300}) {
        SCOPED_TRACE(count);
        std::vector<Certificate> certificates;
        std::vector<const Certificate*> entries;
        certificates.reserve(static_cast<std::size_t>(count));
        for (int i = 0; i < count; ++i) {
            certificates.push_back(fx::make_leaf("der" + std::to_string(i) + ".example.com",
                                                 &intermediate_, "der " + std::to_string(i)));
            entries.push_back(&certificates.back());
        }
        auto pfx = export_pkcs12_bundle(entries, kAsciiPassword, profile());
        ASSERT_TRUE(pfx) << pfx.error().message;

        const unsigned char* p = pfx->data();
        ossl::Pkcs12Ptr decoded(d2i_PKCS12(nullptr, &p, static_cast<long>(pfx->size())));
        ASSERT_TRUE(decoded);
        EXPECT_EQ(p, pfx->data() + pfx->size());
        unsigned char* der = nullptr;
        const int length = i2d_PKCS12(decoded.get(), &der);
        ASSERT_GT(length, 0);
        ossl::OpenSslBytePtr owned(der);
        EXPECT_TRUE(std::equal(pfx->begin(), pfx->end(), der, der + length))
            << "OpenSSL encodes the decoded PFX differently";
        EXPECT_EQ(PKCS12_verify_mac(decoded.get(), std::string(kAsciiPassword).c_str(), -1), 1);
        const ASN1_OBJECT* mac_algorithm = nullptr;
        const X509_ALGOR* mac_digest = nullptr;
        const ASN1_INTEGER* mac_iterations = nullptr;
        PKCS12_get0_mac(nullptr, &mac_digest, nullptr, &mac_iterations, decoded.get());
        ASSERT_NE(mac_digest, nullptr);
        X509_ALGOR_get0(&mac_algorithm, nullptr, nullptr, mac_digest);
        EXPECT_EQ(OBJ_obj2nid(mac_algorithm), expected_mac_digest());
        ASSERT_NE(mac_iterations, nullptr);
        EXPECT_EQ(ASN1_INTEGER_get(mac_iterations), kTestIterations);

        auto contents = import_pkcs12(*pfx, kAsciiPassword, "der.pfx", true);
        ASSERT_TRUE(contents) << contents.error().message;
        ASSERT_EQ(contents->certificates.size(), certificates.size());
        for (std::size_t i = 0; i < certificates.size(); ++i) {
            EXPECT_EQ(contents->certificates[i].sha256_hex(), certificates[i].sha256_hex());
            EXPECT_EQ(pem_of_key(contents->certificates[i]), pem_of_key(certificates[i]));
        }
    }
}

// The streamed export gives the file as pieces; joined they are the file, and a certificate
// that fails in the middle stops the export with its error (no file at all).
TEST_P(Pkcs12RoundTrip, StreamedBundleComesInPiecesAndStopsAtAFailureInTheMiddle) {
    std::vector<Certificate> certificates;
    for (int i = 0; i < 20; ++i)
        certificates.push_back(fx::make_leaf("piece" + std::to_string(i) + ".example.com",
                                             &intermediate_, "piece " + std::to_string(i)));
    const auto at = [&](std::size_t i) -> Result<Certificate> { return certificates[i].clone(); };
    auto keys = Pkcs12ExportKeys::start(kAsciiPassword, profile());
    ASSERT_TRUE(keys) << keys.error().message;
    auto file = export_pkcs12_bundle(certificates.size(), at, std::move(*keys));
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_GT(file->pieces().size(), 3u);
    const std::size_t size = file->size();
    const std::vector<std::uint8_t> joined = std::move(*file).join();
    EXPECT_EQ(joined.size(), size);
    auto contents = import_pkcs12(joined, kAsciiPassword, "pieces.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    EXPECT_EQ(contents->certificates.size(), certificates.size());

    auto failing_keys = Pkcs12ExportKeys::start(kAsciiPassword, profile());
    ASSERT_TRUE(failing_keys) << failing_keys.error().message;
    std::size_t asked = 0;
    auto failed = export_pkcs12_bundle(
        certificates.size(),
        [&](std::size_t i) -> Result<Certificate> {
            ++asked;
            if (i == 10)
                return fail(ErrorCode::io, "certificate 10 cannot be read");
            return certificates[i].clone();
        },
        std::move(*failing_keys));
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, ErrorCode::io);
    EXPECT_NE(failed.error().message.find("certificate 10 cannot be read"), std::string::npos);
    EXPECT_EQ(asked, 11u);
}

INSTANTIATE_TEST_SUITE_P(Profiles, Pkcs12RoundTrip,
                         ::testing::Values(Pkcs12ProfileName::modern, Pkcs12ProfileName::compat),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(Pkcs12Bundle, TwoHundredCertificatesRoundTrip) {
    const Certificate ca = fx::make_ca("Bundle CA");
    std::vector<Certificate> certificates;
    std::vector<const Certificate*> entries;
    certificates.reserve(200);
    for (int i = 0; i < 200; ++i) {
        certificates.push_back(fx::make_leaf("host" + std::to_string(i) + ".example.com", &ca,
                                             "entry " + std::to_string(i)));
        entries.push_back(&certificates.back());
    }
    auto pfx = export_pkcs12_bundle(entries, kAsciiPassword, Pkcs12Profile::modern(100));
    ASSERT_TRUE(pfx) << pfx.error().message;
    const PfxLayout layout = inspect(*pfx, kAsciiPassword);
    EXPECT_EQ(layout.shrouded_keys.size(), 200u);
    EXPECT_EQ(layout.cached_key_derivations(), 1u);
    EXPECT_EQ(layout.certificates.size(), 201u);  // the CA once

    auto contents = import_pkcs12(*pfx, kAsciiPassword, "big.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    EXPECT_EQ(contents->decryption_key_derivations, 1);
    ASSERT_EQ(contents->certificates.size(), 200u);
    for (std::size_t i = 0; i < 200; ++i) {
        const Certificate& back = contents->certificates[i];
        EXPECT_EQ(back.sha256_hex(), certificates[i].sha256_hex()) << i;
        EXPECT_EQ(back.friendly_name(), "entry " + std::to_string(i));
        ASSERT_TRUE(back.has_key()) << i;
        EXPECT_EQ(pem_of_key(back), pem_of_key(certificates[i])) << i;
        EXPECT_EQ(fx::chain_digests(back), std::vector<std::string>{ca.sha256_hex()}) << i;
    }
}

TEST(Pkcs12OldModernLayout, StillImportsWithKeysNamesAndChains) {
    const Certificate ca = fx::make_ca("Old Layout CA");
    const Certificate a = fx::make_leaf("old-a.example.com", &ca, "old A");
    const Certificate b =
        fx::make_leaf("old-b.example.com", &ca, "old B", samples::KeyType::rsa2048);
    const Certificate* entries[] = {&a, &b};
    const auto pfx = fx::old_modern_layout_pfx(entries, kAsciiPassword, kTestIterations);
    const PfxLayout layout = inspect(pfx, kAsciiPassword);
    ASSERT_EQ(layout.plain_keys, 2);  // it is the old layout
    EXPECT_EQ(layout.plain_safes, 0);

    auto contents = import_pkcs12(pfx, kAsciiPassword, "old.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    ASSERT_EQ(contents->certificates.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        const Certificate& back = contents->certificates[i];
        EXPECT_EQ(back.sha256_hex(), entries[i]->sha256_hex());
        EXPECT_EQ(back.friendly_name(), entries[i]->friendly_name());
        ASSERT_TRUE(back.has_key());
        EXPECT_EQ(pem_of_key(back), pem_of_key(*entries[i]));
        EXPECT_EQ(fx::chain_digests(back), std::vector<std::string>{ca.sha256_hex()});
    }
    EXPECT_EQ(contents->decryption_key_derivations, 1);
}

// A key is written as its bag held it, not decoded and encoded again: a PrivateKeyInfo with an
// attribute (which OpenSSL's encoder would drop) comes out with it, for every key type.
TEST(Pkcs12OldModernLayout, KeysAreWrittenAsTheirBagsHoldThem) {
    const Certificate ec = fx::make_leaf("as-held-ec.example.com", nullptr, "as held EC");
    const Certificate rsa =
        fx::make_leaf("as-held-rsa.example.com", nullptr, "as held RSA", samples::KeyType::rsa2048);
    const Certificate* entries[] = {&ec, &rsa};
    std::vector<std::string> held;  // the PEM of each key bag's PrivateKeyInfo
    const auto pfx = fx::old_modern_layout_pfx(
        entries, kAsciiPassword, kTestIterations, [&](PKCS8_PRIV_KEY_INFO* pkcs8) {
            const char* csp = "certbackup test CSP";
            ASSERT_EQ(PKCS8_pkey_add1_attr_by_NID(pkcs8, NID_ms_csp_name, MBSTRING_ASC,
                                                  reinterpret_cast<const unsigned char*>(csp), -1),
                      1);
            ossl::BioPtr bio(BIO_new(BIO_s_mem()));
            ASSERT_EQ(PEM_write_bio_PKCS8_PRIV_KEY_INFO(bio.get(), pkcs8), 1);
            char* text = nullptr;
            const long length = BIO_get_mem_data(bio.get(), &text);
            held.emplace_back(text, static_cast<std::size_t>(length));
        });
    ASSERT_EQ(held.size(), 2u);

    auto contents = import_pkcs12(pfx, kAsciiPassword, "held.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    ASSERT_EQ(contents->certificates.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        const Certificate& back = contents->certificates[i];
        ASSERT_TRUE(key_matches(back.leaf(), entries[i]->key())) << i;
        EXPECT_EQ(pem_of_key(back), held[i]) << i;
        EXPECT_NE(pem_of_key(back), pem_of_key(*entries[i])) << i;  // the encoder's: no attribute
        EXPECT_EQ(pem_of_key(back.clone()), held[i]) << i;
    }
}

TEST(Pkcs12DefaultProfile, ModernUses600000IterationsForEncryptionAndMac) {
    const Certificate leaf = fx::make_leaf("default.example.com", nullptr, "default");
    auto pfx = export_pkcs12(leaf, kAsciiPassword, Pkcs12Profile{});
    ASSERT_TRUE(pfx) << pfx.error().message;
    const PfxLayout layout = inspect(*pfx, kAsciiPassword);
    EXPECT_EQ(layout.mac_iterations, 600000);
    EXPECT_EQ(layout.mac_digest, NID_sha256);
    ASSERT_EQ(layout.encrypted_safes.size(), 1u);
    EXPECT_EQ(layout.encrypted_safes[0].iterations, 600000);
    EXPECT_EQ(layout.encrypted_safes[0].prf, NID_hmacWithSHA256);
    ASSERT_EQ(layout.shrouded_keys.size(), 1u);
    EXPECT_EQ(layout.shrouded_keys[0].iterations, 600000);
    auto contents = import_pkcs12(*pfx, kAsciiPassword, "default.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    EXPECT_EQ(contents->mac_iterations, 600000);
    EXPECT_EQ(contents->certificates.at(0).sha256_hex(), leaf.sha256_hex());
}

// ---------------------------------------------------------------------------------------------
// Export arguments

TEST(Pkcs12Export, RejectsEmptyNullDuplicateEntriesAndBadIterations) {
    const Certificate leaf = fx::make_leaf("args.example.com", nullptr);
    const Pkcs12Profile profile = Pkcs12Profile::modern(kTestIterations);

    auto empty = export_pkcs12_bundle({}, kAsciiPassword, profile);
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, ErrorCode::invalid_argument);

    const Certificate* with_null[] = {&leaf, nullptr};
    auto null_entry = export_pkcs12_bundle(with_null, kAsciiPassword, profile);
    ASSERT_FALSE(null_entry);
    EXPECT_EQ(null_entry.error().code, ErrorCode::invalid_argument);

    const Certificate* twice[] = {&leaf, &leaf};
    auto duplicate = export_pkcs12_bundle(twice, kAsciiPassword, profile);
    ASSERT_FALSE(duplicate);
    EXPECT_EQ(duplicate.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(duplicate.error().message.find(leaf.sha256_hex()), std::string::npos);

    auto zero = export_pkcs12(leaf, kAsciiPassword, Pkcs12Profile::compat(0));
    ASSERT_FALSE(zero);
    EXPECT_EQ(zero.error().code, ErrorCode::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Damaged and unusual files

class Pkcs12Import : public ::testing::Test {
  protected:
    std::vector<std::uint8_t> modern_pfx() {
        return fx::must(
            export_pkcs12(leaf_, kAsciiPassword, Pkcs12Profile::modern(kTestIterations)), "export");
    }

    Certificate ca_ = fx::make_ca("Import CA");
    Certificate leaf_ = fx::make_leaf("import.example.com", &ca_, "import leaf");
};

TEST_F(Pkcs12Import, TruncatedGarbageAndEmptyInputAreCorrupt) {
    const auto pfx = modern_pfx();
    std::vector<std::vector<std::uint8_t>> damaged;
    for (std::size_t keep :
         {std::size_t{0}, std::size_t{1}, std::size_t{16}, pfx.size() / 2, pfx.size() - 1})
        damaged.emplace_back(pfx.begin(), pfx.begin() + static_cast<long>(keep));
    std::vector<std::uint8_t> garbage(pfx.size());
    ASSERT_TRUE(ossl::random_bytes(garbage));
    garbage[0] = 0x30;  // starts like a DER SEQUENCE, as a damaged file would
    damaged.push_back(garbage);
    for (const auto& bytes : damaged) {
        auto r = import_pkcs12(bytes, kAsciiPassword, "broken.pfx");
        ASSERT_FALSE(r) << bytes.size() << " bytes";
        EXPECT_EQ(r.error().code, ErrorCode::corrupt) << r.error().message;
        EXPECT_NE(r.error().message.find("broken.pfx"), std::string::npos);
    }
}

TEST_F(Pkcs12Import, DataAfterThePfxIsCorrupt) {
    auto pfx = modern_pfx();
    pfx.push_back(0x00);
    auto r = import_pkcs12(pfx, kAsciiPassword, "joined.pfx");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::corrupt);
    EXPECT_NE(r.error().message.find("1 bytes of unexpected data"), std::string::npos);
}

TEST_F(Pkcs12Import, PemInputIsCorruptAndSaysSo) {
    const std::string pem = leaf_.certificate_pem();
    auto r = import_pkcs12(fx::bytes_of(pem), kAsciiPassword, "leaf.pem");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::corrupt);
    EXPECT_NE(r.error().message.find("PEM"), std::string::npos);
}

TEST_F(Pkcs12Import, CertificateOnlyFileIsNotFoundWhenAKeyIsRequired) {
    const Certificate keyless = fx::without_key(leaf_);
    auto pfx = export_pkcs12(keyless, kAsciiPassword, Pkcs12Profile::modern(kTestIterations));
    ASSERT_TRUE(pfx) << pfx.error().message;

    auto required = import_pkcs12(*pfx, kAsciiPassword, "cert-only.pfx", true);
    ASSERT_FALSE(required);
    EXPECT_EQ(required.error().code, ErrorCode::not_found);
    EXPECT_NE(required.error().message.find("cert-only.pfx"), std::string::npos);
    EXPECT_NE(required.error().message.find("no private key"), std::string::npos);

    auto optional = import_pkcs12(*pfx, kAsciiPassword, "cert-only.pfx", false);
    ASSERT_TRUE(optional) << optional.error().message;
    ASSERT_EQ(optional->certificates.size(), 1u);
    EXPECT_FALSE(optional->certificates[0].has_key());
    EXPECT_EQ(optional->certificates[0].friendly_name(), "import leaf");
    EXPECT_EQ(fx::chain_digests(optional->certificates[0]),
              std::vector<std::string>{ca_.sha256_hex()});
}

TEST_F(Pkcs12Import, UnknownCipherIsUnsupportedAndNamed) {
    auto pfx = modern_pfx();
    ASSERT_EQ(break_oid(pfx, kAes256CbcOid), 2);  // the certificates' safe and the key bag
    pfx = remac(pfx, kAsciiPassword, EVP_sha256());
    auto r = import_pkcs12(pfx, kAsciiPassword, "odd-cipher.pfx");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::unsupported) << r.error().message;
    EXPECT_NE(r.error().message.find("2.16.840.1.101.3.4.1.127"), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("odd-cipher.pfx"), std::string::npos);
}

TEST_F(Pkcs12Import, UnknownPbeAlgorithmIsRefusedAsCorruptAndNamed) {
    auto pfx = fx::must(
        export_pkcs12(leaf_, kAsciiPassword, Pkcs12Profile::compat(kTestIterations)), "export");
    ASSERT_EQ(break_oid(pfx, kTripleDesPbeOid), 2);  // the certificate safe and the key bag
    pfx = remac(pfx, kAsciiPassword, EVP_sha1());
    auto r = import_pkcs12(pfx, kAsciiPassword, "odd-pbe.pfx");
    ASSERT_FALSE(r);
    // An algorithm whose key derivation is unknown is refused before anything is derived.
    EXPECT_EQ(r.error().code, ErrorCode::corrupt) << r.error().message;
    EXPECT_NE(r.error().message.find("1.2.840.113549.1.12.1.127"), std::string::npos)
        << r.error().message;
}

TEST_F(Pkcs12Import, UnknownMacDigestIsUnsupported) {
    auto pfx = modern_pfx();
    ASSERT_EQ(break_oid(pfx, kSha256Oid), 1);  // only in the MAC data
    auto r = import_pkcs12(pfx, kAsciiPassword, "odd-mac.pfx");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::unsupported) << r.error().message;
    EXPECT_NE(r.error().message.find("2.16.840.1.101.3.4.2.127"), std::string::npos)
        << r.error().message;
}

TEST_F(Pkcs12Import, HugeIterationCountIsRefusedBeforeAnyKeyDerivation) {
    // The MAC's iteration count is the PFX's last element: rewrite 1000 (02 02 03 E8) as
    // 2^31-1 and grow the two enclosing SEQUENCE lengths by the two added bytes.
    auto pfx = modern_pfx();
    ASSERT_EQ(kTestIterations, 1000);
    ASSERT_TRUE(std::equal(pfx.end() - 4, pfx.end(),
                           std::vector<std::uint8_t>{0x02, 0x02, 0x03, 0xE8}.begin()));
    std::size_t mac_data = pfx.size() - 2;
    while (mac_data > 0 &&
           !(pfx[mac_data] == 0x30 && mac_data + 2 + pfx[mac_data + 1] == pfx.size()))
        --mac_data;
    ASSERT_GT(mac_data, 0u);
    ASSERT_EQ(pfx[1], 0x82);  // the outer SEQUENCE has a two-byte length
    pfx.resize(pfx.size() - 4);
    pfx.insert(pfx.end(), {0x02, 0x04, 0x7F, 0xFF, 0xFF, 0xFF});
    pfx[mac_data + 1] = static_cast<std::uint8_t>(pfx[mac_data + 1] + 2);
    const unsigned outer = ((pfx[2] << 8) | pfx[3]) + 2;
    pfx[2] = static_cast<std::uint8_t>(outer >> 8);
    pfx[3] = static_cast<std::uint8_t>(outer & 0xFF);

    auto r = import_pkcs12(pfx, kAsciiPassword, "slow.pfx");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::corrupt) << r.error().message;
    EXPECT_NE(r.error().message.find("2147483647"), std::string::npos) << r.error().message;
}

// A PFX whose one unencrypted safe holds `count` shrouded key bags encrypted with `algorithm(i)`
// and the leaf's certificate, with a SHA-256 MAC. The bags' ciphertext is random: nothing is
// derived to make the file, and import must refuse it before deriving anything.
template <typename MakeAlgorithm>
std::vector<std::uint8_t> crafted_key_bags_pfx(const Certificate& leaf, int count,
                                               MakeAlgorithm algorithm) {
    ossl::Pkcs12SafeBagStackPtr bags(sk_PKCS12_SAFEBAG_new_null());
    for (int i = 0; i < count; ++i) {
        ossl::X509AlgorPtr made = algorithm(i);
        ossl::X509SigPtr sig(X509_SIG_new());
        X509_ALGOR* sig_algorithm = nullptr;
        ASN1_OCTET_STRING* sig_data = nullptr;
        X509_SIG_getm(sig.get(), &sig_algorithm, &sig_data);
        std::vector<std::uint8_t> ciphertext(1024);
        EXPECT_TRUE(ossl::random_bytes(ciphertext));
        EXPECT_EQ(X509_ALGOR_copy(sig_algorithm, made.get()), 1);
        EXPECT_EQ(
            ASN1_OCTET_STRING_set(sig_data, ciphertext.data(), static_cast<int>(ciphertext.size())),
            1);
        PKCS12_SAFEBAG* bag = PKCS12_SAFEBAG_create0_pkcs8(sig.release());
        EXPECT_NE(bag, nullptr);
        sk_PKCS12_SAFEBAG_push(bags.get(), bag);
    }
    STACK_OF(PKCS12_SAFEBAG)* raw_bags = bags.release();
    PKCS12_add_cert(&raw_bags, leaf.leaf());
    bags.reset(raw_bags);
    STACK_OF(PKCS7)* raw_safes = nullptr;
    PKCS12_add_safe_ex(&raw_safes, bags.get(), -1, 0, nullptr, nullptr, nullptr);
    ossl::Pkcs7StackPtr safes(raw_safes);
    ossl::Pkcs12Ptr p12(PKCS12_add_safes_ex(safes.get(), 0, nullptr, nullptr));
    const std::string pass(kAsciiPassword);
    EXPECT_EQ(
        PKCS12_set_mac(p12.get(), pass.c_str(), -1, nullptr, 16, kTestIterations, EVP_sha256()), 1);
    return encode(p12.get());
}

ossl::X509AlgorPtr pbkdf2_algorithm(int iterations, std::uint8_t salt_byte) {
    unsigned char salt[16];
    std::fill(std::begin(salt), std::end(salt), salt_byte);
    unsigned char iv[16] = {};
    return ossl::X509AlgorPtr(PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), iterations, salt, sizeof salt,
                                                iv, NID_hmacWithSHA256));
}

TEST_F(Pkcs12Import, ScryptIsRefusedAsCorruptBeforeAnyDerivation) {
    // scrypt's cost is N, r and p, not an iteration count: the per-structure check cannot bound
    // it, so import refuses the algorithm whatever its parameters.
    const auto pfx = crafted_key_bags_pfx(leaf_, 1, [](int) {
        unsigned char salt[16] = {1};
        return ossl::X509AlgorPtr(
            PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), salt, sizeof salt, nullptr, 16384, 8, 1));
    });
    auto r = import_pkcs12(pfx, kAsciiPassword, "scrypt.pfx");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::corrupt) << r.error().message;
    for (const char* expected :
         {"scrypt.pfx", "scrypt", "1.3.6.1.4.1.11591.4.11", "PBKDF2", "openssl pkcs12 -export"})
        EXPECT_NE(r.error().message.find(expected), std::string::npos)
            << expected << " in " << r.error().message;
}

TEST_F(Pkcs12Import, TotalDerivationWorkOverTheBudgetIsRefusedBeforeAnyDerivation) {
    // 20 keys at 2 000 000 iterations each: every one under the per-structure limit, 40 million
    // in all, more than kMaxFileIterations (30 million).
    const auto pfx = crafted_key_bags_pfx(leaf_, 20, [](int i) {
        return pbkdf2_algorithm(2'000'000, static_cast<std::uint8_t>(i + 1));
    });
    auto r = import_pkcs12(pfx, kAsciiPassword, "twenty.pfx");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::corrupt) << r.error().message;
    EXPECT_NE(r.error().message.find("twenty.pfx"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("30000000"), std::string::npos) << r.error().message;
}

TEST_F(Pkcs12Import, KeysSharingOneDerivationCountOnceAgainstTheBudget) {
    // The same 20 keys with one salt: the key cache derives once, so the file is within the
    // budget; its random ciphertext then fails to decrypt, as a wrong key would.
    const auto pfx =
        crafted_key_bags_pfx(leaf_, 20, [](int) { return pbkdf2_algorithm(2'000'000, 7); });
    auto r = import_pkcs12(pfx, kAsciiPassword, "shared.pfx");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::wrong_password) << r.error().message;
}

TEST_F(Pkcs12Import, Rc2EncryptedFileOpensThroughTheLegacyProvider) {
    const auto pfx = legacy_rc2_pfx(leaf_, kNonAsciiPassword);
    {
        // The process's default context cannot decrypt RC2, or this test would prove nothing.
        const unsigned char* cursor = pfx.data();
        ossl::Pkcs12Ptr p12(d2i_PKCS12(nullptr, &cursor, static_cast<long>(pfx.size())));
        const std::string pass(kNonAsciiPassword);
        EVP_PKEY* key = nullptr;
        X509* certificate = nullptr;
        EXPECT_EQ(PKCS12_parse(p12.get(), pass.c_str(), &key, &certificate, nullptr), 0);
        EVP_PKEY_free(key);
        X509_free(certificate);
        ossl::clear_errors();
    }
    auto contents = import_pkcs12(pfx, kNonAsciiPassword, "legacy.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    ASSERT_EQ(contents->certificates.size(), 1u);
    EXPECT_EQ(contents->certificates[0].sha256_hex(), leaf_.sha256_hex());
    EXPECT_TRUE(contents->certificates[0].has_key());
    EXPECT_EQ(contents->certificates[0].friendly_name(), "import leaf");
    EXPECT_EQ(fx::chain_digests(contents->certificates[0]),
              std::vector<std::string>{ca_.sha256_hex()});
}

TEST_F(Pkcs12Import, FileWithoutMacOpensAndAWrongPasswordStillFails) {
    const std::string pass(kAsciiPassword);
    ossl::Pkcs12Ptr p12(PKCS12_create_ex(pass.c_str(), "no mac", leaf_.key(), leaf_.leaf(), nullptr,
                                         NID_aes_256_cbc, NID_aes_256_cbc, kTestIterations, -1, 0,
                                         nullptr, nullptr));
    ASSERT_TRUE(p12) << ossl::drain_errors();
    const auto pfx = encode(p12.get());
    auto contents = import_pkcs12(pfx, kAsciiPassword, "nomac.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    EXPECT_EQ(contents->mac_algorithm, "");
    EXPECT_EQ(contents->mac_iterations, 0);
    EXPECT_EQ(contents->certificates.at(0).friendly_name(), "no mac");

    auto wrong = import_pkcs12(pfx, "not the password", "nomac.pfx");
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, ErrorCode::wrong_password) << wrong.error().message;
}

TEST_F(Pkcs12Import, FileMadeWithNoPasswordOpensWithTheEmptyPassword) {
    // OpenSSL derives different keys for "no password" (NULL) and "" (an empty BMPString); other
    // producers write either. An empty password must open both, as `openssl pkcs12` does.
    ossl::Pkcs12Ptr p12(PKCS12_create_ex(nullptr, "null password", leaf_.key(), leaf_.leaf(),
                                         nullptr, NID_aes_256_cbc, NID_aes_256_cbc, kTestIterations,
                                         kTestIterations, 0, nullptr, nullptr));
    ASSERT_TRUE(p12) << ossl::drain_errors();
    auto contents = import_pkcs12(encode(p12.get()), "", "null.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    EXPECT_EQ(contents->certificates.at(0).sha256_hex(), leaf_.sha256_hex());
}

TEST_F(Pkcs12Import, WindowsExportWithoutPasswordAndRc2CertificatesKeepsEverything) {
    // Windows' "no password" export: a NULL password, certificates under RC2-40, the key under
    // 3DES, a SHA-1 MAC. `certificates import --no-password` gives the empty password.
    const auto pfx = legacy_rc2_pfx(leaf_, std::nullopt);
    auto contents = import_pkcs12(pfx, "", "windows.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    ASSERT_EQ(contents->certificates.size(), 1u);
    const Certificate& back = contents->certificates[0];
    EXPECT_EQ(back.sha256_hex(), leaf_.sha256_hex());
    ASSERT_TRUE(back.has_key());
    EXPECT_EQ(pem_of_key(back), pem_of_key(leaf_));
    EXPECT_EQ(back.friendly_name(), "import leaf");
    EXPECT_EQ(fx::chain_digests(back), std::vector<std::string>{ca_.sha256_hex()});
    EXPECT_EQ(contents->mac_algorithm, "sha1");

    auto wrong = import_pkcs12(pfx, kAsciiPassword, "windows.pfx", true);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, ErrorCode::wrong_password);
}

TEST_F(Pkcs12Import, WindowsTrailingNulAndSurrogatePairsInBmpNamesAreRead) {
    // "Srv 😀" + U+0000, as Windows writes it: UTF-16BE, a surrogate pair, a terminating NUL.
    const std::string bmp("\x00S\x00r\x00v\x00 \xD8\x3D\xDE\x00\x00\x00", 12);
    const auto pfx =
        assemble_single_safe_pfx({{leaf_.leaf(), "", "1", RawName{V_ASN1_BMPSTRING, bmp}}},
                                 {{leaf_.key(), "", "1"}}, kAsciiPassword);
    auto contents = import_pkcs12(pfx, kAsciiPassword, "windows-name.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    EXPECT_EQ(contents->certificates.at(0).friendly_name(), "Srv \xF0\x9F\x98\x80");
    EXPECT_TRUE(contents->warnings.empty());
}

TEST_F(Pkcs12Import, InvalidUtf8AndControlCharactersInANameAreReplacedWithAWarning) {
    const std::string utf8_bytes = "bad \xFF name\x1B[2J";
    const auto pfx =
        assemble_single_safe_pfx({{leaf_.leaf(), "", "1", RawName{V_ASN1_UTF8STRING, utf8_bytes}}},
                                 {{leaf_.key(), "", "1"}}, kAsciiPassword);
    auto contents = import_pkcs12(pfx, kAsciiPassword, "foreign.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    const Certificate& back = contents->certificates.at(0);
    EXPECT_EQ(back.friendly_name(), "bad \xEF\xBF\xBD name\xEF\xBF\xBD[2J");
    ASSERT_EQ(contents->warnings.size(), 1u);
    EXPECT_NE(contents->warnings[0].find("foreign.pfx"), std::string::npos);
    EXPECT_NE(contents->warnings[0].find(leaf_.sha256_hex()), std::string::npos)
        << contents->warnings[0];
    // What was imported exports again, in both profiles.
    for (const auto& profile :
         {Pkcs12Profile::modern(kTestIterations), Pkcs12Profile::compat(kTestIterations)}) {
        auto again = export_pkcs12(back, kAsciiPassword, profile);
        ASSERT_TRUE(again) << again.error().message;
    }
}

TEST_F(Pkcs12Import, NonAsciiPasswordOfOpenSslBefore110Opens) {
    // OpenSSL < 1.1.0 widened each password byte into the BMPString. A file written so is
    // exactly a file written today with the password's bytes re-encoded as Latin-1 in UTF-8.
    std::string old_form;
    for (unsigned char c : kNonAsciiPassword) {
        if (c < 0x80) {
            old_form += static_cast<char>(c);
        } else {
            old_form += static_cast<char>(0xC0 | (c >> 6));
            old_form += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    auto pfx = export_pkcs12(leaf_, old_form, Pkcs12Profile::compat(kTestIterations));
    ASSERT_TRUE(pfx) << pfx.error().message;
    auto contents = import_pkcs12(*pfx, kNonAsciiPassword, "old.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    EXPECT_EQ(contents->certificates.at(0).sha256_hex(), leaf_.sha256_hex());
}

// ---------------------------------------------------------------------------------------------
// Pairing keys and certificates in files certbackup did not write

TEST_F(Pkcs12Import, SeveralShroudedKeysPairWithTheirCertificatesByLocalKeyId) {
    const Certificate second =
        fx::make_leaf("second.example.com", &ca_, {}, samples::KeyType::rsa2048);
    const Certificate third = fx::make_leaf("third.example.com", &ca_);
    // Keys in another order than certificates, IDs that are not thumbprints, names on the keys.
    const auto pfx = assemble_single_safe_pfx({{leaf_.leaf(), "", "id-1"},
                                               {ca_.leaf(), "", ""},
                                               {second.leaf(), "", "id-2"},
                                               {third.leaf(), "third cert", "id-3"}},
                                              {{third.key(), "third key", "id-3"},
                                               {leaf_.key(), "first", "id-1"},
                                               {second.key(), "second", "id-2"}},
                                              kAsciiPassword);
    const PfxLayout layout = inspect(pfx, kAsciiPassword);
    ASSERT_EQ(layout.shrouded_keys.size(), 3u);
    EXPECT_EQ(layout.encrypted_safes.size(), 0u);

    auto contents = import_pkcs12(pfx, kAsciiPassword, "three.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    ASSERT_EQ(contents->certificates.size(), 3u);
    const Certificate* expected[] = {&leaf_, &second, &third};
    const char* names[] = {"first", "second", "third cert"};
    for (std::size_t i = 0; i < 3; ++i) {
        const Certificate& back = contents->certificates[i];
        EXPECT_EQ(back.sha256_hex(), expected[i]->sha256_hex()) << i;
        ASSERT_TRUE(back.has_key()) << i;
        EXPECT_EQ(pem_of_key(back), pem_of_key(*expected[i])) << i;
        EXPECT_EQ(back.friendly_name(), names[i]) << i;
        EXPECT_EQ(fx::chain_digests(back), std::vector<std::string>{ca_.sha256_hex()}) << i;
    }
}

TEST_F(Pkcs12Import, KeysPairByPublicKeyWhenLocalKeyIdsAreMissingOrWrong) {
    const Certificate second = fx::make_leaf("second.example.com", &ca_);
    // leaf_'s key claims second's ID; second's key has none.
    const auto pfx = assemble_single_safe_pfx(
        {{leaf_.leaf(), "", "L"}, {second.leaf(), "", "S"}, {ca_.leaf(), "", ""}},
        {{second.key(), "", ""}, {leaf_.key(), "", "S"}}, kAsciiPassword);
    auto contents = import_pkcs12(pfx, kAsciiPassword, "loose.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    ASSERT_EQ(contents->certificates.size(), 2u);
    EXPECT_EQ(contents->certificates[0].sha256_hex(), leaf_.sha256_hex());
    EXPECT_EQ(pem_of_key(contents->certificates[0]), pem_of_key(leaf_));
    EXPECT_EQ(contents->certificates[1].sha256_hex(), second.sha256_hex());
    EXPECT_EQ(pem_of_key(contents->certificates[1]), pem_of_key(second));
}

TEST_F(Pkcs12Import, KeyWithoutItsCertificateIsUnsupported) {
    const Certificate other = fx::make_leaf("other.example.com", nullptr);
    const auto pfx = assemble_single_safe_pfx({{leaf_.leaf(), "", "1"}},
                                              {{leaf_.key(), "", "1"}, {other.key(), "lost", "2"}},
                                              kAsciiPassword);
    auto r = import_pkcs12(pfx, kAsciiPassword, "orphan.pfx");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::unsupported);
    EXPECT_NE(r.error().message.find("'lost'"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("orphan.pfx"), std::string::npos);
}

TEST_F(Pkcs12Import, CertificatesWithoutKeysFormOneEntryWithItsChain) {
    // Like `openssl pkcs12 -export -nokeys` of a full chain: leaf, intermediate, root, with a
    // duplicate, no attributes. The leaf is the one that issued nothing.
    const Certificate intermediate = fx::make_ca("Nokeys Intermediate", &ca_);
    const Certificate leaf = fx::make_leaf("nokeys.example.com", &intermediate);
    const auto pfx = assemble_single_safe_pfx({{ca_.leaf(), "", ""},
                                               {leaf.leaf(), "", ""},
                                               {intermediate.leaf(), "", ""},
                                               {ca_.leaf(), "", ""}},
                                              {}, kAsciiPassword);
    auto contents = import_pkcs12(pfx, kAsciiPassword, "nokeys.pfx");
    ASSERT_TRUE(contents) << contents.error().message;
    ASSERT_EQ(contents->certificates.size(), 1u);
    EXPECT_EQ(contents->certificates[0].sha256_hex(), leaf.sha256_hex());
    EXPECT_EQ(fx::chain_digests(contents->certificates[0]),
              (std::vector<std::string>{intermediate.sha256_hex(), ca_.sha256_hex()}));
}

TEST_F(Pkcs12Import, BagsACertificateCannotCarryAreReportedAndLeftOut) {
    const auto pfx = assemble_single_safe_pfx({{leaf_.leaf(), "", "1"}}, {{leaf_.key(), "", "1"}},
                                              kAsciiPassword, true);
    auto contents = import_pkcs12(pfx, kAsciiPassword, "secret.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    ASSERT_EQ(contents->certificates.size(), 1u);
    ASSERT_EQ(contents->ignored_items.size(), 1u);
    EXPECT_NE(contents->ignored_items[0].find("secretBag"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// The legacy provider missing, in a process of its own: OPENSSL_MODULES points where there is
// no legacy.so before the first import loads the providers.

TEST(Pkcs12LegacyDeathTest, MissingLegacyProviderMakesRc2FilesUnsupported) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");  // a fresh process, not a fork
    const Certificate leaf = fx::make_leaf("legacy.example.com", nullptr);
    const auto pfx = legacy_rc2_pfx(leaf, kAsciiPassword);
    EXPECT_EXIT(
        {
            ::setenv("OPENSSL_MODULES", "/nonexistent/certbackup-no-modules", 1);
            auto r = import_pkcs12(pfx, kAsciiPassword, "legacy.pfx");
            const bool ok =
                !r && r.error().code == ErrorCode::unsupported &&
                r.error().message.find("pbeWithSHA1And40BitRC2-CBC") != std::string::npos &&
                r.error().message.find("legacy provider") != std::string::npos;
            std::fprintf(stderr, "%s\n", r ? "imported" : r.error().message.c_str());
            std::_Exit(ok ? 0 : 1);
        },
        ::testing::ExitedWithCode(0), "pbeWithSHA1And40BitRC2-CBC");
}

// ---------------------------------------------------------------------------------------------
// Thread safety: exports and imports share no state but the decryption context, which the
// first imports create concurrently here.

TEST(Pkcs12Concurrency, ParallelExportsAndImportsAgree) {
    const Certificate ca = fx::make_ca("Parallel CA");
    const Certificate leaf = fx::make_leaf("parallel.example.com", &ca, "parallel");
    const auto legacy = legacy_rc2_pfx(leaf, kAsciiPassword);
    std::vector<std::thread> threads;
    std::vector<int> failures(6, 0);
    for (std::size_t t = 0; t < failures.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round < 3; ++round) {
                auto imported = import_pkcs12(legacy, kAsciiPassword, "legacy.pfx", true);
                const auto profile = t % 2 == 0 ? Pkcs12Profile::modern(kTestIterations)
                                                : Pkcs12Profile::compat(kTestIterations);
                auto exported = export_pkcs12(leaf, kAsciiPassword, profile);
                auto again = exported ? import_pkcs12(*exported, kAsciiPassword, "x.pfx", true)
                                      : Result<Pkcs12Contents>(std::unexpected(exported.error()));
                if (!imported || !again ||
                    imported->certificates.at(0).sha256_hex() != leaf.sha256_hex() ||
                    again->certificates.at(0).sha256_hex() != leaf.sha256_hex())
                    ++failures[t];
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(failures, std::vector<int>(failures.size(), 0));
}

}  // namespace
}  // namespace certbackup
