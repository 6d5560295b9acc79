// The disaster-recovery drill with the real restic (Debian's): a certificates job runs, restic
// backs up its location, the machine is lost (store, location, run state deleted), restic
// restores the location, backup-host restores the store with the password, and store-compare
// finds it equal to the original (the ssl certificate is not backed up by default).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "support/cli_test_support.hpp"
#include "support/temp_dir.hpp"

namespace backup_host::cli_testing {
namespace {

using certbackup::testing::TempDir;

// Restic from $PATH; the test fails (with what to install) when it is missing, and every
// failure shows restic's version.
fs::path restic_or_fail() {
    const fs::path restic = find_on_path("restic");
    EXPECT_FALSE(restic.empty()) << "restic is not on PATH: install Debian's restic "
                                    "(scripts/test.sh does)";
    return restic;
}

Finished tool(const fs::path& program, std::vector<std::string> args,
              std::vector<std::string> environment = {}) {
    Launch launch;
    launch.program = program;
    launch.args = std::move(args);
    launch.environment = std::move(environment);
    return run(launch);
}

TEST(ResticDrill, CertificatesJobSurvivesTheLossOfTheMachine) {
    const fs::path restic = restic_or_fail();
    ASSERT_FALSE(restic.empty());
    SCOPED_TRACE(version_of(restic, {"version"}));
    TempDir dir;
    const fs::path machine = dir.path() / "machine";
    const fs::path store = machine / "store";
    const fs::path original = dir.path() / "original-store";  // outside the machine
    Launch make_store;
    make_store.program = sample_store_binary();
    make_store.args = {store.string(), "--databases", "1", "--seed", "7"};
    ASSERT_EQ(run(make_store).exit_code, 0);
    fs::copy(store, original, fs::copy_options::recursive);
    write_text(machine / "pass", "drill-password\n");
    write_text(dir.path() / "restic.pass", "restic-password\n");
    const fs::path config = machine / "backup-host.toml";
    write_text(config,
               "[plugins.certificates]\nstore = \"store\"\n\n[[job]]\nname = \"certs\"\n"
               "plugins = [\"certificates\"]\nlocation = \"location\"\n"
               "password_file = \"pass\"\nschedule = \"0 2 * * *\"\n"
               "[job.options.certificates]\niterations = 1000\n");
    const Finished ran = run({"--config", config.string(), "run", "certs"});
    ASSERT_EQ(ran.exit_code, 0) << describe(ran);
    const std::string set_id = ran.out.substr(0, ran.out.find('\n'));

    const std::vector<std::string> restic_env = {
        "RESTIC_REPOSITORY=" + (dir.path() / "repo").string(),
        "RESTIC_PASSWORD_FILE=" + (dir.path() / "restic.pass").string(),
        "RESTIC_CACHE_DIR=" + (dir.path() / "cache").string()};
    const Finished init = tool(restic, {"init"}, restic_env);
    ASSERT_EQ(init.exit_code, 0) << describe(init);
    const Finished backup = tool(restic, {"backup", (machine / "location").string()}, restic_env);
    ASSERT_EQ(backup.exit_code, 0) << describe(backup);

    // A new machine: nothing of the old one is left but the restic repository.
    fs::remove_all(machine);
    const fs::path restored_root = dir.path() / "restored";
    const Finished restore =
        tool(restic, {"restore", "latest", "--target", restored_root.string()}, restic_env);
    ASSERT_EQ(restore.exit_code, 0) << describe(restore);
    const fs::path set = restored_root / fs::relative(machine / "location", "/") / set_id;
    ASSERT_TRUE(fs::is_directory(set)) << set;
    write_text(dir.path() / "pass", "drill-password\n");
    const fs::path new_store = dir.path() / "new-store";
    const Finished back = run({"restore", set.string(), "--plugin", "certificates", "-o",
                               "target_store=" + new_store.string(), "--password-file",
                               (dir.path() / "pass").string()});
    ASSERT_EQ(back.exit_code, 0) << describe(back);
    const Finished compared = tool(
        STORE_COMPARE_BINARY, {original.string(), new_store.string(), "--expect-missing", "ssl"});
    EXPECT_EQ(compared.exit_code, 0) << describe(compared) << compared.out;
}

// The stream variant: backup-host backup --to - | restic backup --stdin, and back with
// restic dump | backup-host restore - (the pipes go through files here).
TEST(ResticDrill, TarStreamThroughResticStdin) {
    const fs::path restic = restic_or_fail();
    ASSERT_FALSE(restic.empty());
    SCOPED_TRACE(version_of(restic, {"version"}));
    TempDir dir;
    const fs::path store = dir.path() / "store";
    Launch make_store;
    make_store.program = sample_store_binary();
    make_store.args = {store.string(), "--databases", "1", "--seed", "8"};
    ASSERT_EQ(run(make_store).exit_code, 0);
    write_text(dir.path() / "pass", "drill-password\n");
    write_text(dir.path() / "restic.pass", "restic-password\n");
    const std::vector<std::string> restic_env = {
        "RESTIC_REPOSITORY=" + (dir.path() / "repo").string(),
        "RESTIC_PASSWORD_FILE=" + (dir.path() / "restic.pass").string(),
        "RESTIC_CACHE_DIR=" + (dir.path() / "cache").string()};
    ASSERT_EQ(tool(restic, {"init"}, restic_env).exit_code, 0);

    const fs::path tar = dir.path() / "out.tar";
    {
        const int out = ::open(tar.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ASSERT_GE(out, 0);
        Launch backup;
        backup.args = {"backup",
                       "certificates",
                       "--to",
                       "-",
                       "-o",
                       "store=" + store.string(),
                       "-o",
                       "iterations=1000",
                       "--password-file",
                       (dir.path() / "pass").string()};
        backup.stdout_fd = out;
        const Finished done = run(backup);
        ::close(out);
        ASSERT_EQ(done.exit_code, 0) << describe(done);
    }
    {
        const int in = ::open(tar.c_str(), O_RDONLY);
        ASSERT_GE(in, 0);
        Launch carry;
        carry.program = restic;
        carry.args = {"backup", "--stdin", "--stdin-filename", "certificates.tar"};
        carry.environment = restic_env;
        carry.stdin_fd = in;
        const Finished done = run(carry);
        ::close(in);
        ASSERT_EQ(done.exit_code, 0) << describe(done);
    }
    fs::remove(tar);
    const fs::path dumped = dir.path() / "dumped.tar";
    {
        const int out = ::open(dumped.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ASSERT_GE(out, 0);
        Launch dump;
        dump.program = restic;
        dump.args = {"dump", "latest", "certificates.tar"};
        dump.environment = restic_env;
        dump.stdout_fd = out;
        const Finished done = run(dump);
        ::close(out);
        ASSERT_EQ(done.exit_code, 0) << describe(done);
    }
    const fs::path new_store = dir.path() / "new-store";
    const int in = ::open(dumped.c_str(), O_RDONLY);
    ASSERT_GE(in, 0);
    Launch restore;
    restore.args = {"restore",
                    "-",
                    "-o",
                    "target_store=" + new_store.string(),
                    "--password-file",
                    (dir.path() / "pass").string()};
    restore.stdin_fd = in;
    const Finished back = run(restore);
    ::close(in);
    ASSERT_EQ(back.exit_code, 0) << describe(back);
    const Finished compared =
        tool(STORE_COMPARE_BINARY, {store.string(), new_store.string(), "--expect-missing", "ssl"});
    EXPECT_EQ(compared.exit_code, 0) << describe(compared) << compared.out;
}

}  // namespace
}  // namespace backup_host::cli_testing
