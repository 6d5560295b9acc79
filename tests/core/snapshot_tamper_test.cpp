// Damage and tampering: every single-byte change of manifest.pb and of the payloads is refused
// with the right error before anything is imported; unknown format versions are refused naming
// both versions; a deliberate change that recomputes the unkeyed checksum is still caught
// (docs/FORMAT.md, "Threat model").
#include <gtest/gtest.h>

#include <functional>

#include <map>

#include "core/manifest_codec.hpp"
#include "core/snapshot_envelope.hpp"
#include "core/snapshot_reader.hpp"
#include "manifest.pb.h"
#include "support/manifest_tamper.hpp"
#include "support/snapshot_fixture.hpp"

namespace certbackup {
namespace {

using testing::documented_envelope_sha256;
using testing::kSnapshotPassword;
using testing::reseal_unkeyed;
using testing::serialize;
using testing::write_sample_snapshot;

proto::ManifestEnvelope parse_envelope(const std::vector<std::uint8_t>& bytes) {
    proto::ManifestEnvelope envelope;
    if (!envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        throw std::runtime_error("manifest.pb does not parse");
    return envelope;
}

TEST(SnapshotTamper, DocumentedChecksumMatchesTheWriter) {
    MemoryItems items = write_sample_snapshot(false);
    const auto envelope = parse_envelope(items.items().at("manifest.pb"));
    EXPECT_EQ(envelope.format_version(), 1u);
    EXPECT_EQ(envelope.kdf().algorithm(), proto::KDF_ALGORITHM_PBKDF2_HMAC_SHA256);
    EXPECT_GE(envelope.kdf().salt().size(), 16u);
    EXPECT_EQ(envelope.kdf().iterations(), static_cast<std::uint32_t>(testing::kTestIterations));
    EXPECT_EQ(envelope.password_check().size(), 32u);
    EXPECT_EQ(envelope.mac().size(), 32u);
    EXPECT_EQ(envelope.envelope_sha256(), documented_envelope_sha256(envelope));
}

// Every byte of manifest.pb, three ways each: never wrong_password, never accepted, with or
// without the password.
TEST(SnapshotTamper, EveryManifestByteChangeIsRefusedAndNeverLooksLikeAWrongPassword) {
    for (bool per_certificate : {false, true}) {
        MemoryItems items = write_sample_snapshot(per_certificate);
        auto& manifest = items.items().at("manifest.pb");
        std::map<ErrorCode, int> codes;
        for (std::size_t offset = 0; offset < manifest.size(); ++offset) {
            for (std::uint8_t mask : {0x01, 0x80, 0xff}) {
                manifest[offset] ^= mask;
                auto reader = SnapshotReader::open(items, kSnapshotPassword);
                auto listed = SnapshotReader::read_manifest_unauthenticated(items);
                manifest[offset] ^= mask;
                ASSERT_FALSE(reader)
                    << "offset " << offset << " mask " << int(mask) << " was accepted";
                ASSERT_FALSE(listed)
                    << "offset " << offset << " mask " << int(mask) << " was listed";
                const ErrorCode code = reader.error().code;
                ASSERT_TRUE(code == ErrorCode::corrupt || code == ErrorCode::unsupported)
                    << "offset " << offset << " mask " << int(mask) << ": " << to_string(code)
                    << ": " << reader.error().message;
                // Only a change of the format version itself reads as a newer format.
                if (code == ErrorCode::unsupported) {
                    EXPECT_EQ(offset, 1u) << reader.error().message;
                }
                EXPECT_EQ(listed.error().code, code);
                ++codes[code];
            }
        }
        EXPECT_GT(codes[ErrorCode::corrupt], 0);
        // The untouched snapshot still opens: the loop restored every byte.
        auto reader = SnapshotReader::open(items, kSnapshotPassword);
        ASSERT_TRUE(reader) << reader.error().message;
    }
}

// Protobuf keeps the last of repeated fields: damage that reads as a second format version
// further on (random salts made the test above meet one in about 100 runs) is damage, not a
// newer format.
TEST(SnapshotTamper, ASecondFormatVersionFurtherOnIsDamageNotANewerFormat) {
    MemoryItems items = write_sample_snapshot(false);
    auto& manifest = items.items().at("manifest.pb");
    manifest.push_back(0x08);  // field 1, varint
    manifest.push_back(0x04);  // "version 4"
    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::corrupt) << reader.error().message;
    EXPECT_NE(reader.error().message.find("is damaged"), std::string::npos)
        << reader.error().message;
    auto listed = SnapshotReader::read_manifest_unauthenticated(items);
    ASSERT_FALSE(listed);
    EXPECT_EQ(listed.error().code, ErrorCode::corrupt);
}

// Every byte of every payload: corrupt, naming the item, found by the digest before any PFX is
// opened, and nothing is returned.
TEST(SnapshotTamper, EveryPayloadByteChangeIsRefusedBeforeImport) {
    for (bool per_certificate : {false, true}) {
        MemoryItems items = write_sample_snapshot(per_certificate);
        auto reader = SnapshotReader::open(items, kSnapshotPassword);
        ASSERT_TRUE(reader) << reader.error().message;
        std::size_t checked = 0;
        for (const std::string& item : reader->manifest().payload_items()) {
            auto& bytes = items.items().at(item);
            for (std::size_t offset = 0; offset < bytes.size(); ++offset) {
                bytes[offset] ^= 0x01;
                auto restored = reader->read_certificates();
                bytes[offset] ^= 0x01;
                ASSERT_FALSE(restored) << item << " offset " << offset << " was accepted";
                ASSERT_EQ(restored.error().code, ErrorCode::corrupt) << restored.error().message;
                ASSERT_NE(restored.error().message.find(item), std::string::npos);
                ASSERT_NE(restored.error().message.find("does not match its SHA-256"),
                          std::string::npos)
                    << restored.error().message;
                ++checked;
            }
        }
        EXPECT_GT(checked, 1000u);
        auto restored = reader->read_certificates();
        ASSERT_TRUE(restored) << restored.error().message;
        EXPECT_EQ(restored->size(), reader->manifest().entries.size());
    }
}

TEST(SnapshotTamper, UnknownFormatVersionIsRefusedNamingBothVersions) {
    MemoryItems items = write_sample_snapshot(false);
    auto envelope = parse_envelope(items.items().at("manifest.pb"));

    // A later version of this envelope, checksum recomputed as a newer writer would.
    envelope.set_format_version(7);
    items.items()["manifest.pb"] = reseal_unkeyed(envelope);
    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::unsupported);
    EXPECT_NE(reader.error().message.find("manifest.pb has format version 7"), std::string::npos)
        << reader.error().message;
    EXPECT_NE(reader.error().message.find("this reader knows version 1"), std::string::npos);
    EXPECT_NE(reader.error().message.find("newer certbackup"), std::string::npos);

    // The same edit without a new checksum is refused the same way: the version comes first.
    envelope.set_format_version(2);
    items.items()["manifest.pb"] = serialize(envelope);
    reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::unsupported);
    EXPECT_NE(reader.error().message.find("format version 2"), std::string::npos);

    // A future envelope whose other fields this reader cannot parse at all: field 1 = 3, then
    // field 2 as a varint (a message in version 1) and an unknown field 40.
    items.items()["manifest.pb"] = {0x08, 0x03, 0x10, 0x05, 0xc2, 0x02, 0x02, 'h', 'i'};
    reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::unsupported) << reader.error().message;
    EXPECT_NE(reader.error().message.find("format version 3"), std::string::npos);

    // No version at all: not a manifest.
    envelope.set_format_version(0);
    items.items()["manifest.pb"] = reseal_unkeyed(envelope);
    reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::corrupt);
    EXPECT_NE(reader.error().message.find("no format version"), std::string::npos);
}

// The checksum covers fields 1 to 5 only, so a version 1 reader refuses any other field.
TEST(SnapshotTamper, EnvelopeFieldsThatVersion1DoesNotDefineAreRefused) {
    MemoryItems items = write_sample_snapshot(false);
    auto& manifest = items.items().at("manifest.pb");
    // Field 20, length-delimited, 2 bytes.
    for (std::uint8_t b : {0xa2, 0x01, 0x02, 0x41, 0x42})
        manifest.push_back(b);
    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::corrupt);
    EXPECT_NE(reader.error().message.find("version 1 does not define"), std::string::npos)
        << reader.error().message;
}

// The same inside KdfParameters, with a checksum recomputed over the envelope as parsed.
TEST(SnapshotTamper, UnknownFieldsInsideKdfParametersAreRefused) {
    MemoryItems items = write_sample_snapshot(false);
    auto envelope = parse_envelope(items.items().at("manifest.pb"));
    envelope.mutable_kdf()
        ->GetReflection()
        ->MutableUnknownFields(envelope.mutable_kdf())
        ->AddVarint(9, 1);
    items.items()["manifest.pb"] = reseal_unkeyed(envelope);
    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::corrupt) << reader.error().message;
    EXPECT_NE(reader.error().message.find("version 1 does not define"), std::string::npos)
        << reader.error().message;
}

TEST(SnapshotTamper, AnUnknownKdfAlgorithmIsCorrupt) {
    MemoryItems items = write_sample_snapshot(false);
    auto envelope = parse_envelope(items.items().at("manifest.pb"));
    envelope.mutable_kdf()->set_algorithm(static_cast<proto::KdfAlgorithm>(7));
    items.items()["manifest.pb"] = reseal_unkeyed(envelope);
    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::corrupt) << reader.error().message;
}

// Envelope fields of the wrong size are refused before any key is derived, naming the sizes.
TEST(SnapshotTamper, ShortSaltsAndWrongSizedChecksAreCorrupt) {
    const MemoryItems written = write_sample_snapshot(false);
    const auto expect_refused = [&](const std::function<void(proto::ManifestEnvelope&)>& edit,
                                    const std::string& expected) {
        MemoryItems items = written;
        auto envelope = parse_envelope(items.items().at("manifest.pb"));
        edit(envelope);
        items.items()["manifest.pb"] = reseal_unkeyed(envelope);
        auto reader = SnapshotReader::open(items, kSnapshotPassword);
        ASSERT_FALSE(reader) << expected;
        EXPECT_EQ(reader.error().code, ErrorCode::corrupt) << reader.error().message;
        EXPECT_NE(reader.error().message.find(expected), std::string::npos)
            << reader.error().message;
    };
    expect_refused(
        [](proto::ManifestEnvelope& e) { e.mutable_kdf()->set_salt(std::string(8, 's')); },
        "manifest.pb has a 8-byte salt; at least 16 are required");
    expect_refused([](proto::ManifestEnvelope& e) { e.set_mac(std::string(31, 'm')); },
                   "has a password check or MAC of the wrong size (32 and 31 bytes, expected 32)");
    expect_refused([](proto::ManifestEnvelope& e) { e.set_password_check(std::string()); },
                   "has a password check or MAC of the wrong size (0 and 32 bytes, expected 32)");
}

TEST(SnapshotTamper, AManifestOverTheSizeCapIsRefusedNamingIt) {
    MemoryItems items = write_sample_snapshot(false);
    auto& manifest = items.items().at("manifest.pb");
    manifest.resize(kMaxManifestBytes + 1, 0);
    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::corrupt) << reader.error().message;
    EXPECT_NE(reader.error().message.find("manifest.pb is too large"), std::string::npos)
        << reader.error().message;
}

TEST(SnapshotTamper, ChangedManifestWithRecomputedChecksumIsReportedAsModified) {
    MemoryItems items = write_sample_snapshot(false);
    auto envelope = parse_envelope(items.items().at("manifest.pb"));
    proto::Manifest manifest;
    ASSERT_TRUE(manifest.ParseFromString(envelope.manifest()));
    // Hide the database certificate from a restore.
    ASSERT_GT(manifest.entries_size(), 1);
    manifest.mutable_entries()->DeleteSubrange(1, 1);
    envelope.set_manifest(manifest.SerializeAsString());
    items.items()["manifest.pb"] = reseal_unkeyed(envelope);

    auto listed = SnapshotReader::read_manifest_unauthenticated(items);
    ASSERT_TRUE(listed) << "the unauthenticated listing cannot tell, as documented";
    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::corrupt);
    EXPECT_NE(reader.error().message.find("manifest.pb has been modified"), std::string::npos)
        << reader.error().message;
}

TEST(SnapshotTamper, ChangedKdfParametersWithRecomputedChecksumLookLikeAWrongPassword) {
    MemoryItems items = write_sample_snapshot(false);
    auto envelope = parse_envelope(items.items().at("manifest.pb"));
    auto salt = envelope.kdf().salt();
    salt[0] ^= 1;
    envelope.mutable_kdf()->set_salt(salt);
    items.items()["manifest.pb"] = reseal_unkeyed(envelope);
    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::wrong_password);

    // An iteration count beyond the reader's bound is refused before any derivation.
    envelope = parse_envelope(items.items().at("manifest.pb"));
    envelope.mutable_kdf()->set_iterations(kMaxKdfIterations + 1);
    items.items()["manifest.pb"] = reseal_unkeyed(envelope);
    reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::corrupt);
    EXPECT_NE(reader.error().message.find("iterations"), std::string::npos);
}

// A manifest written with the password that lists a certificate in the wrong payload: found
// when the payloads are opened, and nothing is returned.
TEST(SnapshotTamper, PayloadThatDoesNotHoldItsEntryIsCorrupt) {
    MemoryItems items = write_sample_snapshot(true);
    auto manifest = SnapshotReader::read_manifest_unauthenticated(items);
    ASSERT_TRUE(manifest) << manifest.error().message;
    ManifestEntry& first = manifest->entries[0];
    const ManifestEntry& second = manifest->entries[1];
    items.items().erase(first.payload_item);
    first.payload_item = second.payload_item;
    first.payload_sha256 = second.payload_sha256;
    first.payload_size = second.payload_size;
    auto encoded = encode_manifest(*manifest);
    ASSERT_TRUE(encoded) << encoded.error().message;
    auto sealed = seal_manifest(*encoded, kSnapshotPassword, testing::kTestIterations);
    ASSERT_TRUE(sealed) << sealed.error().message;
    items.items()["manifest.pb"] = *sealed;

    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_TRUE(reader) << reader.error().message;
    ASSERT_TRUE(reader->verify_payloads());
    auto restored = reader->read_certificates();
    ASSERT_FALSE(restored);
    EXPECT_EQ(restored.error().code, ErrorCode::corrupt);
    EXPECT_NE(restored.error().message.find("does not hold certificate " +
                                            first.certificate.info.sha256_hex),
              std::string::npos)
        << restored.error().message;
}

// The manifest's invariants hold even against a writer that has the password.
TEST(SnapshotTamper, ManifestInvariantsAreChecked) {
    MemoryItems items = write_sample_snapshot(true);
    auto good = SnapshotReader::read_manifest_unauthenticated(items);
    ASSERT_TRUE(good) << good.error().message;

    auto expect_refused = [](SnapshotManifest m, std::string_view what) {
        auto encoded = encode_manifest(m);
        ASSERT_TRUE(encoded) << encoded.error().message;
        auto decoded = decode_manifest(*encoded);
        ASSERT_FALSE(decoded) << "accepted: " << what;
        EXPECT_EQ(decoded.error().code, ErrorCode::corrupt);
        EXPECT_NE(decoded.error().message.find("manifest.pb"), std::string::npos);
        EXPECT_NE(decoded.error().message.find(what), std::string::npos) << decoded.error().message;
    };
    SnapshotManifest m = *good;
    m.entries[0].payload_item = "../../etc/cron.d/evil.pfx";
    expect_refused(m, "invalid payload item");
    m = *good;
    m.entries[0].payload_item = "manifest.pb";
    expect_refused(m, "invalid payload item");
    m = *good;
    m.entries[1] = m.entries[0];
    expect_refused(m, "listed twice");
    m = *good;
    m.entries[1].payload_item = m.entries[0].payload_item;
    expect_refused(m, "disagree");
    m = *good;
    m.entries[0].payload_sha256 = "abc";
    expect_refused(m, "malformed payload SHA-256");
    m = *good;
    m.entries[0].kind = CertificateKind::ssl;
    expect_refused(m, "kind does not match");
    m = *good;
    m.per_certificate_files = false;
    expect_refused(m, "one-file mode");

    auto round_trip = decode_manifest(*encode_manifest(*good));
    ASSERT_TRUE(round_trip) << round_trip.error().message;
    EXPECT_EQ(round_trip->entries.size(), good->entries.size());
}

TEST(SnapshotTamper, InvalidUtf8TextIsWrittenReadably) {
    MemoryItems items = write_sample_snapshot(false);
    auto manifest = SnapshotReader::read_manifest_unauthenticated(items);
    ASSERT_TRUE(manifest);
    manifest->host_name = "pws\xff\xfe-01";
    manifest->entries[0].certificate.friendly_name = "caf\xc3";
    auto encoded = encode_manifest(*manifest);
    ASSERT_TRUE(encoded) << encoded.error().message;
    auto decoded = decode_manifest(*encoded);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(decoded->host_name, "pws\xef\xbf\xbd\xef\xbf\xbd-01");
    EXPECT_EQ(decoded->entries[0].certificate.friendly_name, "caf\xef\xbf\xbd");
}

}  // namespace
}  // namespace certbackup
