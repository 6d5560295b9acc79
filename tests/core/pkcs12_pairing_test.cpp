// The pairing of PKCS#12 import (core/pkcs12_pairing.hpp) on its own: certificates and keys as
// DER in, each Certificate handed out as soon as it is assembled. The streaming is what keeps a
// restore of thousands small, so the order of key decodes and hand-outs is checked here.
#include "core/pkcs12_pairing.hpp"

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pkcs12_fixtures.hpp"

namespace certbackup {
namespace {

using pkcs12_detail::CertificateItem;
using pkcs12_detail::KeyItem;
using pkcs12_testing::make_ca;
using pkcs12_testing::make_leaf;

std::vector<std::uint8_t> der_of(X509* certificate) {
    unsigned char* der = nullptr;
    const int length = i2d_X509(certificate, &der);
    std::vector<std::uint8_t> out(der, der + length);
    OPENSSL_free(der);
    return out;
}

SecureBuffer pkcs8_of(EVP_PKEY* key) {
    const ossl::Pkcs8PrivKeyInfoPtr pkcs8(EVP_PKEY2PKCS8(key));
    unsigned char* der = nullptr;
    const int length = i2d_PKCS8_PRIV_KEY_INFO(pkcs8.get(), &der);
    SecureBuffer out(std::span<const std::uint8_t>(der, static_cast<std::size_t>(length)));
    OPENSSL_clear_free(der, static_cast<std::size_t>(length));
    return out;
}

std::vector<std::uint8_t> id_of(const std::string& text) {
    return {text.begin(), text.end()};
}

// The tests' KeyDecoder: any PKCS#8 OpenSSL reads; "test key does not decode" otherwise.
Result<ossl::EvpPkeyPtr> decode_test_key(const SecureBuffer& pkcs8) {
    const unsigned char* cursor = pkcs8.data();
    ossl::EvpPkeyPtr key(d2i_AutoPrivateKey(nullptr, &cursor, static_cast<long>(pkcs8.size())));
    if (!key)
        return fail(ErrorCode::corrupt, "test key does not decode");
    return key;
}

// What a pairing did, in order: "key N" when key N (from 1) was decoded, "cert I" when the
// certificate at file index I was handed out.
struct Recording {
    std::vector<std::string> events;
    std::vector<std::pair<std::size_t, Certificate>> handed_out;
};

Result<void> assemble(std::vector<CertificateItem> certificates, std::vector<KeyItem> keys,
                      Recording& recording) {
    std::size_t decoded = 0;
    return pkcs12_detail::assemble_certificates(
        std::move(certificates), std::move(keys), "test.pfx",
        [&](const SecureBuffer& pkcs8) -> Result<ossl::EvpPkeyPtr> {
            recording.events.push_back("key " + std::to_string(++decoded));
            return decode_test_key(pkcs8);
        },
        [&](std::size_t index, Certificate certificate) -> Result<void> {
            recording.events.push_back("cert " + std::to_string(index));
            recording.handed_out.emplace_back(index, std::move(certificate));
            return {};
        });
}

class Pkcs12Pairing : public ::testing::Test {
  protected:
    Certificate ca_ = make_ca("Pairing CA");
    Certificate first_ = make_leaf("first.example", &ca_, "first");
    Certificate second_ = make_leaf("second.example", &ca_, "second");
    Certificate third_ = make_leaf("third.example", &ca_, "third");
};

TEST_F(Pkcs12Pairing, EachKeyedCertificateIsHandedOutBeforeTheNextKeyIsDecoded) {
    // File order: CA, first, second, third; keys in the same order, paired by localKeyID.
    std::vector<CertificateItem> certificates;
    certificates.push_back({der_of(ca_.leaf()), "", {}});
    std::vector<KeyItem> keys;
    for (const Certificate* c : {&first_, &second_, &third_}) {
        certificates.push_back({der_of(c->leaf()), c->friendly_name(), id_of(c->sha256_hex())});
        keys.push_back({pkcs8_of(c->key()), "", id_of(c->sha256_hex())});
    }
    Recording recording;
    auto r = assemble(std::move(certificates), std::move(keys), recording);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(recording.events,
              (std::vector<std::string>{"key 1", "cert 1", "key 2", "cert 2", "key 3", "cert 3"}));
    ASSERT_EQ(recording.handed_out.size(), 3u);  // the CA is a chain certificate
    for (const auto& [index, certificate] : recording.handed_out) {
        EXPECT_TRUE(certificate.has_key());
        ASSERT_EQ(certificate.chain().size(), 1u);
        EXPECT_EQ(sha256_hex_of(certificate.chain().front().get()), ca_.sha256_hex());
    }
    EXPECT_EQ(recording.handed_out[1].second.sha256_hex(), second_.sha256_hex());
    EXPECT_EQ(recording.handed_out[1].second.friendly_name(), "second");
}

TEST_F(Pkcs12Pairing, KeyedCertificatesComeInKeyOrderWithTheirFileIndexThenTheKeylessOnes) {
    // File order: first (no key in the file, no localKeyID, issued nothing: a leaf), second,
    // third; keys for third then second, found by public key (no localKeyIDs).
    std::vector<CertificateItem> certificates;
    for (const Certificate* c : {&first_, &second_, &third_})
        certificates.push_back({der_of(c->leaf()), "", {}});
    std::vector<KeyItem> keys;
    keys.push_back({pkcs8_of(third_.key()), "third's key", {}});
    keys.push_back({pkcs8_of(second_.key()), "", {}});
    Recording recording;
    auto r = assemble(std::move(certificates), std::move(keys), recording);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(recording.events,
              (std::vector<std::string>{"key 1", "cert 2", "key 2", "cert 1", "cert 0"}));
    EXPECT_EQ(recording.handed_out[0].second.friendly_name(), "third's key");
    EXPECT_FALSE(recording.handed_out[2].second.has_key());
    EXPECT_TRUE(recording.handed_out[2].second.chain().empty());  // the CA is not in the file
}

TEST_F(Pkcs12Pairing, ASecondCopyOfAKeyIsDroppedAndAKeyWithoutItsCertificateIsRefused) {
    std::vector<CertificateItem> certificates;
    certificates.push_back({der_of(first_.leaf()), "", {}});
    std::vector<KeyItem> keys;
    keys.push_back({pkcs8_of(first_.key()), "", {}});
    keys.push_back({pkcs8_of(first_.key()), "", {}});
    keys.push_back({pkcs8_of(second_.key()), "orphan", {}});
    Recording recording;
    auto r = assemble(std::move(certificates), std::move(keys), recording);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::unsupported);
    EXPECT_NE(r.error().message.find("private key 3 ('orphan') has no matching certificate"),
              std::string::npos)
        << r.error().message;
    EXPECT_EQ(recording.events, (std::vector<std::string>{"key 1", "cert 0", "key 2", "key 3"}));
}

TEST_F(Pkcs12Pairing, TheSinksErrorStopsTheAssembly) {
    std::vector<CertificateItem> certificates;
    std::vector<KeyItem> keys;
    for (const Certificate* c : {&first_, &second_}) {
        certificates.push_back({der_of(c->leaf()), "", id_of(c->sha256_hex())});
        keys.push_back({pkcs8_of(c->key()), "", id_of(c->sha256_hex())});
    }
    std::size_t decoded = 0;
    std::size_t calls = 0;
    auto r = pkcs12_detail::assemble_certificates(
        std::move(certificates), std::move(keys), "test.pfx",
        [&](const SecureBuffer& pkcs8) -> Result<ossl::EvpPkeyPtr> {
            ++decoded;
            const unsigned char* cursor = pkcs8.data();
            return ossl::EvpPkeyPtr(
                d2i_AutoPrivateKey(nullptr, &cursor, static_cast<long>(pkcs8.size())));
        },
        [&](std::size_t, Certificate) -> Result<void> {
            ++calls;
            return fail(ErrorCode::io, "the consumer is full");
        });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "the consumer is full");
    EXPECT_EQ(calls, 1u);
    EXPECT_EQ(decoded, 1u);
}

TEST_F(Pkcs12Pairing, ACertificateThatIsNotDerX509IsCorruptAndNamesTheFile) {
    std::vector<std::uint8_t> broken = der_of(first_.leaf());
    broken.resize(broken.size() / 2);
    std::vector<CertificateItem> certificates;
    certificates.push_back({broken, "", {}});
    Recording recording;
    auto r = assemble(std::move(certificates), {}, recording);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::corrupt);
    EXPECT_NE(r.error().message.find("test.pfx: a certificate in the file is malformed"),
              std::string::npos)
        << r.error().message;
}

}  // namespace
}  // namespace certbackup

namespace certbackup {
namespace {

using pkcs12_testing::kAsciiPassword;
using pkcs12_testing::kTestIterations;

// The whole import through import_pkcs12_each: the same certificates as import_pkcs12, by file
// index, and the caller's buffer released once decoded.
TEST(Pkcs12ImportEach, HandsOutWhatImportPkcs12ReturnsAndReleasesTheBytesWhenAsked) {
    const Certificate ca = make_ca("Each CA");
    std::vector<Certificate> leaves;
    for (int i = 0; i < 5; ++i)
        leaves.push_back(
            make_leaf("each" + std::to_string(i) + ".example", &ca, "each " + std::to_string(i)));
    std::vector<const Certificate*> entries;
    for (const auto& leaf : leaves)
        entries.push_back(&leaf);
    for (const auto& profile :
         {Pkcs12Profile::modern(kTestIterations), Pkcs12Profile::compat(kTestIterations)}) {
        auto pfx = export_pkcs12_bundle(entries, kAsciiPassword, profile);
        ASSERT_TRUE(pfx) << pfx.error().message;
        auto whole = import_pkcs12(*pfx, kAsciiPassword, "bundle.pfx");
        ASSERT_TRUE(whole) << whole.error().message;

        std::vector<std::uint8_t> bytes = *pfx;
        std::vector<std::pair<std::size_t, std::string>> seen;
        auto details =
            import_pkcs12_each(bytes, kAsciiPassword, "bundle.pfx",
                               Pkcs12ImportOptions{false, Pkcs12Source::untrusted_file, &bytes},
                               [&](std::size_t index, Certificate certificate) -> Result<void> {
                                   EXPECT_TRUE(bytes.empty()) << "the file's bytes are still held";
                                   seen.emplace_back(index, certificate.sha256_hex());
                                   return {};
                               });
        ASSERT_TRUE(details) << details.error().message;
        EXPECT_EQ(bytes.capacity(), 0u);
        EXPECT_EQ(details->mac_algorithm, whole->mac_algorithm);
        std::sort(seen.begin(), seen.end());
        ASSERT_EQ(seen.size(), whole->certificates.size());
        for (std::size_t i = 0; i < seen.size(); ++i)
            EXPECT_EQ(seen[i].second, whole->certificates[i].sha256_hex());
        ASSERT_EQ(whole->certificates.size(), leaves.size());
        for (std::size_t i = 0; i < leaves.size(); ++i)
            EXPECT_EQ(whole->certificates[i].sha256_hex(), leaves[i].sha256_hex());
    }
}

// A file of many keys: decoded on workers, at most kPairingWindow ahead of the key being
// paired, while the pairing and the hand-outs stay in key order on the calling thread. Keys
// come in the reverse of the certificates' order; every fifth has no localKeyID and is found
// by its public key.
class Pkcs12ParallelPairing : public ::testing::Test {
  protected:
    static constexpr std::size_t kLeaves = pkcs12_detail::kParallelPairingFrom * 3;

    void SetUp() override {
        for (std::size_t i = 0; i < kLeaves; ++i)
            leaves_.push_back(make_leaf("many-" + std::to_string(i) + ".example", &ca_, ""));
    }

    // The file: the CA, then every leaf; keys last leaf first. Key `failing` (from 0), when
    // given, does not decode.
    Result<void> assemble_many(std::vector<std::size_t>& handed_out_indexes,
                               std::optional<std::size_t> failing = std::nullopt) {
        std::vector<CertificateItem> certificates;
        certificates.push_back({der_of(ca_.leaf()), "", {}});
        std::vector<KeyItem> keys;
        for (const Certificate& leaf : leaves_)
            certificates.push_back({der_of(leaf.leaf()), "", id_of(leaf.sha256_hex())});
        for (std::size_t k = 0; k < kLeaves; ++k) {
            const Certificate& leaf = leaves_[kLeaves - 1 - k];
            keys.push_back({pkcs8_of(leaf.key()), "key " + std::to_string(k),
                            k % 5 == 4 ? std::vector<std::uint8_t>{} : id_of(leaf.sha256_hex())});
            if (failing == k)
                keys.back().pkcs8 = SecureBuffer(std::string_view("not a key"));
        }
        const std::thread::id caller = std::this_thread::get_id();
        std::mutex mutex;
        std::size_t decoded = 0;
        return pkcs12_detail::assemble_certificates(
            std::move(certificates), std::move(keys), "many.pfx",
            [&](const SecureBuffer& pkcs8) -> Result<ossl::EvpPkeyPtr> {
                {
                    const std::lock_guard lock(mutex);
                    ++decoded;
                    decoded_off_caller_ |= std::this_thread::get_id() != caller;
                }
                return decode_test_key(pkcs8);
            },
            [&](std::size_t index, Certificate certificate) -> Result<void> {
                EXPECT_EQ(std::this_thread::get_id(), caller);
                {
                    const std::lock_guard lock(mutex);
                    // Key k (from 0) is being handed out: keys up to k + window - 1 may have
                    // started.
                    EXPECT_LE(decoded, handed_out_indexes.size() + pkcs12_detail::kPairingWindow);
                }
                EXPECT_TRUE(certificate.has_key()) << index;
                EXPECT_EQ(certificate.chain().size(), 1u) << index;
                handed_out_indexes.push_back(index);
                return {};
            });
    }

    Certificate ca_ = make_ca("Many CA");
    std::vector<Certificate> leaves_;
    bool decoded_off_caller_ = false;
};

TEST_F(Pkcs12ParallelPairing, KeysAreDecodedAheadOnWorkersAndPairedInKeyOrder) {
    std::vector<std::size_t> handed_out;
    auto r = assemble_many(handed_out);
    ASSERT_TRUE(r) << r.error().message;
    std::vector<std::size_t> expected;  // file index of leaf i is i + 1 (the CA is 0)
    for (std::size_t k = 0; k < kLeaves; ++k)
        expected.push_back(kLeaves - k);
    EXPECT_EQ(handed_out, expected);
    if (std::thread::hardware_concurrency() > 1) {
        EXPECT_TRUE(decoded_off_caller_);
    }
}

TEST_F(Pkcs12ParallelPairing, AKeyThatFailsIsTheErrorAndOnlyKeysBeforeItWereHandedOut) {
    std::vector<std::size_t> handed_out;
    const std::size_t failing = pkcs12_detail::kParallelPairingFrom + 7;
    auto r = assemble_many(handed_out, failing);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::corrupt);
    EXPECT_EQ(r.error().message, "test key does not decode");
    // A prefix of the key order (the pairing may stop before it reaches the failed key).
    ASSERT_LE(handed_out.size(), failing);
    for (std::size_t k = 0; k < handed_out.size(); ++k)
        EXPECT_EQ(handed_out[k], kLeaves - k);
}

}  // namespace
}  // namespace certbackup
