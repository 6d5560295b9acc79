// The certificates plugin's backup, restore, verify and estimate jobs, through the host ABI
// with an in-memory host (DESIGN §7: mock only the host boundary).
#include <algorithm>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "certificate_factory.hpp"
#include "support/plugin_fixture.hpp"

namespace certbackup::testing {
namespace {

using bh::Status;
using bh::testing::StoredItem;

std::vector<std::string> item_names(const std::vector<StoredItem>& items) {
    std::vector<std::string> names;
    for (const auto& i : items)
        names.push_back(i.name);
    return names;
}

const std::vector<std::string> kNotBackedUpByDefault = {"ssl", "unused"};

struct Mode {
    const char* per_certificate_files;
    const char* profile;
};

class RoundTrip : public CertificatesPluginTest, public ::testing::WithParamInterface<Mode> {};

TEST_P(RoundTrip, EveryRequiredCertificateButSslComesBackWithKeyChainNameAndBinding) {
    const Mode mode = GetParam();
    auto host =
        backup({{"per_certificate_files", mode.per_certificate_files}, {"profile", mode.profile}});
    const auto names = item_names(host.items);
    ASSERT_FALSE(names.empty());
    EXPECT_EQ(names.back(), "manifest.pb") << "the manifest is written last";
    if (std::string(mode.per_certificate_files) == "true") {
        EXPECT_GT(names.size(), 2u);
        EXPECT_EQ(std::count(names.begin(), names.end(), "certificates.pfx"), 0);
    } else {
        EXPECT_EQ(names, (std::vector<std::string>{"certificates.pfx", "manifest.pb"}));
    }
    EXPECT_NE(host.output.find("recreate it on the new server"), std::string::npos) << host.output;

    auto restored = restore(host.items, {{"target_store", path("new-machine").string()}});
    ASSERT_TRUE(restored) << restored.error().message;
    expect_same_certificates(store(), path("new-machine"), kNotBackedUpByDefault);
}

INSTANTIATE_TEST_SUITE_P(FileModesAndProfiles, RoundTrip,
                         ::testing::Values(Mode{"false", "modern"}, Mode{"true", "modern"},
                                           Mode{"false", "compat"}, Mode{"true", "compat"}),
                         [](const auto& info) {
                             return std::string(std::string(info.param.per_certificate_files) ==
                                                        "true"
                                                    ? "PerCertificate"
                                                    : "OneFile") +
                                    "_" + info.param.profile;
                         });

TEST_F(CertificatesPluginTest, IncludeSslBringsTheSslCertificateBackWithItsChain) {
    auto host = backup({{"include_ssl", "true"}});
    ASSERT_TRUE(restore(host.items, {{"target_store", path("new").string()}}));
    expect_same_certificates(store(), path("new"), {"unused"});
}

TEST_F(CertificatesPluginTest, IncludeUnusedBacksUpUnusedCertificatesToo) {
    auto host = backup({{"include_unused", "true"}});
    ASSERT_TRUE(restore(host.items, {{"target_store", path("new").string()}}));
    expect_same_certificates(store(), path("new"), {"ssl"});
}

TEST_F(CertificatesPluginTest, RestoreIntoAnEmptyDirectoryNeedsOnlyTheItemsAndThePassword) {
    auto host = backup();
    std::filesystem::create_directory(path("empty"));
    // No store option at all: the target and the password are everything the restore gets.
    auto restored = restore(host.items, {{"target_store", path("empty").string()}});
    ASSERT_TRUE(restored) << restored.error().message;
    expect_same_certificates(store(), path("empty"), kNotBackedUpByDefault);
}

TEST_F(CertificatesPluginTest, WrongPasswordChangesNothingAndSaysSo) {
    auto host = backup();
    const std::string before = snapshot_tree(store());
    auto restored =
        restore(host.items, {{"target_store", store().string()}}, false, "not the password");
    ASSERT_FALSE(restored);
    EXPECT_EQ(restored.error().status, Status::wrong_password);
    EXPECT_EQ(bh::exit_code(restored.error().status), 3);
    EXPECT_NE(restored.error().message.find("password"), std::string::npos)
        << restored.error().message;
    EXPECT_EQ(snapshot_tree(store()), before);
}

TEST_F(CertificatesPluginTest, TamperedPayloadIsRefusedNamingItAndChangesNothing) {
    auto host = backup({{"per_certificate_files", "true"}});
    // Restore into a copy of the store that already holds an unrelated certificate setup.
    const std::string before = snapshot_tree(store());
    for (std::size_t i = 0; i + 1 < host.items.size(); ++i) {
        auto items = host.items;
        auto& payload = items[i];
        payload.bytes[payload.bytes.size() / 2] ^= 0x01;
        // Also make the host's own check pass, so that the plugin's SHA-256 check is what refuses
        // it.
        payload.recorded_checksum = bh::testing::checksum(payload.bytes);
        auto restored = restore(items, {{"target_store", store().string()}});
        ASSERT_FALSE(restored) << payload.name;
        EXPECT_EQ(restored.error().status, Status::corrupt) << restored.error().message;
        EXPECT_EQ(bh::exit_code(restored.error().status), 4);
        EXPECT_NE(restored.error().message.find(payload.name), std::string::npos)
            << restored.error().message;
        EXPECT_EQ(snapshot_tree(store()), before);
    }
}

TEST_F(CertificatesPluginTest, DamageCaughtByTheHostIsCorruptToo) {
    auto host = backup();
    auto items = host.items;
    items.front().bytes[10] ^= 0xff;  // the host's checksum no longer matches
    auto restored = restore(items, {{"target_store", path("new").string()}});
    ASSERT_FALSE(restored);
    EXPECT_EQ(restored.error().status, Status::corrupt);
    EXPECT_FALSE(std::filesystem::exists(path("new") / "bindings.toml"));
}

TEST_F(CertificatesPluginTest, RestoreOverTheOriginalSkipsIdenticalCertificates) {
    auto host = backup();
    const std::string before = snapshot_tree(store());
    std::string output;
    auto restored =
        restore(host.items, {{"target_store", store().string()}}, false, kPassword, &output);
    ASSERT_TRUE(restored) << restored.error().message;
    EXPECT_NE(output.find("0 created"), std::string::npos) << output;
    EXPECT_EQ(snapshot_tree(store()), before) << "skipping everything writes nothing";
}

DirectoryStoreOptions create_options() {
    DirectoryStoreOptions options;
    options.create = true;
    return options;
}

// Binds database/<db> in `target` to a new certificate of its own, so that a restore conflicts.
std::string bind_other_certificate(const std::filesystem::path& target,
                                   const std::string& purpose) {
    auto other = samples::make_certificate({});
    EXPECT_TRUE(other);
    auto opened = DirectoryStore::open(target, create_options());
    EXPECT_TRUE(opened);
    const std::string thumbprint = other->sha256_hex();
    auto added = (*opened)->add(std::move(*other), Binding::parse(purpose).value());
    EXPECT_TRUE(added) << (added ? "" : added.error().message);
    return thumbprint;
}

std::string first_database(const std::filesystem::path& store) {
    for (const auto& s : list_all(store))
        for (const auto& b : s.bindings)
            if (b.kind == CertificateKind::database)
                return b.database;
    ADD_FAILURE() << "no database certificate in the sample store";
    return "db";
}

TEST_F(CertificatesPluginTest, ConflictStopsTheRestoreBeforeAnyChangeNamingBothCertificates) {
    auto host = backup();
    const std::string purpose = "database/" + first_database(store());
    const std::string other = bind_other_certificate(path("target"), purpose);
    const std::string before = snapshot_tree(path("target"));
    auto restored = restore(host.items, {{"target_store", path("target").string()}});
    ASSERT_FALSE(restored);
    EXPECT_EQ(restored.error().status, Status::conflict);
    EXPECT_NE(restored.error().message.find(purpose), std::string::npos)
        << restored.error().message;
    EXPECT_NE(restored.error().message.find(other), std::string::npos) << restored.error().message;
    EXPECT_EQ(snapshot_tree(path("target")), before);
}

TEST_F(CertificatesPluginTest, ReplaceMovesThePurposeToTheBackupsCertificate) {
    auto host = backup();
    const std::string purpose = "database/" + first_database(store());
    const std::string other = bind_other_certificate(path("target"), purpose);
    std::string output;
    auto restored =
        restore(host.items, {{"target_store", path("target").string()}, {"overwrite", "replace"}},
                false, kPassword, &output);
    ASSERT_TRUE(restored) << restored.error().message;
    EXPECT_NE(output.find("replace"), std::string::npos) << output;
    auto opened = DirectoryStore::open(path("target"));
    ASSERT_TRUE(opened);
    auto previous = (*opened)->get(other);
    ASSERT_TRUE(previous);
    EXPECT_FALSE(previous->required()) << "the previous holder stays, unused";
    for (const auto& s : list_all(store()))
        for (const auto& b : s.bindings)
            if (b.to_string() == purpose) {
                auto now = (*opened)->get(s.certificate.sha256_hex());
                ASSERT_TRUE(now);
                EXPECT_NE(std::find(now->bindings.begin(), now->bindings.end(), b),
                          now->bindings.end());
            }
}

TEST_F(CertificatesPluginTest, DryRunReportsThePlanAndWritesNothing) {
    auto host = backup();
    const std::string purpose = "database/" + first_database(store());
    const std::string other = bind_other_certificate(path("target"), purpose);
    const std::string before = snapshot_tree(path("target"));
    std::string output;
    auto planned =
        restore(host.items, {{"target_store", path("target").string()}}, true, kPassword, &output);
    ASSERT_TRUE(planned) << planned.error().message;
    EXPECT_NE(output.find("Dry run"), std::string::npos) << output;
    EXPECT_NE(output.find("create"), std::string::npos) << output;
    EXPECT_NE(output.find("conflict"), std::string::npos) << output;
    EXPECT_NE(output.find(other), std::string::npos) << output;
    EXPECT_EQ(snapshot_tree(path("target")), before);

    auto into_nothing =
        restore(host.items, {{"target_store", path("absent").string()}}, true, kPassword, &output);
    ASSERT_TRUE(into_nothing) << into_nothing.error().message;
    EXPECT_FALSE(std::filesystem::exists(path("absent"))) << "a dry run does not create the store";
}

TEST_F(CertificatesPluginTest, SelectionByKindKindDatabaseAndThumbprint) {
    auto host = backup();
    const std::string db = first_database(store());
    auto kinds_in = [&](const std::filesystem::path& p) {
        std::vector<std::string> kinds;
        for (const auto& s : list_all(p))
            for (const auto& b : s.bindings)
                kinds.push_back(b.to_string());
        return kinds;
    };
    ASSERT_TRUE(
        restore(host.items, {{"target_store", path("a").string()}, {"select", "database"}}));
    for (const auto& k : kinds_in(path("a")))
        EXPECT_TRUE(k.starts_with("database/")) << k;
    EXPECT_FALSE(kinds_in(path("a")).empty());

    ASSERT_TRUE(restore(host.items,
                        {{"target_store", path("b").string()}, {"select", "master_key/" + db}}));
    for (const auto& k : kinds_in(path("b")))
        EXPECT_TRUE(k.starts_with("master_key/" + db + "/")) << k;
    EXPECT_FALSE(kinds_in(path("b")).empty());

    std::string thumbprint;
    for (const auto& s : list_all(store()))
        if (!s.bindings.empty() && s.bindings.front().kind == CertificateKind::password_reset)
            thumbprint = s.certificate.sha256_hex();
    ASSERT_FALSE(thumbprint.empty());
    ASSERT_TRUE(restore(
        host.items, {{"target_store", path("c").string()}, {"select", thumbprint.substr(0, 12)}}));
    const auto c = list_all(path("c"));
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c.front().certificate.sha256_hex(), thumbprint);

    auto nothing = restore(host.items, {{"target_store", path("d").string()}, {"select", "ssl"}});
    ASSERT_FALSE(nothing) << "ssl is not in the backup: the selection matches nothing";
    EXPECT_NE(nothing.error().message.find("ssl"), std::string::npos);
    auto bad = restore(host.items, {{"target_store", path("d").string()}, {"select", "tls"}});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().status, Status::bad_usage);
}

TEST_F(CertificatesPluginTest, RelocationRestoresIntoAnotherStoreAndLeavesTheOriginalAlone) {
    auto host = backup();
    const std::string before = snapshot_tree(store());
    ASSERT_TRUE(restore(
        host.items, {{"store", store().string()}, {"target_store", path("elsewhere").string()}}));
    EXPECT_EQ(snapshot_tree(store()), before);
    expect_same_certificates(store(), path("elsewhere"), kNotBackedUpByDefault);
}

TEST_F(CertificatesPluginTest, VerifyOpensEveryPayloadAndTouchesNoStore) {
    auto host = backup({{"per_certificate_files", "true"}});
    const std::string before = snapshot_tree(store());
    std::string output;
    auto verified = verify(host.items, kPassword, &output);
    ASSERT_TRUE(verified) << verified.error().message;
    EXPECT_NE(output.find("key matches"), std::string::npos) << output;
    EXPECT_EQ(snapshot_tree(store()), before);

    auto wrong = verify(host.items, "wrong");
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().status, Status::wrong_password);
}

// A set put in place of a newer one (a rollback) must be visible: every restore and verify
// says which snapshot it reads, when and where it was made, in text and JSON.
TEST_F(CertificatesPluginTest, RestoreAndVerifyNameTheSnapshotItsTimeHostAndStore) {
    const auto host = backup();
    const auto made = nlohmann::json::parse(host.result);
    const std::string id = made.at("snapshot_id").get<std::string>();
    ASSERT_EQ(id.size(), 32u);
    const std::regex origin(
        "snapshot " + id +
        ", made 20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z "
        "on host [^ ]+ from store [^ :]+");
    for (const bool dry_run : {true, false}) {
        for (const auto kind : {bh::JobKind::restore, bh::JobKind::verify}) {
            bh::testing::MemoryJobServices services;
            services.items = host.items;
            services.password = kPassword;
            bh::OptionAssignments options;
            if (kind == bh::JobKind::restore)
                options.emplace_back("target_store", path(dry_run ? "dry" : "new").string());
            auto done = bh::testing::run_job(
                plugin_, bh::testing::JobRequest(kind, options, dry_run), services);
            ASSERT_TRUE(done) << done.error().message;
            EXPECT_TRUE(std::regex_search(services.output, origin)) << services.output;
            const auto result = nlohmann::json::parse(services.result);
            EXPECT_EQ(result.at("snapshot_id"), id);
            EXPECT_TRUE(std::regex_match(result.at("created_utc").get<std::string>(),
                                         std::regex("20[0-9-]{8}T[0-9:]{8}Z")))
                << services.result;
            EXPECT_FALSE(result.at("source_host").get<std::string>().empty());
            EXPECT_FALSE(result.at("source_store").get<std::string>().empty());
        }
    }
}

TEST_F(CertificatesPluginTest, BackupReportsExcludedCertificatesAndExpiryWarnings) {
    auto host = backup();
    EXPECT_NE(host.result.find("\"excluded\""), std::string::npos) << host.result;
    EXPECT_NE(host.result.find("ssl_not_requested"), std::string::npos) << host.result;
    EXPECT_NE(host.result.find("unused_not_requested"), std::string::npos) << host.result;
    // The sample store has one certificate that expires within 30 days.
    EXPECT_NE(host.output.find("expires in"), std::string::npos) << host.output;
}

TEST_F(CertificatesPluginTest, ACertificateWithoutPrivateKeyIsExcludedWithAWarning) {
    auto made = samples::make_certificate({});
    ASSERT_TRUE(made);
    auto keyless = Certificate::create(ossl::share(made->leaf()), nullptr, {});
    ASSERT_TRUE(keyless);
    const std::string thumbprint = keyless->sha256_hex();
    auto opened = DirectoryStore::open(store());
    ASSERT_TRUE(opened);
    ASSERT_TRUE((*opened)->add(std::move(*keyless), Binding::parse("database/keyless").value()));
    auto host = backup();
    EXPECT_NE(host.result.find("no_private_key"), std::string::npos) << host.result;
    EXPECT_NE(host.output.find("has no private key"), std::string::npos) << host.output;
    EXPECT_NE(host.output.find(thumbprint.substr(0, 16)), std::string::npos) << host.output;
}

TEST_F(CertificatesPluginTest, ABundleRestoresEachChainAsStoredNotLonger) {
    // A certificate stored without its chain, and its CA stored as a certificate of its own:
    // the bundle holds both, and the importer could rebuild a chain the store never had.
    samples::CertificateSpec ca_spec;
    ca_spec.is_ca = true;
    auto ca = samples::make_certificate(ca_spec);
    ASSERT_TRUE(ca);
    auto issued = samples::make_certificate({}, &*ca);
    ASSERT_TRUE(issued);
    auto bare = Certificate::create(ossl::share(issued->leaf()), ossl::share(issued->key()), {});
    ASSERT_TRUE(bare);
    const std::string thumbprint = bare->sha256_hex();
    auto opened = DirectoryStore::open(store());
    ASSERT_TRUE(opened);
    ASSERT_TRUE((*opened)->add(std::move(*bare), Binding::parse("database/bare").value()));
    ASSERT_TRUE((*opened)->add(ca->clone(), Binding::parse("database/ca").value()));
    auto host = backup();
    ASSERT_TRUE(restore(host.items, {{"target_store", path("new").string()}}));
    auto restored = DirectoryStore::open(path("new"));
    ASSERT_TRUE(restored);
    auto got = (*restored)->get(thumbprint);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_TRUE(got->certificate.chain().empty()) << "stored without a chain, restored without one";
    expect_same_certificates(store(), path("new"), kNotBackedUpByDefault);
}

TEST_F(CertificatesPluginTest, EstimateCountsWhatABackupWouldWrite) {
    bh::testing::MemoryJobServices services;
    auto done = bh::testing::run_job(
        plugin_, bh::testing::JobRequest(bh::JobKind::estimate, {{"store", store().string()}}),
        services);
    ASSERT_TRUE(done) << done.error().message;
    auto host = backup();
    std::size_t bytes = 0;
    for (const auto& i : host.items)
        bytes += i.bytes.size();
    // The estimate's JSON names the same number of certificates as the backup's result.
    auto count_of = [](const std::string& json) {
        const auto at = json.find("\"certificates\":");
        return at == std::string::npos ? std::string()
                                       : json.substr(at, json.find_first_of(",}", at) - at);
    };
    EXPECT_EQ(count_of(services.result), count_of(host.result)) << services.result << "\n"
                                                                << host.result;
    const auto at = services.result.find("\"bytes\":");
    ASSERT_NE(at, std::string::npos);
    const auto estimated = std::stoull(services.result.substr(at + 8));
    // Within 10% (it was 1% off when written: DER signatures vary by a few bytes).
    EXPECT_GT(estimated, bytes * 9 / 10) << "estimate " << estimated << " vs written " << bytes;
    EXPECT_LT(estimated, bytes * 11 / 10) << "estimate " << estimated << " vs written " << bytes;
}

TEST_F(CertificatesPluginTest, CancelledBackupStopsWithCancelled) {
    bh::testing::MemoryJobServices services;
    services.password = kPassword;
    services.cancellation.request();
    auto done = bh::testing::run_job(
        plugin_,
        bh::testing::JobRequest(bh::JobKind::backup,
                                {{"store", store().string()}, {"iterations", kIterations}}),
        services);
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().status, Status::cancelled);
    EXPECT_TRUE(services.items.empty() || services.items.back().name != "manifest.pb");
}

}  // namespace
}  // namespace certbackup::testing
