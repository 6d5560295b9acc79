// decode_manifest's refusals, one rule of docs/FORMAT.md broken at a time in a manifest that is
// otherwise the sample snapshot's. These manifests can only come from a writer that had the
// password (the MAC is checked before decoding), a faulty or a hostile one; each refusal must
// be corrupt and name manifest.pb and what is wrong.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/manifest_codec.hpp"
#include "core/snapshot_envelope.hpp"
#include "core/snapshot_reader.hpp"
#include "core/snapshot_writer.hpp"
#include "manifest.pb.h"
#include "support/snapshot_fixture.hpp"

namespace certbackup {
namespace {

using testing::kSnapshotPassword;
using testing::sample_certificates;
using testing::test_options;

// The sample snapshot's manifest (one-file mode) as protobuf.
const proto::Manifest& sample_manifest() {
    static const proto::Manifest manifest = [] {
        MemoryItems items;
        auto summary = SnapshotWriter(test_options(false))
                           .write(sample_certificates().candidates, kSnapshotPassword, items);
        EXPECT_TRUE(summary) << summary.error().message;
        auto decoded = SnapshotReader::read_manifest_unauthenticated(items);
        EXPECT_TRUE(decoded) << decoded.error().message;
        auto bytes = encode_manifest(*decoded);
        EXPECT_TRUE(bytes) << bytes.error().message;
        proto::Manifest parsed;
        EXPECT_TRUE(parsed.ParseFromArray(bytes->data(), static_cast<int>(bytes->size())));
        return parsed;
    }();
    return manifest;
}

std::vector<std::uint8_t> bytes_of(const proto::Manifest& manifest) {
    std::vector<std::uint8_t> bytes(manifest.ByteSizeLong());
    EXPECT_TRUE(manifest.SerializeToArray(bytes.data(), static_cast<int>(bytes.size())));
    return bytes;
}

// An excluded certificate that breaks no rule: the first entry's facts under another identity.
proto::ExcludedCertificate* add_valid_exclusion(proto::Manifest& m) {
    proto::ExcludedCertificate* x = m.add_excluded();
    *x->mutable_certificate() = m.entries(0).certificate();
    x->mutable_certificate()->set_sha256_thumbprint(std::string(64, 'e'));
    x->set_kind(proto::CERTIFICATE_KIND_UNSPECIFIED);
    x->set_reason(proto::EXCLUSION_REASON_UNUSED_NOT_REQUESTED);
    return x;
}

struct BrokenRule {
    const char* rule;
    std::function<void(proto::Manifest&)> edit;
    const char* expected;  // in the message, after "manifest.pb: the manifest is invalid: "
};

TEST(ManifestCodec, TheSampleManifestAndAValidExclusionDecode) {
    ASSERT_GT(sample_manifest().entries_size(), 1);
    proto::Manifest m = sample_manifest();
    add_valid_exclusion(m);
    auto decoded = decode_manifest(bytes_of(m));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(decoded->excluded.size(), static_cast<std::size_t>(m.excluded_size()));
    EXPECT_EQ(decoded->entries.size(), static_cast<std::size_t>(m.entries_size()));
}

// encode_manifest serializes the entries one at a time between the other fields: the bytes must
// be those protobuf writes for the whole message (fields in number order), with entries,
// exclusions and warnings all present.
TEST(ManifestCodec, EncodingIsTheWholeMessageSerializedAtOnce) {
    proto::Manifest m = sample_manifest();
    add_valid_exclusion(m);
    m.add_warnings("a warning");
    auto decoded = decode_manifest(bytes_of(m));
    ASSERT_TRUE(decoded) << decoded.error().message;
    ASSERT_FALSE(decoded->excluded.empty());
    ASSERT_FALSE(decoded->warnings.empty());
    auto encoded = encode_manifest(*decoded);
    ASSERT_TRUE(encoded) << encoded.error().message;
    EXPECT_EQ(*encoded, bytes_of(m));
}

// The encoding is made in one buffer of its size plus the room asked for, and seal_manifest
// wraps it there: no copy of a manifest of thousands of entries, no buffer grown by doubling.
TEST(ManifestCodec, EncodingIsMadeAtItsSizeAndSealedInPlace) {
    auto decoded = decode_manifest(bytes_of(sample_manifest()));
    ASSERT_TRUE(decoded) << decoded.error().message;
    auto encoded = encode_manifest(*decoded, kManifestSealRoom);
    ASSERT_TRUE(encoded) << encoded.error().message;
    EXPECT_EQ(*encoded, bytes_of(sample_manifest()));
    EXPECT_EQ(encoded->capacity(), encoded->size() + kManifestSealRoom);
    auto key = derive_manifest_seal_key(kSnapshotPassword, 1000);
    ASSERT_TRUE(key) << key.error().message;
    const std::uint8_t* buffer = encoded->data();
    auto sealed = seal_manifest(std::move(*encoded), *key);
    ASSERT_TRUE(sealed) << sealed.error().message;
    EXPECT_EQ(sealed->data(), buffer) << "the envelope did not fit in the room left for it";
}

TEST(ManifestCodec, EachBrokenRuleIsCorruptAndSaysWhat) {
    const std::vector<BrokenRule> cases = {
        {"snapshot id", [](proto::Manifest& m) { m.set_snapshot_id("ABC"); },
         "malformed snapshot id 'ABC'"},
        {"iterations", [](proto::Manifest& m) { m.mutable_settings()->set_pkcs12_iterations(0); },
         "PKCS#12 iterations 0 are out of bounds"},
        {"iterations above the bound",
         [](proto::Manifest& m) {
             m.mutable_settings()->set_pkcs12_iterations(kMaxKdfIterations + 1);
         },
         "are out of bounds"},
        {"profile",
         [](proto::Manifest& m) {
             m.mutable_settings()->set_pkcs12_profile(static_cast<proto::Pkcs12ProfileName>(9));
         },
         "unknown PKCS#12 profile 9"},
        {"kind",
         [](proto::Manifest& m) {
             m.mutable_entries(0)->set_kind(static_cast<proto::CertificateKind>(42));
         },
         "unknown certificate kind 42"},
        {"SHA-256 thumbprint",
         [](proto::Manifest& m) {
             m.mutable_entries(0)->mutable_certificate()->set_sha256_thumbprint("00ZZ");
         },
         "malformed SHA-256 thumbprint '00ZZ'"},
        {"SHA-1 thumbprint",
         [](proto::Manifest& m) {
             m.mutable_entries(0)->mutable_certificate()->set_sha1_thumbprint(std::string(40, 'G'));
         },
         "has a malformed SHA-1 thumbprint"},
        {"key size",
         [](proto::Manifest& m) {
             m.mutable_entries(0)->mutable_certificate()->set_key_bits(0x80000000u);
         },
         "has an impossible key size"},
        {"binding",
         [](proto::Manifest& m) { m.mutable_entries(0)->set_bindings(0, "no such binding"); },
         "entry "},
        {"exclusion reason",
         [](proto::Manifest& m) {
             add_valid_exclusion(m)->set_reason(static_cast<proto::ExclusionReason>(77));
         },
         "unknown exclusion reason 77"},
        {"exclusion of a listed certificate",
         [](proto::Manifest& m) {
             add_valid_exclusion(m)->mutable_certificate()->set_sha256_thumbprint(
                 m.entries(0).certificate().sha256_thumbprint());
         },
         " is listed twice"},
        {"exclusion binding",
         [](proto::Manifest& m) {
             proto::ExcludedCertificate* x = add_valid_exclusion(m);
             x->set_kind(proto::CERTIFICATE_KIND_DATABASE);
             x->add_bindings("database/");
         },
         "excluded certificate eeee"},
    };
    for (const BrokenRule& c : cases) {
        SCOPED_TRACE(c.rule);
        proto::Manifest m = sample_manifest();
        c.edit(m);
        auto decoded = decode_manifest(bytes_of(m));
        ASSERT_FALSE(decoded) << "accepted";
        EXPECT_EQ(decoded.error().code, ErrorCode::corrupt) << decoded.error().message;
        EXPECT_NE(decoded.error().message.find("manifest.pb: the manifest is invalid: "),
                  std::string::npos)
            << decoded.error().message;
        EXPECT_NE(decoded.error().message.find(c.expected), std::string::npos)
            << decoded.error().message;
    }
}

// A restore of thousands decodes a manifest of megabytes: the bytes it owns are freed once
// parsed, before the entries are built, and the entries are not grown by doubling.
TEST(ManifestCodec, OwnedBytesAreFreedOnceParsedAndEntriesAreMadeAtTheirCount) {
    std::vector<std::uint8_t> bytes = bytes_of(sample_manifest());
    auto decoded = decode_manifest(std::move(bytes));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(bytes.capacity(), 0u);  // NOLINT(bugprone-use-after-move): what the call left
    EXPECT_EQ(decoded->entries.size(), static_cast<std::size_t>(sample_manifest().entries_size()));
    EXPECT_EQ(decoded->entries.capacity(), decoded->entries.size());
}

TEST(ManifestCodec, BytesThatAreNoManifestAreCorruptWithAWayOut) {
    const std::vector<std::uint8_t> junk = {0xFF, 0xFF, 0xFF, 0xFF};
    auto decoded = decode_manifest(junk);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error().code, ErrorCode::corrupt);
    EXPECT_NE(decoded.error().message.find("manifest.pb: the manifest does not parse"),
              std::string::npos)
        << decoded.error().message;
    EXPECT_NE(decoded.error().message.find("use another copy of this backup"), std::string::npos);
}

}  // namespace
}  // namespace certbackup
