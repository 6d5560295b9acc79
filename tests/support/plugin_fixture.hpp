// Shared by the certificates plugin's tests: the plugin loaded through the host SDK's loader,
// an in-memory host (only the host boundary is mocked), and a sample store made once per test
// run (sample_store_cache.hpp) and copied for each test.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include <backup_host/host.hpp>

#include "core/directory_store.hpp"
#include "memory_job_services.hpp"
#include "plugin_test_support.hpp"
#include "support/temp_dir.hpp"

namespace certbackup::testing {

namespace bh = backup_host;

inline constexpr const char* kPassword = "correct horse battery staple";
// Low iterations keep the suite fast; the default profile is tested in core.
inline constexpr const char* kIterations = "1000";

// What a backup job left: the items of the set, and what the plugin reported.
struct BackupResult {
    std::vector<bh::testing::StoredItem> items;
    std::string output;
    std::string result;
};

// The store's certificates (all, with keys).
std::vector<StoredCertificate> list_all(const std::filesystem::path& store);

class CertificatesPluginTest : public ::testing::Test {
  protected:
    void SetUp() override;

    // The store of this test (a fresh copy of the sample store).
    std::filesystem::path store() const { return dir_ / "store"; }
    std::filesystem::path path(const std::string& name) const { return dir_ / name; }

    // Runs a backup of store() with `options` (plus store, iterations) and returns the host
    // holding the items. Fails the test if the backup fails.
    BackupResult backup(bh::OptionAssignments options = {});
    // Runs a restore of `items` with `options`; returns the job's result.
    bh::Result<void> restore(const std::vector<bh::testing::StoredItem>& items,
                             bh::OptionAssignments options, bool dry_run = false,
                             const std::string& password = kPassword,
                             std::string* output = nullptr);
    bh::Result<void> verify(const std::vector<bh::testing::StoredItem>& items,
                            const std::string& password = kPassword, std::string* output = nullptr);
    // Runs an action; `output` gets what it printed, `warnings` the warnings it logged. An
    // empty `password` is what the host gives for --no-password.
    bh::Result<void> action(const std::string& name, std::vector<std::string> args,
                            std::string* output = nullptr,
                            std::optional<std::string> password = std::nullopt,
                            std::optional<bool> confirmation = std::nullopt,
                            std::vector<std::string>* warnings = nullptr);

    // Expects `restored` to hold every certificate of `original` except those whose first
    // binding's kind is in `missing_kinds` (and only those), each with an equal key, chain,
    // friendly name and bindings.
    static void expect_same_certificates(const std::filesystem::path& original,
                                         const std::filesystem::path& restored,
                                         const std::vector<std::string>& missing_kinds);

    static std::filesystem::path plugin_file();

    bh::LoadedPlugin plugin_ = bh::testing::load_plugin(plugin_file());
    TempDir temp_;
    std::filesystem::path dir_ = temp_.path();
};

}  // namespace certbackup::testing
