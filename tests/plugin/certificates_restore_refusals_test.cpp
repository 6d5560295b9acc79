// What a restore refuses, and what it reports: a target that is neither a store nor empty, no
// target at all, a modified manifest.pb, cancellation; and the JSON result of a restore.
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/plugin_fixture.hpp"

namespace certbackup::testing {
namespace {

using bh::Status;
namespace fs = std::filesystem;

TEST_F(CertificatesPluginTest, RestoreRefusesADirectoryThatIsNeitherAStoreNorEmpty) {
    auto host = backup();
    const fs::path target = path("documents");
    fs::create_directories(target / "letters");
    std::ofstream(target / "notes.txt") << "not a certificate store\n";
    const std::string before = snapshot_tree(target);
    for (const bool dry_run : {false, true}) {
        SCOPED_TRACE(dry_run ? "dry run" : "restore");
        auto restored = restore(host.items, {{"target_store", target.string()}}, dry_run);
        ASSERT_FALSE(restored) << "restored into a directory that holds something else";
        EXPECT_EQ(restored.error().status, Status::bad_usage) << restored.error().message;
        EXPECT_EQ(bh::exit_code(restored.error().status), 2);
        EXPECT_NE(restored.error().message.find(target.string()), std::string::npos)
            << restored.error().message;
        EXPECT_NE(restored.error().message.find("neither a certificate store nor empty"),
                  std::string::npos)
            << restored.error().message;
        EXPECT_EQ(snapshot_tree(target), before) << "the directory was changed";
        EXPECT_FALSE(fs::exists(target / "bindings.toml"));
    }
    // The same directory emptied is a fine target.
    fs::remove_all(target);
    fs::create_directory(target);
    auto restored = restore(host.items, {{"target_store", target.string()}});
    ASSERT_TRUE(restored) << restored.error().message;
    EXPECT_TRUE(fs::exists(target / "bindings.toml"));
}

TEST_F(CertificatesPluginTest, RestoreWithoutATargetOrStoreIsUsageError) {
    auto host = backup();
    auto restored = restore(host.items, {});
    ASSERT_FALSE(restored);
    EXPECT_EQ(restored.error().status, Status::bad_usage);
    EXPECT_NE(restored.error().message.find("no store to restore into"), std::string::npos)
        << restored.error().message;
}

TEST_F(CertificatesPluginTest, AModifiedManifestIsRefusedAsCorruptAndChangesNothing) {
    auto host = backup({{"per_certificate_files", "true"}});
    ASSERT_EQ(host.items.back().name, "manifest.pb");
    const std::string before = snapshot_tree(store());
    const std::size_t size = host.items.back().bytes.size();
    // Bytes spread over the envelope: the manifest, its MAC, the password check, the salt.
    std::size_t refused = 0;
    for (std::size_t at = 0; at < size; at += std::max<std::size_t>(1, size / 16)) {
        auto items = host.items;
        auto& manifest = items.back();
        manifest.bytes[at] ^= 0x01;
        // The host's own check passes: the plugin is what refuses.
        manifest.recorded_checksum = bh::testing::checksum(manifest.bytes);
        auto restored = restore(items, {{"target_store", store().string()}});
        ASSERT_FALSE(restored) << "byte " << at << " of manifest.pb changed and accepted";
        // A changed key-derivation parameter cannot be told from a wrong password; everything
        // else is corrupt.
        EXPECT_TRUE(restored.error().status == Status::corrupt ||
                    restored.error().status == Status::wrong_password)
            << "byte " << at << ": " << restored.error().message;
        refused += restored.error().status == Status::corrupt;
        EXPECT_EQ(snapshot_tree(store()), before);
    }
    EXPECT_GT(refused, 0u);
}

TEST_F(CertificatesPluginTest, ACancelledRestoreIsCancelledAndChangesNothing) {
    auto host = backup();
    const std::string before = snapshot_tree(store());
    bh::testing::MemoryJobServices services;
    services.items = host.items;
    services.password = kPassword;
    services.cancellation.request();
    auto done = bh::testing::run_job(
        plugin_,
        bh::testing::JobRequest(bh::JobKind::restore, {{"target_store", store().string()}}),
        services);
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().status, Status::cancelled) << done.error().message;
    EXPECT_EQ(snapshot_tree(store()), before);
}

TEST_F(CertificatesPluginTest, RestoreResultIsJsonWithThePlan) {
    auto host = backup();
    for (const bool dry_run : {true, false}) {
        SCOPED_TRACE(dry_run ? "dry run" : "restore");
        const fs::path target = path(dry_run ? "dry" : "new");
        bh::testing::MemoryJobServices services;
        services.items = host.items;
        services.password = kPassword;
        auto done = bh::testing::run_job(
            plugin_,
            bh::testing::JobRequest(bh::JobKind::restore, {{"target_store", target.string()}},
                                    dry_run),
            services);
        ASSERT_TRUE(done) << done.error().message;
        const auto json = nlohmann::json::parse(services.result, nullptr, false);
        ASSERT_FALSE(json.is_discarded()) << services.result;
        EXPECT_EQ(json.at("target_store"), target.string());
        EXPECT_EQ(json.at("dry_run"), dry_run);
        EXPECT_EQ(json.at("committed"), !dry_run);
        ASSERT_TRUE(json.at("actions").is_array());
        EXPECT_GE(json.at("actions").size(), 4u);
        for (const auto& action : json.at("actions")) {
            EXPECT_EQ(action.at("action"), "create") << action.dump();
            EXPECT_EQ(action.at("sha256").get<std::string>().size(), 64u) << action.dump();
        }
        EXPECT_TRUE(json.at("not_in_backup").is_array());
        EXPECT_EQ(fs::exists(target / "bindings.toml"), !dry_run);
    }
}

}  // namespace
}  // namespace certbackup::testing
