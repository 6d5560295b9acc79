// The authenticated set record through the real binary (issue 9, finding 1): someone who can
// write the backup location but does not know the password plants a files-plugin item tree in
// a certificates set and rewrites set.pb. With the authentication field kept, restore and
// verify refuse the set (exit 4) before any plugin runs; with the field stripped, the set
// restores only the plugins the operator names, so the planted files are never written. A
// wrong password is exit 3. A restore of several plugins prints every plugin's plan first.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>

#include "host-sdk/storage/set_record.hpp"
#include "support/cli_test_support.hpp"
#include "support/temp_dir.hpp"

namespace backup_host::cli_testing {
namespace {

using certbackup::testing::TempDir;

std::vector<std::uint8_t> read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& file, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
}

class RecordAuthenticationCli : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        shared_ = new TempDir();
        Launch make_store;
        make_store.program = sample_store_binary();
        make_store.args = {(shared_->path() / "store").string(), "--databases", "1", "--seed",
                           "21"};
        const Finished made = run(make_store);
        ASSERT_EQ(made.exit_code, 0) << describe(made);
    }
    static void TearDownTestSuite() {
        delete shared_;
        shared_ = nullptr;
    }

    void SetUp() override {
        write_text(password, "correct horse battery\n");
        write_text(wrong_password, "wrong horse battery\n");
        build_tree(dir / "planted-source",
                   {{".", true, "", 0755}, {"evil.sh", false, "#!/bin/sh\necho owned\n", 04755}});
        // The victim's configuration: the files plugin restores into a real directory.
        write_text(config, "[plugins.files]\ntarget = \"" + files_target.string() + "\"\n");
    }

    Finished host(std::vector<std::string> args) {
        args.insert(args.begin(), {"--config", config.string()});
        return run(args);
    }

    // restore SET into target_store, with the password in `password_file`.
    Finished restore_into_store(const fs::path& set, const fs::path& password_file) {
        return host({"restore", set.string(), "-o", "target_store=" + target_store.string(),
                     "--password-file", password_file.string()});
    }

    // A certificates backup with the password; returns the set directory.
    fs::path certificates_set() {
        const Finished done = host({"backup", "certificates", "--to", location.string(), "-o",
                                    "store=" + (shared_->path() / "store").string(), "-o",
                                    "iterations=1000", "--password-file", password.string()});
        EXPECT_EQ(done.exit_code, 0) << describe(done);
        return location / done.out.substr(0, done.out.find('\n'));
    }

    // The attack: a files backup of the planted tree (made without the password) grafted onto
    // `set`: its items copied below files/ and the record rewritten to list the files plugin.
    // `keep_authentication`: the original authentication field is put back at the end.
    void graft_files_plugin(const fs::path& set, bool keep_authentication) {
        const Finished planted = host({"backup", "files", "--to", (dir / "attacker").string(), "-o",
                                       "path=" + (dir / "planted-source").string()});
        ASSERT_EQ(planted.exit_code, 0) << describe(planted);
        const fs::path donor = dir / "attacker" / planted.out.substr(0, planted.out.find('\n'));
        fs::copy(donor / "files", set / "files", fs::copy_options::recursive);

        const auto original = read_bytes(set / "set.pb");
        auto victim = parse_record(original, "victim");
        auto donor_record = parse_record(read_bytes(donor / "set.pb"), "donor");
        ASSERT_TRUE(victim && donor_record);
        ASSERT_TRUE(victim->has_authentication()) << "a backup with a password is sealed";
        proto::BackupSet forged = *victim;
        forged.clear_authentication();
        *forged.add_plugins() = donor_record->plugins(0);
        for (const auto& item : donor_record->items())
            *forged.add_items() = item;
        forged.set_total_size(victim->total_size() + donor_record->total_size());
        auto bytes = serialize_record(forged);
        ASSERT_TRUE(bytes);
        if (keep_authentication) {
            proto::BackupSet unsealed = *victim;
            unsealed.clear_authentication();
            const std::size_t field = original.size() - serialize_record(unsealed)->size();
            bytes->insert(bytes->end(), original.end() - static_cast<long>(field), original.end());
        }
        write_bytes(set / "set.pb", *bytes);
    }

    static TempDir* shared_;
    TempDir dir;
    fs::path location = dir / "location";
    fs::path password = dir / "password";
    fs::path wrong_password = dir / "wrong-password";
    fs::path config = dir / "backup-host.toml";
    fs::path files_target = dir / "etc-passwordsecure";
    fs::path target_store = dir / "restored-store";
};
TempDir* RecordAuthenticationCli::shared_ = nullptr;

TEST_F(RecordAuthenticationCli, AnUntouchedSealedSetRestoresAndSaysItIsAuthenticated) {
    const fs::path set = certificates_set();
    const Finished restore = restore_into_store(set, password);
    ASSERT_EQ(restore.exit_code, 0) << describe(restore);
    EXPECT_NE(restore.out.find("Set record: authenticated with the password"), std::string::npos)
        << restore.out;
    EXPECT_NE(restore.out.find("plugin certificates"), std::string::npos) << restore.out;

    const Finished verify =
        host({"verify", set.string(), "--json", "--password-file", password.string()});
    ASSERT_EQ(verify.exit_code, 0) << describe(verify);
    EXPECT_EQ(nlohmann::json::parse(verify.out)["record_authenticated"], true);
}

TEST_F(RecordAuthenticationCli, APlantedPluginUnderTheOriginalSealIsRefusedWithExit4) {
    const fs::path set = certificates_set();
    graft_files_plugin(set, true);

    const Finished restore = restore_into_store(set, password);
    EXPECT_EQ(restore.exit_code, 4) << describe(restore);
    EXPECT_NE(restore.err.find("failed authentication"), std::string::npos) << restore.err;
    EXPECT_FALSE(fs::exists(files_target)) << "the planted files were written";
    EXPECT_FALSE(fs::exists(target_store)) << "a plugin ran before the record was checked";

    const Finished verify = host({"verify", set.string(), "--password-file", password.string()});
    EXPECT_EQ(verify.exit_code, 4) << describe(verify);
    EXPECT_EQ(verify.out.find("plugin files"), std::string::npos) << verify.out;
}

TEST_F(RecordAuthenticationCli, AStrippedSealRestoresOnlyThePluginsTheOperatorNames) {
    const fs::path set = certificates_set();
    graft_files_plugin(set, false);

    const Finished everything = restore_into_store(set, password);
    EXPECT_EQ(everything.exit_code, 2) << describe(everything);
    EXPECT_NE(everything.err.find("--plugin"), std::string::npos) << everything.err;
    EXPECT_FALSE(fs::exists(files_target));
    EXPECT_FALSE(fs::exists(target_store));

    const Finished named =
        host({"restore", set.string(), "--plugin", "certificates", "-o",
              "target_store=" + target_store.string(), "--password-file", password.string()});
    ASSERT_EQ(named.exit_code, 0) << describe(named);
    EXPECT_NE(named.out.find("NOT authenticated"), std::string::npos) << named.out;
    EXPECT_TRUE(fs::exists(target_store));
    EXPECT_FALSE(fs::exists(files_target)) << "a plugin the operator did not name ran";
}

TEST_F(RecordAuthenticationCli, AWrongPasswordIsExit3BeforeAnyPluginRuns) {
    const fs::path set = certificates_set();
    const Finished restore = restore_into_store(set, wrong_password);
    EXPECT_EQ(restore.exit_code, 3) << describe(restore);
    EXPECT_FALSE(fs::exists(target_store));
}

TEST_F(RecordAuthenticationCli, ARestoreOfSeveralPluginsPrintsEveryPlanBeforeWriting) {
    build_tree(dir / "etc-source",
               {{".", true, "", 0755}, {"app.conf", false, "key = value\n", 0600}});
    write_text(config, "[plugins.files]\npath = \"" + (dir / "etc-source").string() +
                           "\"\n[plugins.certificates]\nstore = \"" +
                           (shared_->path() / "store").string() + "\"\n[[job]]\nname = \"full\"\n" +
                           "plugins = [\"certificates\", \"files\"]\nlocation = \"" +
                           location.string() + "\"\npassword_file = \"" + password.string() +
                           "\"\n[job.options.certificates]\niterations = 1000\n");
    const Finished ran =
        run({"--config", config.string(), "run", "full", "--state-dir", (dir / "state").string()});
    ASSERT_EQ(ran.exit_code, 0) << describe(ran);
    const std::string id = ran.out.substr(0, ran.out.find('\n'));

    const Finished restore =
        run({"--config", config.string(), "restore", (location / id).string(), "-o",
             "target_store=" + target_store.string(), "-o", "target=" + files_target.string(),
             "--password-file", password.string()});
    ASSERT_EQ(restore.exit_code, 0) << describe(restore);
    const std::string& out = restore.out;
    const auto plan = out.find("Restore plan for set " + id);
    const auto checked = out.find("Plan checked; restoring.");
    ASSERT_NE(plan, std::string::npos) << out;
    ASSERT_NE(checked, std::string::npos) << out;
    EXPECT_LT(out.find("plugin certificates"), checked) << out;
    EXPECT_LT(out.find("plugin files"), checked) << out;
    EXPECT_TRUE(fs::exists(files_target / "app.conf"));
    EXPECT_TRUE(fs::exists(target_store));
}

}  // namespace
}  // namespace backup_host::cli_testing
