// Snapshot round trips, exclusions, warnings, write order and the reader's errors other than
// tampering (snapshot_tamper_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <regex>

#include "certificate_factory.hpp"
#include "core/manifest_codec.hpp"
#include "core/snapshot_envelope.hpp"
#include "core/snapshot_plan.hpp"
#include "core/snapshot_reader.hpp"
#include "core/snapshot_writer.hpp"
#include "pkcs12_fixtures.hpp"
#include "support/snapshot_fixture.hpp"
#include "support/temp_dir.hpp"

namespace certbackup {
namespace {

using testing::kSnapshotPassword;
using testing::sample_certificates;
using testing::test_options;

const std::vector<SnapshotCandidate>& candidates() {
    return sample_certificates().candidates;
}

const Certificate& sample(std::string_view friendly_name) {
    return sample_certificates().by_friendly_name(friendly_name);
}

std::vector<std::string> entry_names(const SnapshotManifest& manifest) {
    std::vector<std::string> names;
    for (const auto& e : manifest.entries)
        names.push_back(e.certificate.friendly_name);
    return names;
}

std::vector<std::string> excluded_names(const SnapshotManifest& manifest) {
    std::vector<std::string> names;
    for (const auto& e : manifest.excluded)
        names.push_back(e.certificate.friendly_name);
    return names;
}

const SnapshotCandidate& candidate_of(const std::string& sha256) {
    for (const auto& c : candidates())
        if (c.certificate->sha256_hex() == sha256)
            return c;
    throw std::runtime_error("no candidate " + sha256);
}

// What every round trip must give back: each entry's own certificate, with its key, chain,
// friendly name and bindings, matching the manifest.
void expect_restored(const std::vector<RestoredCertificate>& restored,
                     const SnapshotManifest& manifest) {
    ASSERT_EQ(restored.size(), manifest.entries.size());
    for (std::size_t i = 0; i < restored.size(); ++i) {
        const RestoredCertificate& r = restored[i];
        const std::string& id = manifest.entries[i].certificate.info.sha256_hex;
        SCOPED_TRACE(id);
        EXPECT_EQ(r.entry.certificate.info.sha256_hex, id);
        EXPECT_EQ(r.certificate.sha256_hex(), id);
        const SnapshotCandidate& original = candidate_of(id);
        EXPECT_TRUE(r.certificate.has_key());
        EXPECT_TRUE(key_matches(r.certificate.leaf(), r.certificate.key()));
        EXPECT_TRUE(key_matches(r.certificate.leaf(), original.certificate->key()));
        EXPECT_EQ(r.certificate.friendly_name(), original.certificate->friendly_name());
        EXPECT_EQ(r.entry.bindings, original.bindings);
        ASSERT_EQ(r.certificate.chain().size(), original.certificate->chain().size());
        for (std::size_t c = 0; c < r.certificate.chain().size(); ++c)
            EXPECT_EQ(sha256_hex_of(r.certificate.chain()[c].get()),
                      sha256_hex_of(original.certificate->chain()[c].get()));
    }
}

TEST(Snapshot, RoundTripOneFile) {
    MemoryItems items;
    const std::int64_t before = std::time(nullptr);
    std::vector<std::pair<std::size_t, std::size_t>> progress;
    SnapshotHooks hooks;
    hooks.progress = [&](std::size_t done, std::size_t total) {
        progress.emplace_back(done, total);
    };
    auto summary =
        SnapshotWriter(test_options(false), hooks).write(candidates(), kSnapshotPassword, items);
    ASSERT_TRUE(summary) << summary.error().message;
    // The bundle's progress counts its certificates, one report each.
    const std::vector<std::pair<std::size_t, std::size_t>> counted = {
        {1, 5}, {2, 5}, {3, 5}, {4, 5}, {5, 5}};
    EXPECT_EQ(progress, counted);

    EXPECT_EQ(items.write_order(), (std::vector<std::string>{"certificates.pfx", "manifest.pb"}));
    EXPECT_EQ(summary->items_written, items.write_order());
    EXPECT_EQ(summary->bytes_written,
              items.items().at("certificates.pfx").size() + items.items().at("manifest.pb").size());
    // Sorted by kind: server_encryption, database, master_key, discovery_service,
    // password_reset; SSL, the unused one and the one without a key are left out.
    EXPECT_EQ(entry_names(summary->manifest),
              (std::vector<std::string>{"server-encryption", "database-db1", "master-key-db1",
                                        "discovery-db1", "password-reset-db2"}));
    EXPECT_EQ(excluded_names(summary->manifest),
              (std::vector<std::string>{"ssl", "no-key-db2", "unused"}));

    auto reader = SnapshotReader::open(items, kSnapshotPassword, 2);
    ASSERT_TRUE(reader) << reader.error().message;
    const SnapshotManifest& m = reader->manifest();
    EXPECT_EQ(m.snapshot_id, summary->manifest.snapshot_id);
    EXPECT_TRUE(std::regex_match(m.snapshot_id, std::regex("[0-9a-f]{32}")));
    EXPECT_GE(m.created_time, before);
    EXPECT_LE(m.created_time, static_cast<std::int64_t>(std::time(nullptr)));
    EXPECT_EQ(m.host_name, "pws01.example.com");
    EXPECT_EQ(m.plugin_id, "certificates");
    EXPECT_EQ(m.plugin_version, "0.1.0");
    EXPECT_EQ(m.store_identity, "/var/lib/passwordsecure/certificates");
    EXPECT_EQ(m.scope, "all");
    EXPECT_FALSE(m.per_certificate_files);
    EXPECT_FALSE(m.include_ssl);
    EXPECT_FALSE(m.include_unused);
    EXPECT_EQ(m.profile.name, Pkcs12ProfileName::modern);
    EXPECT_EQ(m.profile.iterations, testing::kTestIterations);
    EXPECT_EQ(entry_names(m), entry_names(summary->manifest));
    for (const auto& entry : m.entries) {
        EXPECT_EQ(entry.payload_item, "certificates.pfx");
        EXPECT_EQ(entry.payload_size, items.items().at("certificates.pfx").size());
        EXPECT_TRUE(entry.private_key_included);
        const CertificateInfo expected =
            candidate_of(entry.certificate.info.sha256_hex).certificate->info();
        EXPECT_EQ(entry.certificate.info.subject, expected.subject);
        EXPECT_EQ(entry.certificate.info.issuer, expected.issuer);
        EXPECT_EQ(entry.certificate.info.serial_hex, expected.serial_hex);
        EXPECT_EQ(entry.certificate.info.sha1_hex, expected.sha1_hex);
        EXPECT_EQ(entry.certificate.info.not_before, expected.not_before);
        EXPECT_EQ(entry.certificate.info.not_after, expected.not_after);
        EXPECT_EQ(entry.certificate.info.key_algorithm, expected.key_algorithm);
        EXPECT_EQ(entry.certificate.info.key_curve, expected.key_curve);
        EXPECT_EQ(entry.certificate.info.key_bits, expected.key_bits);
        EXPECT_EQ(entry.certificate.info.subject_alt_names, expected.subject_alt_names);
    }
    const ManifestEntry& database = m.entries[1];
    EXPECT_EQ(database.kind, CertificateKind::database);
    EXPECT_EQ(database.certificate.chain_length, 1u);
    EXPECT_EQ(m.entries[2].certificate.info.key_curve, "P-521");
    EXPECT_EQ(m.entries[0].certificate.info.key_algorithm, "RSA");

    // Opening the bundle counts its certificates while their bags are decoded, not 0/1 then
    // 1/1 PFX file: it is most of a restore's time for thousands.
    std::vector<std::pair<std::size_t, std::size_t>> read_progress;
    SnapshotHooks read_hooks;
    read_hooks.progress = [&](std::size_t done, std::size_t total) {
        read_progress.emplace_back(done, total);
    };
    auto restored = reader->read_certificates({}, read_hooks);
    ASSERT_TRUE(restored) << restored.error().message;
    expect_restored(*restored, m);
    ASSERT_GE(read_progress.size(), 3u);
    for (std::size_t i = 0; i < read_progress.size(); ++i) {
        EXPECT_EQ(read_progress[i].second, 5u);
        if (i > 0) {
            EXPECT_GT(read_progress[i].first, read_progress[i - 1].first);
        }
        if (i + 1 < read_progress.size()) {
            EXPECT_LT(read_progress[i].first, 5u);
        }
    }
    EXPECT_EQ(read_progress.back(), (std::pair<std::size_t, std::size_t>{5, 5}));
}

TEST(Snapshot, RoundTripPerCertificateFiles) {
    MemoryItems items;
    std::vector<std::pair<std::size_t, std::size_t>> progress;
    SnapshotHooks hooks;
    hooks.progress = [&](std::size_t done, std::size_t total) {
        progress.emplace_back(done, total);
    };
    auto summary =
        SnapshotWriter(test_options(true), hooks).write(candidates(), kSnapshotPassword, items);
    ASSERT_TRUE(summary) << summary.error().message;

    auto short_id = [](std::string_view name) { return sample(name).sha256_hex().substr(0, 16); };
    const std::vector<std::string> expected_items = {
        "server_encryption-server-" + short_id("server-encryption") + ".pfx",
        "database-db1-" + short_id("database-db1") + ".pfx",
        "master_key-db1-example.com-" + short_id("master-key-db1") + ".pfx",
        "discovery_service-db1-discovery1-" + short_id("discovery-db1") + ".pfx",
        "password_reset-db2-reset1-" + short_id("password-reset-db2") + ".pfx",
        "manifest.pb",
    };
    EXPECT_EQ(items.write_order(), expected_items);
    EXPECT_EQ(summary->items_written, expected_items);
    ASSERT_FALSE(progress.empty());
    EXPECT_EQ(progress.back(), (std::pair<std::size_t, std::size_t>{5, 5}));

    auto reader = SnapshotReader::open(items, kSnapshotPassword, 2);
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_TRUE(reader->manifest().per_certificate_files);
    for (std::size_t i = 0; i < reader->manifest().entries.size(); ++i) {
        const ManifestEntry& entry = reader->manifest().entries[i];
        EXPECT_EQ(entry.payload_item, expected_items[i]);
        EXPECT_EQ(entry.payload_size, items.items().at(entry.payload_item).size());
        EXPECT_EQ(entry.payload_item,
                  payload_item_name(entry.bindings, entry.certificate.info.sha256_hex));
    }
    std::vector<std::pair<std::size_t, std::size_t>> read_progress;
    SnapshotHooks read_hooks;
    read_hooks.progress = [&](std::size_t done, std::size_t total) {
        read_progress.emplace_back(done, total);
    };
    auto restored = reader->read_certificates({}, read_hooks);
    ASSERT_TRUE(restored) << restored.error().message;
    expect_restored(*restored, reader->manifest());
    // One certificate per file: the files opened count the certificates.
    ASSERT_FALSE(read_progress.empty());
    EXPECT_EQ(read_progress.back(), (std::pair<std::size_t, std::size_t>{5, 5}));
}

TEST(Snapshot, CompatProfileRoundTrip) {
    MemoryItems items;
    SnapshotOptions options = test_options(true);
    options.profile = Pkcs12Profile::compat(testing::kTestIterations);
    auto summary = SnapshotWriter(options).write(candidates(), kSnapshotPassword, items);
    ASSERT_TRUE(summary) << summary.error().message;
    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_EQ(reader->manifest().profile.name, Pkcs12ProfileName::compat);
    EXPECT_EQ(reader->manifest().profile.iterations, testing::kTestIterations);
    auto restored = reader->read_certificates();
    ASSERT_TRUE(restored) << restored.error().message;
    expect_restored(*restored, reader->manifest());
}

TEST(Snapshot, ItemOrderDoesNotDependOnThreadsOrCandidateOrder) {
    SnapshotOptions one_thread = test_options(true);
    one_thread.threads = 1;
    one_thread.include_ssl = one_thread.include_unused = true;
    SnapshotOptions four_threads = one_thread;
    four_threads.threads = 4;
    std::vector<SnapshotCandidate> reversed(candidates().rbegin(), candidates().rend());

    MemoryItems a;
    MemoryItems b;
    auto first = SnapshotWriter(one_thread).write(candidates(), kSnapshotPassword, a);
    auto second = SnapshotWriter(four_threads).write(reversed, kSnapshotPassword, b);
    ASSERT_TRUE(first) << first.error().message;
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_EQ(first->items_written, second->items_written);
    EXPECT_EQ(entry_names(first->manifest), entry_names(second->manifest));
    EXPECT_EQ(
        entry_names(first->manifest),
        (std::vector<std::string>{"ssl", "server-encryption", "database-db1", "master-key-db1",
                                  "discovery-db1", "password-reset-db2", "unused"}));
    EXPECT_EQ(first->items_written.back(), "manifest.pb");
    EXPECT_TRUE(first->items_written[6].starts_with("unused-unbound-"));
}

// The candidates as deferred ones: each loaded (a copy sharing the objects) when asked for,
// counting the loads.
std::vector<SnapshotCandidate> deferred_candidates(std::atomic<int>& loads) {
    std::vector<SnapshotCandidate> out;
    for (const auto& c : candidates()) {
        SnapshotCandidate deferred;
        deferred.bindings = c.bindings;
        const Certificate* certificate = c.certificate;
        deferred.deferred =
            SnapshotCandidate::Deferred{certificate->sha256_hex(), certificate->has_key(),
                                        [certificate, &loads]() -> Result<Certificate> {
                                            ++loads;
                                            return certificate->clone();
                                        }};
        out.push_back(std::move(deferred));
    }
    return out;
}

TEST(Snapshot, DeferredCandidatesGiveTheSameSnapshotLoadingEachOnce) {
    for (const bool per_certificate : {false, true}) {
        SCOPED_TRACE(per_certificate ? "per certificate" : "bundle");
        SnapshotOptions options = test_options(per_certificate);
        MemoryItems in_memory;
        MemoryItems streamed;
        std::atomic<int> loads = 0;
        auto expected = SnapshotWriter(options).write(candidates(), kSnapshotPassword, in_memory);
        auto written =
            SnapshotWriter(options).write(deferred_candidates(loads), kSnapshotPassword, streamed);
        ASSERT_TRUE(expected) << expected.error().message;
        ASSERT_TRUE(written) << written.error().message;
        // Every candidate once: the included ones for their payloads, the excluded for facts.
        EXPECT_EQ(loads.load(), static_cast<int>(candidates().size()));
        EXPECT_EQ(written->items_written, expected->items_written);
        const SnapshotManifest& a = expected->manifest;
        const SnapshotManifest& b = written->manifest;
        ASSERT_EQ(a.entries.size(), b.entries.size());
        for (std::size_t i = 0; i < a.entries.size(); ++i) {
            EXPECT_EQ(a.entries[i].certificate.info.sha256_hex,
                      b.entries[i].certificate.info.sha256_hex);
            EXPECT_EQ(a.entries[i].certificate.info.subject, b.entries[i].certificate.info.subject);
            EXPECT_EQ(a.entries[i].certificate.info.subject_alt_names,
                      b.entries[i].certificate.info.subject_alt_names);
            EXPECT_EQ(a.entries[i].certificate.friendly_name,
                      b.entries[i].certificate.friendly_name);
            EXPECT_EQ(a.entries[i].certificate.chain_length, b.entries[i].certificate.chain_length);
            EXPECT_EQ(a.entries[i].private_key_included, b.entries[i].private_key_included);
        }
        EXPECT_EQ(excluded_names(a), excluded_names(b));
        auto reader = SnapshotReader::open(streamed, kSnapshotPassword);
        ASSERT_TRUE(reader) << reader.error().message;
        auto restored = reader->read_certificates();
        ASSERT_TRUE(restored) << restored.error().message;
        expect_restored(*restored, reader->manifest());
    }
}

TEST(Snapshot, DeferredLoadFailureStopsTheWriteNamingTheCertificate) {
    for (const bool per_certificate : {false, true}) {
        std::atomic<int> loads = 0;
        auto list = deferred_candidates(loads);
        const SnapshotCandidate* broken = nullptr;
        for (auto& c : list)
            if (broken == nullptr && c.has_key() && !c.bindings.empty() &&
                c.bindings.front().kind == CertificateKind::database) {
                c.deferred->load = [] {
                    return Result<Certificate>(fail(ErrorCode::corrupt, "bad file"));
                };
                broken = &c;
            }
        ASSERT_NE(broken, nullptr);
        MemoryItems items;
        auto written =
            SnapshotWriter(test_options(per_certificate)).write(list, kSnapshotPassword, items);
        ASSERT_FALSE(written);
        EXPECT_EQ(written.error().code, ErrorCode::corrupt);
        EXPECT_NE(written.error().message.find(broken->sha256_hex()), std::string::npos)
            << written.error().message;
        EXPECT_NE(written.error().message.find("bad file"), std::string::npos);
        EXPECT_FALSE(items.items().contains("manifest.pb"));
        if (!per_certificate) {
            EXPECT_TRUE(items.write_order().empty()) << "a bundle is written once complete";
        }
    }
}

// A sink that notes, at each item, how many certificates had been loaded by then.
class LoadCountingSink final : public ItemSink {
  public:
    LoadCountingSink(MemoryItems& inner, const std::atomic<int>& loads)
        : inner_(inner), loads_(loads) {}
    Result<void> write_item(std::string_view name, std::span<const std::uint8_t> bytes) override {
        loads_at_write.push_back(loads_.load());
        return inner_.write_item(name, bytes);
    }
    std::vector<int> loads_at_write;

  private:
    MemoryItems& inner_;
    const std::atomic<int>& loads_;
};

// Per certificate, each PFX file is written as soon as it and those before it are made, and
// freed: when item k is written at most k + kPfxFilesInFlight certificates have been loaded,
// so a store of thousands never has all its files in memory at once (the writer used to make
// every file before writing the first).
TEST(Snapshot, PerCertificateFilesAreWrittenAsTheyAreMadeNotAllHeld) {
    const Certificate ca = pkcs12_testing::make_ca("In Flight CA");
    const std::size_t count = 3 * kPfxFilesInFlight;
    std::vector<Certificate> certificates;
    certificates.reserve(count);
    for (std::size_t i = 0; i < count; ++i)
        certificates.push_back(
            pkcs12_testing::make_leaf("flight" + std::to_string(i) + ".example.com", &ca));
    std::atomic<int> loads = 0;
    std::vector<SnapshotCandidate> list;
    for (const Certificate& certificate : certificates) {
        SnapshotCandidate candidate;
        const Certificate* c = &certificate;
        candidate.deferred = SnapshotCandidate::Deferred{c->sha256_hex(), true,
                                                         [c, &loads]() -> Result<Certificate> {
                                                             ++loads;
                                                             return c->clone();
                                                         }};
        list.push_back(std::move(candidate));
    }
    SnapshotOptions options = test_options(true);
    options.include_unused = true;
    MemoryItems items;
    LoadCountingSink sink(items, loads);
    auto summary = SnapshotWriter(options).write(list, kSnapshotPassword, sink);
    ASSERT_TRUE(summary) << summary.error().message;
    ASSERT_EQ(sink.loads_at_write.size(), count + 1) << "a file each and the manifest";
    for (std::size_t k = 0; k < count; ++k)
        EXPECT_LE(sink.loads_at_write[k], static_cast<int>(k + kPfxFilesInFlight))
            << "item " << k << " was written after too many certificates were loaded";

    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_TRUE(reader) << reader.error().message;
    auto restored = reader->read_certificates();
    ASSERT_TRUE(restored) << restored.error().message;
    EXPECT_EQ(restored->size(), count);
}

TEST(Snapshot, IncludesSslAndUnusedWhenAsked) {
    SnapshotOptions options = test_options(false);
    options.include_ssl = true;
    options.include_unused = true;
    MemoryItems items;
    auto summary = SnapshotWriter(options).write(candidates(), kSnapshotPassword, items);
    ASSERT_TRUE(summary) << summary.error().message;
    EXPECT_EQ(excluded_names(summary->manifest), std::vector<std::string>{"no-key-db2"});

    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_TRUE(reader->manifest().include_ssl);
    EXPECT_TRUE(reader->manifest().include_unused);
    auto restored = reader->read_certificates();
    ASSERT_TRUE(restored) << restored.error().message;
    expect_restored(*restored, reader->manifest());
    EXPECT_EQ(restored->front().entry.kind, CertificateKind::ssl);
    EXPECT_EQ(restored->front().certificate.chain().size(), 1u);
    EXPECT_FALSE(restored->back().entry.kind.has_value());
    EXPECT_TRUE(restored->back().entry.bindings.empty());
}

// SSL is left out only when that is all a certificate serves.
TEST(Snapshot, CertificateServingSslAndMoreIsIncluded) {
    const Certificate& ssl = sample("ssl");
    const std::vector<SnapshotCandidate> list = {
        {&ssl, {*Binding::parse("ssl"), *Binding::parse("server_encryption")}}};
    MemoryItems items;
    auto summary = SnapshotWriter(test_options(true)).write(list, kSnapshotPassword, items);
    ASSERT_TRUE(summary) << summary.error().message;
    ASSERT_EQ(summary->manifest.entries.size(), 1u);
    EXPECT_TRUE(summary->manifest.excluded.empty());
    const ManifestEntry& entry = summary->manifest.entries.front();
    EXPECT_EQ(entry.kind, CertificateKind::ssl);
    EXPECT_EQ(entry.bindings.size(), 2u);
    EXPECT_EQ(entry.payload_item, "ssl-server-" + ssl.sha256_hex().substr(0, 16) + ".pfx");
}

TEST(Snapshot, ExcludedCertificatesAreListedWithReasons) {
    MemoryItems items;
    ASSERT_TRUE(SnapshotWriter(test_options(false)).write(candidates(), kSnapshotPassword, items));
    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_TRUE(reader) << reader.error().message;
    const auto& excluded = reader->manifest().excluded;
    ASSERT_EQ(excluded.size(), 3u);

    EXPECT_EQ(excluded[0].reason, ExclusionReason::ssl_not_requested);
    EXPECT_EQ(excluded[0].kind, CertificateKind::ssl);
    EXPECT_NE(excluded[0].reason_text.find("recreate it on the new server"), std::string::npos);
    EXPECT_EQ(excluded[0].certificate.info.sha256_hex, sample("ssl").sha256_hex());

    EXPECT_EQ(excluded[1].reason, ExclusionReason::no_private_key);
    EXPECT_EQ(excluded[1].bindings.front().to_string(), "database/db2");
    EXPECT_NE(excluded[1].reason_text.find(
                  "no private key in the store; the certificate alone cannot restore the service"),
              std::string::npos);

    EXPECT_EQ(excluded[2].reason, ExclusionReason::unused_not_requested);
    EXPECT_FALSE(excluded[2].kind.has_value());
    EXPECT_NE(excluded[2].reason_text.find("include_unused"), std::string::npos);
}

TEST(Snapshot, WrongPasswordIsItsOwnError) {
    for (bool per_certificate : {false, true}) {
        MemoryItems items;
        ASSERT_TRUE(SnapshotWriter(test_options(per_certificate))
                        .write(candidates(), kSnapshotPassword, items));
        auto reader = SnapshotReader::open(items, "correct horse battery stapler");
        ASSERT_FALSE(reader);
        EXPECT_EQ(reader.error().code, ErrorCode::wrong_password) << reader.error().message;
        EXPECT_NE(reader.error().message.find("wrong password"), std::string::npos);
        EXPECT_EQ(reader.error().message.find("stapler"), std::string::npos);
        auto empty = SnapshotReader::open(items, "");
        ASSERT_FALSE(empty);
        EXPECT_EQ(empty.error().code, ErrorCode::wrong_password);
    }
}

TEST(Snapshot, ManifestCanBeListedWithoutThePassword) {
    MemoryItems items;
    auto summary = SnapshotWriter(test_options(true)).write(candidates(), kSnapshotPassword, items);
    ASSERT_TRUE(summary) << summary.error().message;
    auto manifest = SnapshotReader::read_manifest_unauthenticated(items);
    ASSERT_TRUE(manifest) << manifest.error().message;
    EXPECT_EQ(manifest->snapshot_id, summary->manifest.snapshot_id);
    EXPECT_EQ(entry_names(*manifest), entry_names(summary->manifest));
    EXPECT_EQ(excluded_names(*manifest), excluded_names(summary->manifest));
}

TEST(Snapshot, SelectionReadsOnlyTheChosenEntries) {
    for (bool per_certificate : {false, true}) {
        MemoryItems items;
        ASSERT_TRUE(SnapshotWriter(test_options(per_certificate))
                        .write(candidates(), kSnapshotPassword, items));
        auto reader = SnapshotReader::open(items, kSnapshotPassword);
        ASSERT_TRUE(reader) << reader.error().message;
        auto restored = reader->read_certificates([](const ManifestEntry& e) {
            return std::any_of(e.bindings.begin(), e.bindings.end(),
                               [](const Binding& b) { return b.database == "db1"; });
        });
        ASSERT_TRUE(restored) << restored.error().message;
        std::vector<std::string> names;
        for (const auto& r : *restored)
            names.push_back(r.certificate.friendly_name());
        EXPECT_EQ(names,
                  (std::vector<std::string>{"database-db1", "master-key-db1", "discovery-db1"}));
    }
}

TEST(Snapshot, MissingManifestMeansAnIncompleteSnapshot) {
    MemoryItems items;
    ASSERT_TRUE(SnapshotWriter(test_options(false)).write(candidates(), kSnapshotPassword, items));
    items.items().erase("manifest.pb");
    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::not_found);
    EXPECT_NE(reader.error().message.find("manifest.pb is missing"), std::string::npos);
    EXPECT_NE(reader.error().message.find("incomplete"), std::string::npos);
}

TEST(Snapshot, MissingOrTruncatedPayloadIsNamedAndNothingIsRead) {
    MemoryItems items;
    auto summary = SnapshotWriter(test_options(true)).write(candidates(), kSnapshotPassword, items);
    ASSERT_TRUE(summary) << summary.error().message;
    const std::string missing = summary->items_written[1];
    const std::string truncated = summary->items_written[3];
    const auto kept = items.items().at(missing);
    items.items().erase(missing);
    {
        auto reader = SnapshotReader::open(items, kSnapshotPassword);
        ASSERT_TRUE(reader) << reader.error().message;
        auto restored = reader->read_certificates();
        ASSERT_FALSE(restored);
        EXPECT_EQ(restored.error().code, ErrorCode::not_found);
        EXPECT_NE(restored.error().message.find(missing), std::string::npos);
    }
    items.items()[missing] = kept;
    items.items().at(truncated).pop_back();
    {
        auto reader = SnapshotReader::open(items, kSnapshotPassword);
        ASSERT_TRUE(reader) << reader.error().message;
        auto verified = reader->verify_payloads();
        ASSERT_FALSE(verified);
        EXPECT_EQ(verified.error().code, ErrorCode::corrupt);
        EXPECT_NE(verified.error().message.find(truncated), std::string::npos);
        EXPECT_NE(verified.error().message.find("truncated"), std::string::npos);
        auto restored = reader->read_certificates();
        ASSERT_FALSE(restored);
        EXPECT_EQ(restored.error().code, ErrorCode::corrupt);
    }
}

// A sink that fails on its n-th write, like a full disk.
class FailingSink final : public ItemSink {
  public:
    FailingSink(MemoryItems& inner, int fail_at) : inner_(inner), fail_at_(fail_at) {}
    Result<void> write_item(std::string_view name, std::span<const std::uint8_t> bytes) override {
        if (++count_ == fail_at_)
            return fail(ErrorCode::io, "no space left on device");
        return inner_.write_item(name, bytes);
    }

  private:
    MemoryItems& inner_;
    int fail_at_;
    int count_ = 0;
};

TEST(Snapshot, SinkFailureStopsBeforeTheManifest) {
    for (int fail_at = 1; fail_at <= 6; ++fail_at) {
        MemoryItems items;
        FailingSink sink(items, fail_at);
        auto summary =
            SnapshotWriter(test_options(true)).write(candidates(), kSnapshotPassword, sink);
        ASSERT_FALSE(summary);
        EXPECT_EQ(summary.error().code, ErrorCode::io);
        EXPECT_NE(summary.error().message.find("no space left"), std::string::npos);
        EXPECT_NE(summary.error().message.find("incomplete"), std::string::npos);
        EXPECT_FALSE(items.items().contains("manifest.pb")) << "fail_at " << fail_at;
        EXPECT_EQ(items.items().size(), static_cast<std::size_t>(fail_at - 1));
        EXPECT_FALSE(SnapshotReader::open(items, kSnapshotPassword));
    }
}

TEST(Snapshot, CancelWhileMakingPayloadsStopsBeforeTheManifest) {
    for (bool per_certificate : {false, true}) {
        // One file: cancelled before the bundle is made, so nothing is written. One per
        // certificate: cancelled after two polls (a PFX file started or an item written), so
        // the files written by then stay, without a manifest.
        const int allowed = per_certificate ? 2 : 0;
        std::atomic<int> polls{0};
        SnapshotHooks hooks;
        hooks.cancelled = [&] { return polls.fetch_add(1) >= allowed; };
        MemoryItems items;
        auto summary = SnapshotWriter(test_options(per_certificate), hooks)
                           .write(candidates(), kSnapshotPassword, items);
        ASSERT_FALSE(summary);
        EXPECT_EQ(summary.error().code, ErrorCode::cancelled) << summary.error().message;
        EXPECT_FALSE(items.items().contains("manifest.pb"));
        if (per_certificate) {
            EXPECT_LE(items.items().size(), 1u);
        } else {
            EXPECT_TRUE(items.items().empty());
        }
    }
}

TEST(Snapshot, WarnsAboutExpiringAndExpiredCertificates) {
    samples::CertificateSpec soon;
    soon.common_name = "soon.example.com";
    soon.friendly_name = "soon";
    soon.validity_seconds = 3600 + 10 * 86400 + 43200;  // expires in 10.5 days
    samples::CertificateSpec past;
    past.common_name = "past.example.com";
    past.friendly_name = "past";
    past.not_before_offset = -30 * 86400;
    past.validity_seconds = 24 * 86400 + 43200;  // expired 5.5 days ago
    samples::CertificateSpec fine;
    fine.common_name = "fine.example.com";
    auto a = samples::make_certificate(soon);
    auto b = samples::make_certificate(past);
    auto c = samples::make_certificate(fine);
    ASSERT_TRUE(a && b && c);
    const std::vector<SnapshotCandidate> list = {
        {&*a, {*Binding::parse("database/db1")}},
        {&*b, {*Binding::parse("database/db2")}},
        {&*c, {*Binding::parse("database/db3")}},
    };
    MemoryItems items;
    auto summary = SnapshotWriter(test_options(false)).write(list, kSnapshotPassword, items);
    ASSERT_TRUE(summary) << summary.error().message;
    const auto& warnings = summary->manifest.warnings;
    ASSERT_EQ(warnings.size(), 2u) << ::testing::PrintToString(warnings);
    EXPECT_NE(warnings[0].find("database/db1 certificate 'CN=soon.example.com"), std::string::npos);
    EXPECT_NE(warnings[0].find("expires in 10 days"), std::string::npos) << warnings[0];
    EXPECT_NE(warnings[1].find("database/db2 certificate 'CN=past.example.com"), std::string::npos);
    EXPECT_NE(warnings[1].find("expired 5 days ago"), std::string::npos) << warnings[1];

    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_EQ(reader->manifest().warnings, warnings);
}

TEST(Snapshot, WarnsWhenNothingIsIncluded) {
    const std::vector<SnapshotCandidate> only_ssl = {candidates().front()};
    MemoryItems items;
    auto summary = SnapshotWriter(test_options(false)).write(only_ssl, kSnapshotPassword, items);
    ASSERT_TRUE(summary) << summary.error().message;
    EXPECT_EQ(items.write_order(), std::vector<std::string>{"manifest.pb"});
    ASSERT_EQ(summary->manifest.warnings.size(), 1u);
    EXPECT_NE(summary->manifest.warnings[0].find("no certificate was backed up"),
              std::string::npos);
    auto reader = SnapshotReader::open(items, kSnapshotPassword);
    ASSERT_TRUE(reader) << reader.error().message;
    auto restored = reader->read_certificates();
    ASSERT_TRUE(restored) << restored.error().message;
    EXPECT_TRUE(restored->empty());
    EXPECT_EQ(reader->manifest().excluded.size(), 1u);
}

TEST(Snapshot, RefusesBadInput) {
    MemoryItems items;
    auto empty = SnapshotWriter(test_options(false)).write(candidates(), "", items);
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(empty.error().message.find("password is empty"), std::string::npos);

    std::vector<SnapshotCandidate> twice = candidates();
    twice.push_back(candidates()[2]);
    auto duplicate = SnapshotWriter(test_options(false)).write(twice, kSnapshotPassword, items);
    ASSERT_FALSE(duplicate);
    EXPECT_EQ(duplicate.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(duplicate.error().message.find(candidates()[2].certificate->sha256_hex()),
              std::string::npos);

    const std::vector<SnapshotCandidate> null_certificate = {SnapshotCandidate{}};
    auto null =
        SnapshotWriter(test_options(false)).write(null_certificate, kSnapshotPassword, items);
    ASSERT_FALSE(null);
    EXPECT_EQ(null.error().code, ErrorCode::invalid_argument);

    SnapshotOptions zero = test_options(false);
    zero.profile.iterations = 0;
    auto no_iterations = SnapshotWriter(zero).write(candidates(), kSnapshotPassword, items);
    ASSERT_FALSE(no_iterations);
    EXPECT_EQ(no_iterations.error().code, ErrorCode::invalid_argument);
    EXPECT_TRUE(items.items().empty());
}

// The payloads are standard PKCS#12 that the openssl tool opens with the same password.
// A set written before modern payloads took the standard layout (certbackup 0.1.0: plain key
// bags in one encrypted safe) still verifies and restores. Made here: this set's bundle is
// replaced by the same certificates in the old layout, and the manifest sealed again with the
// new payload's digest and size, as 0.1.0 wrote it.
TEST(Snapshot, SetWithTheOldModernLayoutStillVerifiesAndRestores) {
    MemoryItems items;
    ASSERT_TRUE(SnapshotWriter(test_options(false)).write(candidates(), kSnapshotPassword, items));
    auto opened = open_manifest(items.items().at("manifest.pb"), kSnapshotPassword);
    ASSERT_TRUE(opened) << opened.error().message;
    auto manifest = decode_manifest(*opened);
    ASSERT_TRUE(manifest) << manifest.error().message;
    std::vector<const Certificate*> entries;
    for (const auto& entry : manifest->entries)
        entries.push_back(candidate_of(entry.certificate.info.sha256_hex).certificate);
    const auto old_pfx =
        pkcs12_testing::old_modern_layout_pfx(entries, kSnapshotPassword, testing::kTestIterations);
    for (auto& entry : manifest->entries) {
        entry.payload_sha256 = ossl::to_hex(ossl::sha256(old_pfx));
        entry.payload_size = old_pfx.size();
    }
    auto encoded = encode_manifest(*manifest);
    ASSERT_TRUE(encoded);
    auto sealed = seal_manifest(*encoded, kSnapshotPassword, testing::kTestIterations);
    ASSERT_TRUE(sealed);
    items.items()["certificates.pfx"] = old_pfx;
    items.items()["manifest.pb"] = *sealed;

    auto reader = SnapshotReader::open(items, kSnapshotPassword, 2);
    ASSERT_TRUE(reader) << reader.error().message;
    auto restored = reader->read_certificates();
    ASSERT_TRUE(restored) << restored.error().message;
    expect_restored(*restored, reader->manifest());
}

TEST(Snapshot, PayloadsOpenWithTheOpensslTool) {
    MemoryItems items;
    ASSERT_TRUE(SnapshotWriter(test_options(true)).write(candidates(), kSnapshotPassword, items));
    testing::TempDir dir;
    {
        std::ofstream(dir / "right.pass") << kSnapshotPassword;
        std::ofstream(dir / "wrong.pass") << "not the password";
    }
    for (const auto& [name, bytes] : items.items()) {
        if (name == "manifest.pb")
            continue;
        const auto path = dir / name;
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()),
                   static_cast<std::streamsize>(bytes.size()));
        const std::string command = "openssl pkcs12 -in '" + path.string() + "' -passin file:'" +
                                    (dir / "right.pass").string() + "' -noout 2>/dev/null";
        EXPECT_EQ(std::system(command.c_str()), 0) << command;
        const std::string wrong = "openssl pkcs12 -in '" + path.string() + "' -passin file:'" +
                                  (dir / "wrong.pass").string() + "' -noout 2>/dev/null";
        EXPECT_NE(std::system(wrong.c_str()), 0) << wrong;
    }
}

}  // namespace
}  // namespace certbackup
