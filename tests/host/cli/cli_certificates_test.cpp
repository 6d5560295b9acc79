// The certificates plugin end to end through backup-host: a store made by sample-store is backed
// up, listed, verified and restored into a fresh store, which then holds the same required
// certificates (all but SSL, which a backup leaves out by default); a wrong password is exit 3;
// the configuration's [plugins.certificates] store reaches jobs and actions.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <map>

#include "support/cli_test_support.hpp"
#include "support/sample_store_cache.hpp"
#include "support/temp_dir.hpp"

namespace backup_host::cli_testing {
namespace {

using certbackup::testing::TempDir;

// sha256 -> kind of the certificates `[global] certificates list --json [args]` shows.
std::map<std::string, std::string> listed_certificates(
    const std::vector<std::string>& args, const std::vector<std::string>& global = {}) {
    std::vector<std::string> command = global;
    for (const char* word : {"certificates", "list", "--json"})
        command.emplace_back(word);
    command.insert(command.end(), args.begin(), args.end());
    const Finished done = run(command);
    EXPECT_EQ(done.exit_code, 0) << describe(done);
    std::map<std::string, std::string> listed;
    const auto json = nlohmann::json::parse(done.out, nullptr, false);
    if (json.is_discarded() || !json.contains("certificates")) {
        ADD_FAILURE() << "not a listing: " << done.out;
        return listed;
    }
    for (const auto& certificate : json["certificates"])
        listed[certificate["sha256"].get<std::string>()] = certificate["kind"].get<std::string>();
    return listed;
}

class CertificatesCli : public certbackup::testing::SharedSampleStoreTest<CertificatesCli> {
  public:
    // One store for the suite, made once per run: making keys is the slow part.
    static certbackup::samples::SampleStoreOptions store_options() {
        return {.databases = 1, .unused = 1, .seed = 11};
    }

  protected:
    void SetUp() override {
        write_text(password_file, "correct horse battery\n");
        write_text(wrong_password_file, "wrong horse battery\n");
    }

    std::string back_up() {
        const Finished done = run({"backup", "certificates", "--to", location.string(), "-o",
                                   "store=" + store.string(), "-o", "iterations=1000",
                                   "--password-file", password_file.string()});
        EXPECT_EQ(done.exit_code, 0) << describe(done);
        std::string id = done.out;
        if (!id.empty())
            id.pop_back();
        return id;
    }

    fs::path store = shared_store();
    TempDir dir;
    fs::path location = dir / "location";
    fs::path password_file = dir / "password";
    fs::path wrong_password_file = dir / "wrong-password";
};

TEST_F(CertificatesCli, BackupListRestoreIntoAFreshStoreKeepsEveryRequiredCertificateButSsl) {
    const std::string id = back_up();
    ASSERT_FALSE(id.empty());

    const Finished listed = run({"sets", location.string()});
    ASSERT_EQ(listed.exit_code, 0) << describe(listed);
    EXPECT_EQ(listed.out.rfind(id + "  ", 0), 0u) << listed.out;
    EXPECT_NE(listed.out.find("  certificates  certificates  complete  "), std::string::npos)
        << listed.out;

    const Finished verified =
        run({"verify", (location / id).string(), "--password-file", password_file.string()});
    EXPECT_EQ(verified.exit_code, 0) << describe(verified);

    const fs::path fresh = dir / "fresh-store";
    const Finished restored =
        run({"restore", (location / id).string(), "-o", "target_store=" + fresh.string(),
             "--password-file", password_file.string()});
    ASSERT_EQ(restored.exit_code, 0) << describe(restored);

    std::map<std::string, std::string> expected = listed_certificates({"--store", store.string()});
    std::erase_if(expected, [](const auto& entry) { return entry.second == "ssl"; });
    ASSERT_GE(expected.size(), 4u);
    EXPECT_EQ(listed_certificates({"--store", fresh.string()}), expected);
}

TEST_F(CertificatesCli, AWrongPasswordIsExitCode3AndChangesNothing) {
    const std::string id = back_up();
    const fs::path fresh = dir / "fresh-store";
    const Finished restored =
        run({"restore", (location / id).string(), "-o", "target_store=" + fresh.string(),
             "--password-file", wrong_password_file.string()});
    EXPECT_EQ(restored.exit_code, 3) << describe(restored);
    EXPECT_FALSE(fs::exists(fresh)) << "a refused restore made its target store";

    const Finished verified =
        run({"verify", (location / id).string(), "--password-file", wrong_password_file.string()});
    EXPECT_EQ(verified.exit_code, 3) << describe(verified);
}

TEST_F(CertificatesCli, RestoreIntoADirectoryThatHoldsSomethingElseIsExitCode2AndChangesNothing) {
    const std::string id = back_up();
    const fs::path target = dir / "home";
    build_tree(target, sample_tree());
    const std::string before = tree_state(target);
    for (const bool dry_run : {false, true}) {
        std::vector<std::string> args = {
            "restore",         (location / id).string(), "-o", "target_store=" + target.string(),
            "--password-file", password_file.string()};
        if (dry_run)
            args.push_back("--dry-run");
        const Finished restored = run(args);
        EXPECT_EQ(restored.exit_code, 2) << describe(restored);
        EXPECT_NE(restored.err.find("neither a certificate store nor empty"), std::string::npos)
            << restored.err;
        EXPECT_EQ(tree_state(target), before);
    }
}

TEST_F(CertificatesCli, PasswordsComeFromADescriptorOrStandardInputToo) {
    const std::string id = back_up();
    Launch from_stdin;
    from_stdin.args = {"verify", (location / id).string(), "--password-stdin"};
    from_stdin.stdin_text = "correct horse battery\n";
    const Finished by_stdin = run(from_stdin);
    EXPECT_EQ(by_stdin.exit_code, 0) << describe(by_stdin);

    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const std::string wrong = "wrong horse battery";
    ASSERT_EQ(::write(fds[1], wrong.data(), wrong.size()), static_cast<ssize_t>(wrong.size()));
    ::close(fds[1]);
    Launch from_fd;
    from_fd.args = {"verify", (location / id).string(), "--password-fd", std::to_string(fds[0])};
    from_fd.keep_fds = {fds[0]};
    const Finished by_fd = run(from_fd);
    ::close(fds[0]);
    EXPECT_EQ(by_fd.exit_code, 3) << describe(by_fd);

    const Finished none = run({"verify", (location / id).string()});
    EXPECT_EQ(none.exit_code, 2) << describe(none);
    EXPECT_NE(none.err.find("--password-file"), std::string::npos) << none.err;
}

TEST_F(CertificatesCli, TheConfiguredStoreReachesActionsAndJobs) {
    // A relative path in the configuration is relative to the file's directory.
    const fs::path config = dir / "backup-host.toml";
    fs::create_symlink(store, dir / "the-store");
    write_text(config, "[plugins.certificates]\nstore = \"the-store\"\niterations = 1000\n");
    const std::string config_arg = "--config=" + config.string();

    const auto expected = listed_certificates({"--store", store.string()});
    EXPECT_EQ(listed_certificates({}, {config_arg}), expected);

    const Finished backup = run({config_arg, "backup", "certificates", "--to", location.string(),
                                 "--password-file", password_file.string()});
    ASSERT_EQ(backup.exit_code, 0) << describe(backup);

    // The same through $BACKUP_HOST_CONFIG.
    Launch by_environment;
    by_environment.args = {"certificates", "list", "--json"};
    by_environment.environment = {"BACKUP_HOST_CONFIG=" + config.string()};
    const Finished listed = run(by_environment);
    ASSERT_EQ(listed.exit_code, 0) << describe(listed);
    EXPECT_NE(listed.out.find(expected.begin()->first), std::string::npos);
}

// A PFX protected by no password, made by the openssl command as a user would.
fs::path unprotected_pfx(const fs::path& dir) {
    const fs::path key = dir / "open.key";
    const fs::path cert = dir / "open.pem";
    const fs::path pfx = dir / "open.pfx";
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=open "
        "-days 30 -keyout " +
        key.string() + " -out " + cert.string() + " 2>/dev/null && openssl pkcs12 -export -in " +
        cert.string() + " -inkey " + key.string() + " -name open -passout pass: -out " +
        pfx.string() + " 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    fs::remove(key);
    return pfx;
}

TEST_F(CertificatesCli, NoPasswordImportsAnUnprotectedFileIntoANewStoreAndIsRefusedElsewhere) {
    const fs::path pfx = unprotected_pfx(dir.path());
    const fs::path fresh = dir / "new-store";
    const Finished imported =
        run({"certificates", "import", pfx.string(), "--no-password", "--store", fresh.string()});
    ASSERT_EQ(imported.exit_code, 0) << describe(imported);
    EXPECT_NE(imported.err.find("was not protected by a password"), std::string::npos)
        << imported.err;
    EXPECT_EQ(listed_certificates({"--all", "--store", fresh.string()}).size(), 1u);

    // Without --no-password there is no password to use: the user is told how to give one.
    const Finished no_flag =
        run({"certificates", "import", pfx.string(), "--store", fresh.string()});
    EXPECT_EQ(no_flag.exit_code, 2) << describe(no_flag);

    const Finished backup = run({"backup", "certificates", "--to", location.string(), "-o",
                                 "store=" + store.string(), "--no-password"});
    EXPECT_EQ(backup.exit_code, 2) << describe(backup);
    EXPECT_NE(backup.err.find("--no-password cannot be used for a backup"), std::string::npos)
        << backup.err;
    EXPECT_TRUE(entries_of(location).empty());

    const Finished exported = run({"certificates", "export", "--store", store.string(),
                                   "--location", (dir / "exported").string(), "--no-password"});
    EXPECT_EQ(exported.exit_code, 2) << describe(exported);
    EXPECT_NE(exported.err.find("--no-password"), std::string::npos) << exported.err;
    EXPECT_FALSE(fs::exists(dir / "exported"));

    const Finished both =
        run({"certificates", "import", pfx.string(), "--no-password", "--password-file",
             password_file.string(), "--store", fresh.string()});
    EXPECT_EQ(both.exit_code, 2) << describe(both);
}

TEST_F(CertificatesCli, ControlCharactersInSubjectsAndNamesAreEscapedInListAndShow) {
    // A certificate whose subject holds C1 CSI (U+009B) and RIGHT-TO-LEFT OVERRIDE (U+202E), with
    // an escape sequence in its friendly name, imported from a PFX protected by no password.
    const fs::path key = dir / "hostile.key";
    const fs::path cert = dir / "hostile.pem";
    const fs::path pfx = dir / "hostile.pfx";
    const std::string command =
        "openssl req -x509 -utf8 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "
        "\"/CN=csi \xc2\x9b"
        "2J rlo \xe2\x80\xae"
        "fdp.exe\" -days 30 -keyout " +
        key.string() + " -out " + cert.string() + " 2>/dev/null && openssl pkcs12 -export -in " +
        cert.string() + " -inkey " + key.string() + " -name \"name \x1b[2J\" -passout pass: -out " +
        pfx.string() + " 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    const fs::path fresh = dir / "hostile-store";
    const Finished imported =
        run({"certificates", "import", pfx.string(), "--no-password", "--store", fresh.string()});
    ASSERT_EQ(imported.exit_code, 0) << describe(imported);
    const auto listed = listed_certificates({"--all", "--store", fresh.string()});
    ASSERT_EQ(listed.size(), 1u);

    auto expect_escaped = [](const Finished& done) {
        for (const std::string* text : {&done.out, &done.err}) {
            EXPECT_EQ(text->find('\x1b'), std::string::npos) << *text;
            EXPECT_EQ(text->find("\xc2\x9b"), std::string::npos) << *text;
            EXPECT_EQ(text->find("\xe2\x80\xae"), std::string::npos) << *text;
        }
    };
    expect_escaped(imported);
    const Finished list = run({"certificates", "list", "--all", "--store", fresh.string()});
    ASSERT_EQ(list.exit_code, 0) << describe(list);
    expect_escaped(list);
    EXPECT_NE(list.out.find("\\u009b2J rlo \\u202efdp.exe"), std::string::npos) << list.out;
    const Finished show =
        run({"certificates", "show", listed.begin()->first, "--store", fresh.string()});
    ASSERT_EQ(show.exit_code, 0) << describe(show);
    expect_escaped(show);
    EXPECT_NE(show.out.find("\\u202efdp.exe"), std::string::npos) << show.out;
    // JSON keeps the subject as it is: \u escapes are JSON's own.
    const Finished json =
        run({"certificates", "show", listed.begin()->first, "--json", "--store", fresh.string()});
    ASSERT_EQ(json.exit_code, 0) << describe(json);
    expect_escaped(json);
    EXPECT_NE(nlohmann::json::parse(json.out)["subject"].get<std::string>().find("\xe2\x80\xae"
                                                                                 "fdp.exe"),
              std::string::npos)
        << json.out;
}

TEST_F(CertificatesCli, AnEmptyDirectoryOthersMayWriteIsRefusedAsATargetAndLeftAsItWas) {
    const fs::path pfx = unprotected_pfx(dir.path());
    const fs::path open_dir = dir / "world-writable";
    fs::create_directories(open_dir);
    ASSERT_EQ(::chmod(open_dir.c_str(), 0777), 0);
    const Finished imported = run(
        {"certificates", "import", pfx.string(), "--no-password", "--store", open_dir.string()});
    EXPECT_EQ(imported.exit_code, 2) << describe(imported);
    EXPECT_NE(imported.err.find("chmod 700 " + open_dir.string()), std::string::npos)
        << imported.err;
    EXPECT_TRUE(fs::is_empty(open_dir));
    struct stat info {};
    ASSERT_EQ(::stat(open_dir.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0777u);

    // A store it creates is 0700 whatever the umask.
    const fs::path fresh = dir / "fresh-store";
    Launch loose;
    loose.args = {"certificates",  "import",  pfx.string(),
                  "--no-password", "--store", fresh.string()};
    const mode_t previous = ::umask(0);
    const Finished made = run(loose);
    ::umask(previous);
    ASSERT_EQ(made.exit_code, 0) << describe(made);
    ASSERT_EQ(::stat(fresh.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0700u);
}

}  // namespace
}  // namespace backup_host::cli_testing
