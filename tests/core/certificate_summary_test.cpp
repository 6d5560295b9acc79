// The light certificate reader of `certificates list` (core/certificate_summary.hpp): the same
// fields as the X509 path for every certificate of a sample store, and refusal of what is not a
// well-formed certificate.
#include "core/certificate_summary.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include "core/certificate_file.hpp"
#include "core/directory_store.hpp"
#include "store_test_support.hpp"
#include "support/sample_store_cache.hpp"
#include "support/temp_dir.hpp"

namespace certbackup {
namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> bytes_of(const std::string& text) {
    return {text.begin(), text.end()};
}

std::vector<std::uint8_t> read_bytes(const fs::path& path) {
    return bytes_of(testing::read_text(path));
}

fs::path sample_store() {
    samples::SampleStoreOptions options;
    options.seed = 11;
    return testing::cached_sample_store(options);
}

// The DER of the first certificate of a store (the SSL certificate's issuer chain included
// in its file does not matter here).
std::vector<std::uint8_t> some_certificate_der() {
    const fs::path certs = sample_store() / "certs";
    const auto text = read_bytes(fs::directory_iterator(certs)->path());
    auto certificate = parse_certificate_file(text, "test");
    EXPECT_TRUE(certificate) << certificate.error().message;
    return certificate->der();
}

TEST(CertificateSummary, EveryStoreCertificateMatchesTheX509Path) {
    int seen = 0;
    int with_chain = 0;
    for (const auto& entry : fs::directory_iterator(sample_store() / "certs")) {
        const auto text = read_bytes(entry.path());
        auto full = parse_certificate_file(text, entry.path().string());
        ASSERT_TRUE(full) << full.error().message;
        auto light = summarize_certificate_file(text, entry.path().string());
        ASSERT_TRUE(light) << light.error().message;
        const CertificateInfo info = full->info();
        EXPECT_EQ(light->subject, info.subject);
        EXPECT_EQ(light->issuer, info.issuer);
        EXPECT_EQ(light->not_before, info.not_before);
        EXPECT_EQ(light->not_after, info.not_after);
        EXPECT_EQ(light->sha256_hex, info.sha256_hex);
        EXPECT_NE(light->not_after, 0);
        ++seen;
        with_chain += full->chain().empty() ? 0 : 1;
    }
    EXPECT_GT(seen, 10);
    EXPECT_GT(with_chain, 0) << "the sample store has a certificate with a chain";
}

// certificate_der_parts points at the DER OpenSSL writes for the names and the public key.
TEST(CertificateSummary, DerPartsAreTheNamesAndPublicKeyOpenSslEncodes) {
    int seen = 0;
    for (const auto& entry : fs::directory_iterator(sample_store() / "certs")) {
        auto full = parse_certificate_file(read_bytes(entry.path()), entry.path().string());
        ASSERT_TRUE(full) << full.error().message;
        const std::vector<std::uint8_t> der = full->der();
        auto parts = certificate_der_parts(der);
        ASSERT_TRUE(parts) << parts.error().message;
        const auto encoded = [](auto encode, auto* object) {
            unsigned char* out = nullptr;
            const int length = encode(object, &out);
            std::vector<std::uint8_t> bytes(out, out + length);
            OPENSSL_free(out);
            return bytes;
        };
        const auto as_vector = [](std::span<const std::uint8_t> span) {
            return std::vector<std::uint8_t>(span.begin(), span.end());
        };
        EXPECT_EQ(as_vector(parts->subject),
                  encoded(i2d_X509_NAME, X509_get_subject_name(full->leaf())));
        EXPECT_EQ(as_vector(parts->issuer),
                  encoded(i2d_X509_NAME, X509_get_issuer_name(full->leaf())));
        EXPECT_EQ(as_vector(parts->public_key),
                  encoded(i2d_X509_PUBKEY, X509_get_X509_PUBKEY(full->leaf())));
        EXPECT_GE(parts->subject.data(), der.data());
        EXPECT_LE(parts->public_key.data() + parts->public_key.size(), der.data() + der.size());
        ++seen;
    }
    EXPECT_GT(seen, 10);
    const std::vector<std::uint8_t> some = some_certificate_der();
    const std::vector<std::uint8_t> truncated(some.begin(), some.begin() + 40);
    auto refused = certificate_der_parts(truncated);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::corrupt);
}

TEST(CertificateSummary, ListSummariesMatchesListInOrderBindingsAndKeys) {
    const testing::TempDir dir;
    testing::copy_sample_store(
        [] {
            samples::SampleStoreOptions options;
            options.seed = 11;
            return options;
        }(),
        dir.path() / "store");
    auto store = DirectoryStore::open(dir.path() / "store");
    ASSERT_TRUE(store) << store.error().message;
    // A certificate without its key in the store.
    const fs::path some_key = fs::directory_iterator(dir.path() / "store" / "keys")->path();
    fs::remove(some_key);
    for (const bool all : {false, true}) {
        CertificateFilter filter;
        filter.include_unused = all;
        filter.load_keys = false;
        auto full = (*store)->list(filter);
        ASSERT_TRUE(full) << full.error().message;
        auto light = (*store)->list_summaries(filter);
        ASSERT_TRUE(light) << light.error().message;
        ASSERT_EQ(full->size(), light->size());
        for (std::size_t i = 0; i < full->size(); ++i) {
            EXPECT_EQ((*light)[i].summary.sha256_hex, (*full)[i].certificate.sha256_hex());
            EXPECT_EQ((*light)[i].bindings, (*full)[i].bindings);
            EXPECT_EQ((*light)[i].key_stored, (*full)[i].key_stored);
        }
    }
    CertificateFilter one_database;
    auto required = (*store)->list_summaries();
    ASSERT_TRUE(required && !required->empty());
    for (const auto& listed : *required)
        if (!listed.bindings.front().database.empty())
            one_database.database = listed.bindings.front().database;
    ASSERT_TRUE(one_database.database);
    auto full = (*store)->list(one_database);
    auto light = (*store)->list_summaries(one_database);
    ASSERT_TRUE(full && light);
    EXPECT_EQ(full->size(), light->size());
}

TEST(CertificateSummary, RefusesEveryTruncation) {
    const auto der = some_certificate_der();
    ASSERT_TRUE(read_certificate_summary(der));
    for (std::size_t length = 0; length < der.size(); ++length) {
        auto summary = read_certificate_summary(std::span(der).first(length));
        ASSERT_FALSE(summary) << "accepted a certificate cut to " << length << " bytes";
        EXPECT_EQ(summary.error().code, ErrorCode::corrupt);
        EXPECT_NE(summary.error().message.find("the certificate's"), std::string::npos)
            << summary.error().message;
    }
}

TEST(CertificateSummary, RefusesTrailingDataGarbageAndNonDerLengths) {
    auto der = some_certificate_der();
    auto trailing = der;
    trailing.push_back(0);
    EXPECT_FALSE(read_certificate_summary(trailing));
    EXPECT_FALSE(read_certificate_summary(bytes_of("not a certificate at all")));
    EXPECT_FALSE(read_certificate_summary(std::vector<std::uint8_t>{0x30, 0x80, 0x00, 0x00}))
        << "BER's indefinite length";
    EXPECT_FALSE(
        read_certificate_summary(std::vector<std::uint8_t>{0x30, 0x81, 0x05, 0, 0, 0, 0, 0}))
        << "a long-form length below 128";
    EXPECT_FALSE(read_certificate_summary(
        std::vector<std::uint8_t>{0x30, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00}))
        << "five length bytes";
    EXPECT_FALSE(
        read_certificate_summary(std::vector<std::uint8_t>{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff}))
        << "a length far beyond the input";
    // Every single-byte change either still reads or is refused cleanly, never crashes; a change
    // of the outer tag is always refused.
    for (std::size_t i = 0; i < der.size(); ++i) {
        auto changed = der;
        changed[i] ^= 0xff;
        (void)read_certificate_summary(changed);
    }
    auto wrong_tag = der;
    wrong_tag[0] = 0x31;
    EXPECT_FALSE(read_certificate_summary(wrong_tag));
}

// Found by fuzz_certificate_summary: OpenSSL reads a certificate whose subject's SEQUENCE tag
// (or the extensions') is marked primitive (0x10), keeping its encoding; the summary reads it
// too, with the same fields.
TEST(CertificateSummary, ReadsANameOpenSslReadsWithAPrimitiveSequenceTag) {
    auto der = some_certificate_der();
    auto light = read_certificate_summary(der);
    ASSERT_TRUE(light);
    // The subject follows the validity: find the validity's two UTCTimes, then the next tag.
    std::size_t subject = 0;
    for (std::size_t i = 0; i + 32 < der.size(); ++i)
        if (der[i] == 0x30 && der[i + 1] == 30 && der[i + 2] == 0x17 && der[i + 17] == 0x17) {
            subject = i + 32;
            break;
        }
    ASSERT_NE(subject, 0u);
    ASSERT_EQ(der[subject], 0x30);
    der[subject] = 0x10;
    const unsigned char* p = der.data();
    ossl::X509Ptr x509(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    ASSERT_TRUE(x509) << "OpenSSL reads it";
    auto certificate = Certificate::create(std::move(x509), nullptr, {});
    ASSERT_TRUE(certificate);
    auto changed = read_certificate_summary(der);
    ASSERT_TRUE(changed) << changed.error().message;
    EXPECT_EQ(changed->subject, certificate->info().subject);
    EXPECT_EQ(changed->subject, light->subject);
    EXPECT_EQ(changed->sha256_hex, certificate->sha256_hex());
}

TEST(CertificateSummary, FileErrorsNameTheFileAsTheX509PathDoes) {
    const auto der = some_certificate_der();
    auto pem = [](std::span<const std::uint8_t> bytes) {
        ossl::BioPtr bio(BIO_new(BIO_s_mem()));
        PEM_write_bio(bio.get(), "CERTIFICATE", "", bytes.data(), static_cast<long>(bytes.size()));
        char* data = nullptr;
        const long length = BIO_get_mem_data(bio.get(), &data);
        return std::string(data, static_cast<std::size_t>(length));
    };
    const std::string good = pem(der);
    const std::string bad_leaf = pem(std::span(der).first(der.size() - 1));
    for (const std::string& text : {std::string("no PEM here"), bad_leaf}) {
        auto light = summarize_certificate_file(bytes_of(text), "certs/x.pem");
        ASSERT_FALSE(light);
        EXPECT_EQ(light.error().code, ErrorCode::corrupt);
        EXPECT_NE(light.error().message.find("certs/x.pem: no PEM certificate found"),
                  std::string::npos)
            << light.error().message;
        EXPECT_FALSE(parse_certificate_file(bytes_of(text), "certs/x.pem"));
    }
    const std::string bad_chain = good + bad_leaf;
    auto light = summarize_certificate_file(bytes_of(bad_chain), "certs/x.pem");
    ASSERT_FALSE(light);
    EXPECT_NE(light.error().message.find("certs/x.pem: a chain certificate cannot be read"),
              std::string::npos)
        << light.error().message;
    EXPECT_FALSE(parse_certificate_file(bytes_of(bad_chain), "certs/x.pem"));
    // A private key block before the certificate is skipped, as PEM_read_bio_X509 skips it
    // (a key made here: the repository holds no private keys).
    ossl::EvpPkeyPtr key(EVP_EC_gen("P-256"));
    ASSERT_TRUE(key) << ossl::drain_errors();
    ossl::BioPtr key_bio(BIO_new(BIO_s_mem()));
    ASSERT_EQ(
        PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr),
        1);
    char* key_text = nullptr;
    const long key_length = BIO_get_mem_data(key_bio.get(), &key_text);
    const std::string key_first =
        std::string(key_text, static_cast<std::size_t>(key_length)) + good;
    auto skipped = summarize_certificate_file(bytes_of(key_first), "certs/x.pem");
    ASSERT_TRUE(skipped) << skipped.error().message;
}

TEST(CertificateSummary, ListSummariesRefusesAMisnamedFileAsListDoes) {
    const testing::TempDir dir;
    samples::SampleStoreOptions options;
    options.seed = 11;
    testing::copy_sample_store(options, dir.path() / "store");
    const fs::path certs = dir.path() / "store" / "certs";
    const fs::path first = fs::directory_iterator(certs)->path();
    fs::rename(first, certs / (std::string(64, 'a') + ".pem"));
    auto store = DirectoryStore::open(dir.path() / "store");
    ASSERT_TRUE(store) << store.error().message;
    CertificateFilter all;
    all.include_unused = true;
    auto full = (*store)->list(all);
    auto light = (*store)->list_summaries(all);
    ASSERT_FALSE(full);
    ASSERT_FALSE(light);
    EXPECT_EQ(light.error().code, full.error().code);
    EXPECT_EQ(light.error().message, full.error().message);
}

}  // namespace
}  // namespace certbackup
