// The native bridge (bacula/) in a real Bacula 9.6: director, storage and file daemons from
// Debian's packages on loopback (bacula_daemons.hpp), the bridge loaded by the file daemon
// from the build tree, and the real certificates and files plugins.
//
// One full-system job (regular files + the certificates plugin + the files plugin) is backed
// up, listed, estimated, restored elsewhere (a set that verifies and restores into another
// store), restored from a damaged volume, into a store with conflicting certificates and with a
// wrong password (each job fails with the plugin's message, nothing changes), and restored after
// the loss of the store (the same certificates, keys and bindings). A missing store fails its
// backup job, and so do two lines for one plugin; a cancelled backup ends cancelled and leaves
// no partial set.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "bacula_daemons.hpp"
#include "support/cli_test_support.hpp"
#include "support/temp_dir.hpp"

namespace certbackup::bacula_testing {
namespace {

using namespace std::chrono_literals;
using certbackup::testing::TempDir;
namespace cli = backup_host::cli_testing;

cli::Finished tool(const std::string& program, std::vector<std::string> args) {
    cli::Launch launch;
    launch.program = program;
    launch.args = std::move(args);
    return cli::run(launch);
}

// Waits until the file daemon's $TMPDIR is empty: no spool, no partial set is left.
bool spools_gone(const BaculaDaemons& bacula) {
    for (int i = 0; i < 50; ++i) {
        if (cli::entries_of(bacula.fd_temp()).empty())
            return true;
        std::this_thread::sleep_for(200ms);
    }
    return false;
}

// Waits until at least `count` regular files are below `root`.
bool files_below(const fs::path& root, std::size_t count, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        std::size_t found = 0;
        std::error_code error;
        for (fs::recursive_directory_iterator it(root, error), end; !error && it != end;
             it.increment(error))
            if (it->is_regular_file(error))
                ++found;
        if (found >= count)
            return true;
        std::this_thread::sleep_for(100ms);
    }
    return false;
}

// Flips one byte of `needle` where it is in the volume file; flips it back when destroyed.
class VolumeDamage {
  public:
    VolumeDamage(const fs::path& volume, const std::string& needle) : volume_(volume) {
        std::string bytes = cli::read_text(volume);
        const std::size_t at = bytes.find(needle);
        if (needle.empty() || at == std::string::npos || bytes.find(needle, at + 1) != bytes.npos)
            return;
        offset_ = at + needle.size() / 2;
        flip();
    }
    ~VolumeDamage() {
        if (done())
            flip();
    }
    bool done() const { return offset_ != std::string::npos; }

  private:
    void flip() {
        std::fstream file(volume_, std::ios::in | std::ios::out | std::ios::binary);
        file.seekg(static_cast<std::streamoff>(offset_));
        char byte = 0;
        file.read(&byte, 1);
        byte = static_cast<char>(byte ^ 0x01);
        file.seekp(static_cast<std::streamoff>(offset_));
        file.write(&byte, 1);
    }
    fs::path volume_;
    std::size_t offset_ = std::string::npos;
};

bool failed(const JobResult& job) {
    std::cout << "[job " << job.job_id << "] JobStatus " << job.status << ", JobErrors "
              << job.errors << std::endl;
    return job.status == 'f' || job.status == 'E';
}

void report_time(const char* what, std::chrono::steady_clock::time_point since) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - since);
    std::cout << "[timing] " << what << ": " << ms.count() << " ms" << std::endl;
}

std::string certificates_line(const fs::path& config, const fs::path& password) {
    return "backup-host:plugin=certificates:config=" + config.string() +
           ":password_file=" + password.string() + ":iterations=1000";
}

TEST(BaculaBridge, FullSystemJobBacksUpAndRestoresAllOrNothing) {
    TempDir dir;
    const fs::path machine = dir.path() / "machine";
    const fs::path store = machine / "store";
    const fs::path original = dir.path() / "original-store";
    const fs::path regular = machine / "etc-app";
    const fs::path tree = machine / "tree";
    const fs::path password = machine / "backup.pass";
    const fs::path config = machine / "backup-host.toml";
    cli::Launch make_store;
    make_store.program = cli::sample_store_binary();
    make_store.args = {store.string(), "--databases", "1", "--seed", "7"};
    ASSERT_EQ(cli::run(make_store).exit_code, 0);
    fs::copy(store, original, fs::copy_options::recursive);
    cli::build_tree(regular, {{".", true, "", 0755}, {"app.conf", false, "port = 1\n", 0644}});
    cli::build_tree(tree, cli::sample_tree());
    const std::string tree_before = cli::tree_state(tree);
    cli::write_text(password, "bacula-drill-password\n");
    cli::write_text(config, "[plugins.certificates]\nstore = \"" + store.string() + "\"\n");

    const auto started = std::chrono::steady_clock::now();
    BaculaDaemons bacula(dir.path() / "bacula",
                         {{"FullSystem",
                           {regular.string()},
                           {certificates_line(config, password),
                            "backup-host:plugin=files:path=" + tree.string()}}});
    report_time("daemons up", started);

    auto step = std::chrono::steady_clock::now();
    const JobResult backup = bacula.run_job("FullSystem");
    report_time("full-system backup job", step);
    ASSERT_EQ(backup.status, 'T') << bacula.log();
    EXPECT_EQ(backup.errors, 0) << bacula.log();
    const std::string files = bacula.list_files(backup.job_id);
    EXPECT_NE(files.find("/@backup-host/certificates/set.pb"), std::string::npos) << files;
    EXPECT_NE(files.find("/@backup-host/certificates/certificates/manifest.pb"), std::string::npos)
        << files;
    EXPECT_NE(files.find("/@backup-host/files/set.pb"), std::string::npos) << files;
    EXPECT_NE(files.find((regular / "app.conf").string()), std::string::npos) << files;
    EXPECT_TRUE(spools_gone(bacula));
    std::cout << "[bconsole] list files jobid=" << backup.job_id << "\n" << files << std::endl;

    step = std::chrono::steady_clock::now();
    const std::string estimate = bacula.console("estimate job=FullSystem listing");
    report_time("estimate listing", step);
    EXPECT_NE(estimate.find("/@backup-host/certificates/set.pb"), std::string::npos) << estimate;
    EXPECT_NE(estimate.find("/@backup-host/files/set.pb"), std::string::npos) << estimate;
    std::cout << "[bconsole] estimate job=FullSystem listing\n" << estimate << std::endl;

    // where=DIR: a set directory that backup-host verifies, the store untouched.
    step = std::chrono::steady_clock::now();
    const fs::path relocated = dir.path() / "relocated";
    const JobResult elsewhere = bacula.restore(backup.job_id, relocated.string());
    report_time("restore where=DIR", step);
    ASSERT_EQ(elsewhere.status, 'T') << bacula.log();
    const fs::path set = relocated / "@backup-host" / "certificates";
    const cli::Finished verified =
        cli::run({"verify", set.string(), "--password-file", password.string()});
    EXPECT_EQ(verified.exit_code, 0) << cli::describe(verified);
    const fs::path moved = dir.path() / "moved-store";
    const cli::Finished relocated_restore =
        cli::run({"restore", set.string(), "-o", "target_store=" + moved.string(),
                  "--password-file", password.string()});
    EXPECT_EQ(relocated_restore.exit_code, 0) << cli::describe(relocated_restore);
    EXPECT_EQ(
        tool(STORE_COMPARE_BINARY, {original.string(), moved.string(), "--expect-missing", "ssl"})
            .exit_code,
        0);

    // A damaged item: one byte of the PFX flipped in the Bacula volume. The import finds the
    // digest wrong, names the item, and imports nothing.
    fs::remove_all(store);
    {
        const fs::path pfx = set / "certificates" / "certificates.pfx";
        VolumeDamage damage(bacula.volume(), cli::read_text(pfx).substr(1000, 64));
        ASSERT_TRUE(damage.done()) << "the PFX bytes are not in the volume";
        step = std::chrono::steady_clock::now();
        const JobResult damaged = bacula.restore(backup.job_id, "/");
        report_time("restore where=/ of a damaged item", step);
        EXPECT_TRUE(failed(damaged)) << damaged.status << "\n" << bacula.log();
        EXPECT_NE(bacula.log().find("certificates.pfx"), std::string::npos) << bacula.log();
        EXPECT_FALSE(fs::exists(store / "bindings.toml")) << "a damaged set changed the store";
    }

    // A store that holds other certificates for the same bindings: the import conflicts, the
    // job fails with the plugin's message, and the store stays as it was.
    fs::remove_all(store);
    cli::Launch other_store = make_store;
    other_store.args = {store.string(), "--databases", "1", "--seed", "8"};
    ASSERT_EQ(cli::run(other_store).exit_code, 0);
    const std::string other_before = certbackup::testing::snapshot_tree(store);
    step = std::chrono::steady_clock::now();
    const JobResult conflict = bacula.restore(backup.job_id, "/");
    report_time("restore where=/ into a conflicting store", step);
    EXPECT_TRUE(failed(conflict)) << conflict.status << "\n" << bacula.log();
    EXPECT_EQ(certbackup::testing::snapshot_tree(store), other_before);
    EXPECT_NE(bacula.log().find("nothing was imported"), std::string::npos) << bacula.log();

    // The machine loses its store and tree; a wrong password first: the job fails, nothing
    // appears.
    fs::remove_all(store);
    fs::remove_all(tree);
    cli::write_text(password, "not-the-password\n");
    step = std::chrono::steady_clock::now();
    const JobResult wrong = bacula.restore(backup.job_id, "/");
    report_time("restore where=/ with a wrong password", step);
    EXPECT_TRUE(failed(wrong)) << wrong.status << "\n" << bacula.log();
    EXPECT_FALSE(fs::exists(store / "bindings.toml")) << "a failed restore changed the store";
    EXPECT_NE(bacula.log().find("password"), std::string::npos) << bacula.log();
    EXPECT_TRUE(spools_gone(bacula));

    // The right password: the store comes back identical, the tree too.
    cli::write_text(password, "bacula-drill-password\n");
    step = std::chrono::steady_clock::now();
    const JobResult restored = bacula.restore(backup.job_id, "/");
    report_time("restore where=/ (disaster recovery)", step);
    ASSERT_EQ(restored.status, 'T') << bacula.log();
    EXPECT_EQ(restored.errors, 0) << bacula.log();
    const cli::Finished compared =
        tool(STORE_COMPARE_BINARY, {original.string(), store.string(), "--expect-missing", "ssl"});
    EXPECT_EQ(compared.exit_code, 0) << cli::describe(compared) << compared.out;
    EXPECT_EQ(cli::tree_state(tree), tree_before);
    EXPECT_TRUE(spools_gone(bacula));
    report_time("whole scenario", started);
    std::cout << "[bacula log]\n" << bacula.log() << std::endl;
}

TEST(BaculaBridge, FailuresOfThePluginFailTheBackupJob) {
    TempDir dir;
    const fs::path password = dir.path() / "backup.pass";
    const fs::path missing = dir.path() / "missing-store";
    cli::write_text(password, "bacula-drill-password\n");
    const std::string missing_store_line =
        "backup-host:plugin=certificates:password_file=" + password.string() +
        ":store=" + missing.string();
    const auto started = std::chrono::steady_clock::now();
    BaculaDaemons bacula(dir.path() / "bacula",
                         {{"MissingStore", {}, {missing_store_line}},
                          {"TwoLinesOnePlugin",
                           {},
                           {"backup-host:plugin=files:path=" + dir.path().string(),
                            "backup-host:plugin=files:path=/etc/bacula"}}});
    const JobResult job = bacula.run_job("MissingStore");
    report_time("missing-store backup job", started);
    EXPECT_TRUE(failed(job)) << job.status << "\n" << bacula.log();
    EXPECT_NE(bacula.log().find(missing.string()), std::string::npos) << bacula.log();
    EXPECT_TRUE(spools_gone(bacula));

    const JobResult twice = bacula.run_job("TwoLinesOnePlugin");
    EXPECT_TRUE(failed(twice)) << twice.status << "\n" << bacula.log();
    EXPECT_NE(bacula.log().find("two Plugin lines for plugin 'files'"), std::string::npos)
        << bacula.log();
    EXPECT_TRUE(spools_gone(bacula));
    std::cout << "[bacula log]\n" << bacula.log() << std::endl;
}

TEST(BaculaBridge, CancelledBackupEndsCancelledWithoutAPartialSet) {
    TempDir dir;
    const auto started = std::chrono::steady_clock::now();
    BaculaDaemons bacula(
        dir.path() / "bacula",
        {{"Blocker",
          {},
          {std::string("backup-host:plugin=blocker:plugin_dir=") + BACKUP_HOST_FIXTURE_DIR}}});
    const int job_id = bacula.start_job("Blocker");
    ASSERT_NE(job_id, 0);
    // The director passes job messages on only when the job ends: the blocker's two items in
    // the bridge's spool show that the backup is running and now waits.
    ASSERT_TRUE(files_below(bacula.fd_temp(), 2, 60s)) << bacula.log();
    const std::string cancelled = bacula.console("cancel jobid=" + std::to_string(job_id) + " yes");
    const JobResult job = bacula.wait_job(job_id);
    report_time("cancelled backup job", started);
    EXPECT_EQ(job.status, 'A') << cancelled << "\n" << bacula.log();
    EXPECT_TRUE(spools_gone(bacula)) << "a partial set was left";
    EXPECT_EQ(bacula.list_files(job_id).find("/@backup-host/"), std::string::npos);
    std::cout << "[bconsole] cancel\n"
              << cancelled << "\n[bacula log]\n"
              << bacula.log() << std::endl;
}

}  // namespace
}  // namespace certbackup::bacula_testing
