// The snapshot reader's payload checks against a manifest written with the password (so that
// the MAC passes and only the payload matching can refuse): each refusal names the payload and
// the certificate, and nothing is returned.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "core/manifest_codec.hpp"
#include "core/pkcs12.hpp"
#include "core/snapshot_envelope.hpp"
#include "core/snapshot_reader.hpp"
#include "pkcs12_fixtures.hpp"
#include "support/manifest_tamper.hpp"
#include "support/snapshot_fixture.hpp"

namespace certbackup {
namespace {

using testing::kSnapshotPassword;
using testing::sample_certificates;
using testing::test_options;
using testing::write_sample_snapshot;

// Changes the manifest with `edit` and seals it again with `password` (a writer that has the
// password: the MAC is right).
void rewrite_manifest(MemoryItems& items, const std::function<void(SnapshotManifest&)>& edit,
                      std::string_view password = kSnapshotPassword) {
    auto manifest = SnapshotReader::read_manifest_unauthenticated(items);
    ASSERT_TRUE(manifest) << manifest.error().message;
    edit(*manifest);
    auto encoded = encode_manifest(*manifest);
    ASSERT_TRUE(encoded) << encoded.error().message;
    auto sealed = seal_manifest(*encoded, password, testing::kTestIterations);
    ASSERT_TRUE(sealed) << sealed.error().message;
    items.items()["manifest.pb"] = *sealed;
}

// Opens the snapshot and reads every certificate; expects a corrupt refusal containing each of
// `texts`.
void expect_refused(MemoryItems& items, const std::vector<std::string>& texts,
                    ErrorCode code = ErrorCode::corrupt) {
    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_TRUE(reader) << reader.error().message;
    auto restored = reader->read_certificates();
    ASSERT_FALSE(restored) << "accepted";
    EXPECT_EQ(restored.error().code, code) << restored.error().message;
    for (const std::string& text : texts)
        EXPECT_NE(restored.error().message.find(text), std::string::npos)
            << "'" << text << "' not in: " << restored.error().message;
}

TEST(SnapshotReader, ASha1ThumbprintThatDoesNotMatchIsCorrupt) {
    MemoryItems items = write_sample_snapshot(true);
    std::string id, item;
    rewrite_manifest(items, [&](SnapshotManifest& m) {
        std::string& sha1 = m.entries[0].certificate.info.sha1_hex;
        sha1[0] = sha1[0] == '0' ? '1' : '0';
        id = m.entries[0].certificate.info.sha256_hex;
        item = m.entries[0].payload_item;
    });
    expect_refused(items, {"certificate " + id, "payload " + item, "SHA-1 thumbprint"});
}

TEST(SnapshotReader, AKeyTheManifestDoesNotRecordIsCorrupt) {
    MemoryItems items = write_sample_snapshot(true);
    std::string id;
    rewrite_manifest(items, [&](SnapshotManifest& m) {
        m.entries[0].private_key_included = false;
        id = m.entries[0].certificate.info.sha256_hex;
    });
    expect_refused(items, {"has a private key for " + id, "does not list"});
}

TEST(SnapshotReader, APayloadWithoutTheKeyTheManifestRecordsIsCorrupt) {
    // A writer with the password replaced one per-certificate payload by a PFX of the same
    // certificate without its key and recorded the new payload's digest: everything checks out
    // but the key.
    MemoryItems items = write_sample_snapshot(true);
    std::string id, item;
    rewrite_manifest(items, [&](SnapshotManifest& m) {
        ManifestEntry& entry = m.entries[0];
        ASSERT_TRUE(entry.private_key_included);
        id = entry.certificate.info.sha256_hex;
        item = entry.payload_item;
        const Certificate* certificate = nullptr;
        for (const Certificate& c : sample_certificates().certificates)
            if (c.sha256_hex() == id)
                certificate = &c;
        ASSERT_NE(certificate, nullptr);
        auto pfx = export_pkcs12(pkcs12_testing::without_key(*certificate), kSnapshotPassword,
                                 test_options(true).profile);
        ASSERT_TRUE(pfx) << pfx.error().message;
        entry.payload_sha256 = ossl::to_hex(ossl::sha256(*pfx));
        entry.payload_size = pfx->size();
        items.items()[item] = std::move(*pfx);
    });
    expect_refused(items, {"payload " + item, "has no matching private key for certificate " + id,
                           "although manifest.pb says it does"});
}

TEST(SnapshotReader, ACertificateWithAKeyThatTheManifestDoesNotListInThePayloadIsCorrupt) {
    // One bundle: dropping an entry from the manifest leaves its certificate and key in the
    // bundle, unlisted.
    MemoryItems items = write_sample_snapshot(false);
    std::string id;
    rewrite_manifest(items, [&](SnapshotManifest& m) {
        ASSERT_GT(m.entries.size(), 1u);
        id = m.entries.back().certificate.info.sha256_hex;
        m.entries.pop_back();
    });
    expect_refused(items, {"holds certificate " + id,
                           "with a private key that manifest.pb does "
                           "not list"});
}

TEST(SnapshotReader, AChainShorterThanRecordedIsCorrupt) {
    MemoryItems items = write_sample_snapshot(true);
    std::string id;
    rewrite_manifest(items, [&](SnapshotManifest& m) {
        m.entries[0].certificate.chain_length += 3;
        id = m.entries[0].certificate.info.sha256_hex;
    });
    expect_refused(items, {"for certificate " + id, "holds a chain of", "manifest.pb records"});
}

TEST(SnapshotReader, PayloadsThatDoNotOpenWithTheManifestsPasswordAreCorrupt) {
    // The manifest is sealed with another password than the payloads were written with: the
    // snapshot opens with that password, the payloads do not.
    MemoryItems items = write_sample_snapshot(true);
    rewrite_manifest(
        items, [](SnapshotManifest&) {}, "another password");
    auto reader = SnapshotReader::open(items, "another password");
    ASSERT_TRUE(reader) << reader.error().message;
    auto restored = reader->read_certificates();
    ASSERT_FALSE(restored);
    EXPECT_EQ(restored.error().code, ErrorCode::corrupt) << restored.error().message;
    EXPECT_NE(restored.error().message.find("does not open with the password that authenticates "
                                            "manifest.pb"),
              std::string::npos)
        << restored.error().message;
}

// An item source whose reads of one item fail with an I/O error.
class FailingItems final : public ItemSource {
  public:
    FailingItems(MemoryItems& items, std::string failing) : items_(items), failing_(failing) {}
    Result<std::vector<std::string>> list_items() override { return items_.list_items(); }
    Result<std::vector<std::uint8_t>> read_item(std::string_view name) override {
        if (name == failing_)
            return fail(ErrorCode::io, "disk on fire");
        return items_.read_item(name);
    }

  private:
    MemoryItems& items_;
    std::string failing_;
};

TEST(SnapshotReader, AnIoErrorOnAPayloadNamesTheItem) {
    MemoryItems items = write_sample_snapshot(true);
    auto manifest = SnapshotReader::read_manifest_unauthenticated(items);
    ASSERT_TRUE(manifest);
    const std::string item = manifest->entries[0].payload_item;
    FailingItems failing(items, item);
    auto reader = SnapshotReader::open(failing, kSnapshotPassword);
    ASSERT_TRUE(reader) << reader.error().message;
    auto verified = reader->verify_payloads();
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.error().code, ErrorCode::io);
    EXPECT_NE(verified.error().message.find("reading payload item " + item), std::string::npos)
        << verified.error().message;
    EXPECT_NE(verified.error().message.find("disk on fire"), std::string::npos)
        << verified.error().message;
}

TEST(SnapshotReader, AMissingOrResizedPayloadIsRefusedNamingIt) {
    MemoryItems items = write_sample_snapshot(true);
    auto manifest = SnapshotReader::read_manifest_unauthenticated(items);
    ASSERT_TRUE(manifest);
    const std::string item = manifest->entries[0].payload_item;
    {
        MemoryItems missing = items;
        missing.items().erase(item);
        auto reader = SnapshotReader::open(missing, kSnapshotPassword);
        ASSERT_TRUE(reader);
        auto verified = reader->verify_payloads();
        ASSERT_FALSE(verified);
        EXPECT_EQ(verified.error().code, ErrorCode::not_found);
        EXPECT_NE(verified.error().message.find("payload item " + item +
                                                " named in manifest.pb "
                                                "is missing"),
                  std::string::npos)
            << verified.error().message;
    }
    items.items()[item].push_back(0);
    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_TRUE(reader);
    auto verified = reader->verify_payloads();
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.error().code, ErrorCode::corrupt);
    EXPECT_NE(verified.error().message.find("payload item " + item + " is "), std::string::npos)
        << verified.error().message;
}

// Without the password, neither a changed MAC nor a changed manifest passes, even with the
// envelope's unkeyed checksum recomputed; without it the change cannot be seen, as documented.
void expect_modified(MemoryItems& items) {
    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_FALSE(reader) << "opened";
    EXPECT_EQ(reader.error().code, ErrorCode::corrupt);
    EXPECT_NE(reader.error().message.find("manifest.pb has been modified"), std::string::npos)
        << reader.error().message;
    EXPECT_TRUE(SnapshotReader::read_manifest_unauthenticated(items));
}

TEST(SnapshotReader, AChangedMacWithARecomputedChecksumIsModified) {
    MemoryItems items = write_sample_snapshot(true);
    auto& manifest = items.items()["manifest.pb"];
    proto::ManifestEnvelope envelope;
    ASSERT_TRUE(envelope.ParseFromArray(manifest.data(), static_cast<int>(manifest.size())));
    std::string mac = envelope.mac();
    mac[0] ^= 0x01;
    envelope.set_mac(mac);
    manifest = testing::reseal_unkeyed(envelope);
    expect_modified(items);
}

TEST(SnapshotReader, AChangedManifestWithARecomputedChecksumIsModified) {
    MemoryItems items = write_sample_snapshot(false);
    auto& manifest = items.items()["manifest.pb"];
    manifest = testing::modify_manifest_unkeyed(
        manifest, [](proto::Manifest& m) { m.set_host_name("somewhere-else"); });
    expect_modified(items);
}

TEST(SnapshotReader, AMissingManifestSaysTheSnapshotIsIncomplete) {
    MemoryItems items = write_sample_snapshot(false);
    items.items().erase("manifest.pb");
    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::not_found);
    EXPECT_NE(reader.error().message.find("manifest.pb is missing"), std::string::npos)
        << reader.error().message;
    auto listed = SnapshotReader::read_manifest_unauthenticated(items);
    ASSERT_FALSE(listed);
    EXPECT_EQ(listed.error().code, ErrorCode::not_found);
}

// read_each hands each chosen entry's checked certificate to the sink once, by its place in the
// manifest, in both layouts; the sink's error stops the read and comes back as it is.
TEST(SnapshotReader, ReadEachHandsOutEveryChosenEntryOnceAndStopsAtTheSinksError) {
    for (const bool per_certificate : {false, true}) {
        SCOPED_TRACE(per_certificate ? "per-certificate files" : "one bundle");
        MemoryItems items = write_sample_snapshot(per_certificate);
        auto reader = SnapshotReader::open(items, kSnapshotPassword);
        ASSERT_TRUE(reader) << reader.error().message;
        const auto& entries = reader->manifest().entries;
        ASSERT_GT(entries.size(), 2u);
        std::mutex mutex;
        std::vector<std::size_t> places;
        auto all = reader->read_each({}, {}, [&](std::size_t index, Certificate certificate) {
            EXPECT_EQ(certificate.sha256_hex(), entries[index].certificate.info.sha256_hex);
            EXPECT_EQ(certificate.has_key(), entries[index].private_key_included);
            EXPECT_EQ(certificate.chain().size(), entries[index].certificate.chain_length);
            std::lock_guard lock(mutex);
            places.push_back(index);
            return Result<void>{};
        });
        ASSERT_TRUE(all) << all.error().message;
        std::sort(places.begin(), places.end());
        std::vector<std::size_t> every(entries.size());
        std::iota(every.begin(), every.end(), 0);
        EXPECT_EQ(places, every);

        const std::string chosen = entries[1].certificate.info.sha256_hex;
        places.clear();
        auto one = reader->read_each(
            [&](const ManifestEntry& e) { return e.certificate.info.sha256_hex == chosen; }, {},
            [&](std::size_t index, Certificate) {
                places.push_back(index);
                return Result<void>{};
            });
        ASSERT_TRUE(one) << one.error().message;
        EXPECT_EQ(places, std::vector<std::size_t>{1});

        std::atomic<int> calls = 0;
        auto stopped = reader->read_each({}, {}, [&](std::size_t, Certificate) -> Result<void> {
            ++calls;
            return fail(ErrorCode::io, "the store is full");
        });
        ASSERT_FALSE(stopped);
        EXPECT_EQ(stopped.error().code, ErrorCode::io);
        EXPECT_NE(stopped.error().message.find("the store is full"), std::string::npos);
        EXPECT_EQ(calls, 1);  // the sink is called on one thread, which stops at its error
    }
}

// Whatever threads open the payloads, the sink is called on the caller's thread (what it keeps
// is made in that thread's heap), and per-certificate payloads come in payload order.
TEST(SnapshotReader, ReadEachCallsTheSinkOnTheCallingThreadPerCertificateInPayloadOrder) {
    for (const bool per_certificate : {false, true}) {
        SCOPED_TRACE(per_certificate ? "per-certificate files" : "one bundle");
        MemoryItems items = write_sample_snapshot(per_certificate);
        auto reader = SnapshotReader::open(items, kSnapshotPassword, 2);
        ASSERT_TRUE(reader) << reader.error().message;
        const auto& entries = reader->manifest().entries;
        const std::thread::id caller = std::this_thread::get_id();
        std::vector<std::size_t> places;
        auto all = reader->read_each({}, {}, [&](std::size_t index, Certificate) {
            EXPECT_EQ(std::this_thread::get_id(), caller);
            places.push_back(index);
            return Result<void>{};
        });
        ASSERT_TRUE(all) << all.error().message;
        ASSERT_EQ(places.size(), entries.size());
        if (per_certificate) {
            std::vector<std::size_t> in_order(entries.size());
            std::iota(in_order.begin(), in_order.end(), 0);
            EXPECT_EQ(places, in_order);  // one entry a payload, payloads in entry order
        }
    }
}

}  // namespace
}  // namespace certbackup
