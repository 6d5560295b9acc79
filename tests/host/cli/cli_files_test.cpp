// backup-host end to end with the sample files plugin, run as a real process: backups to a
// directory, a tar file and standard output, restores from each (standard input too), `sets`,
// `verify`, damaged items, dry runs, help and usage errors.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "support/cli_test_support.hpp"
#include "support/temp_dir.hpp"

namespace backup_host::cli_testing {
namespace {

using certbackup::testing::TempDir;

bool is_set_id(const std::string& text) {
    // YYYYMMDDTHHMMSSZ-xxxxxx
    if (text.size() != 23 || text[8] != 'T' || text[15] != 'Z' || text[16] != '-')
        return false;
    for (std::size_t i = 17; i < 23; ++i)
        if (!std::isxdigit(static_cast<unsigned char>(text[i])))
            return false;
    return true;
}

class FilesCli : public ::testing::Test {
  protected:
    void SetUp() override { build_tree(source, sample_tree()); }

    // Backs up `source` to `target`; returns the set id printed on standard output.
    std::string back_up(const std::string& target) {
        const Finished done =
            run({"backup", "files", "--to", target, "-o", "path=" + source.string()});
        EXPECT_EQ(done.exit_code, 0) << describe(done);
        std::string id = done.out;
        if (!id.empty() && id.back() == '\n')
            id.pop_back();
        EXPECT_TRUE(is_set_id(id)) << "'" << id << "'\n" << describe(done);
        return id;
    }

    TempDir dir;
    fs::path source = dir / "source";
    fs::path location = dir / "location";
};

TEST_F(FilesCli, DirectoryTargetRoundTripsTheTreeWithModesAndTimes) {
    const std::string id = back_up(location.string());
    EXPECT_EQ(entries_of(location), std::vector<std::string>{id});

    const fs::path restored = dir / "restored";
    const Finished done = run({"restore", (location / id).string(), "--plugin", "files", "-o",
                               "target=" + restored.string()});
    ASSERT_EQ(done.exit_code, 0) << describe(done);
    EXPECT_EQ(tree_state(restored), tree_state(source));
    // Before anything is written: the record's standing and the plan, plugin by plugin.
    EXPECT_NE(done.out.find("Set record: NOT authenticated"), std::string::npos) << done.out;
    EXPECT_NE(done.out.find("Restore plan for set " + id), std::string::npos) << done.out;
    EXPECT_NE(done.out.find("plugin files"), std::string::npos) << done.out;
}

TEST_F(FilesCli, StreamTargetPipedIntoARestoreFromStandardInput) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    const fs::path restored = dir / "restored";
    Launch backup;
    backup.args = {"backup", "files", "--to", "-", "-o", "path=" + source.string()};
    backup.stdout_fd = pipe_fds[1];
    Launch restore;
    restore.args = {"restore", "-", "--plugin", "files", "-o", "target=" + restored.string()};
    restore.stdin_fd = pipe_fds[0];
    RunningProcess writer(backup);
    RunningProcess reader(restore);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    const Finished written = writer.wait();
    const Finished read = reader.wait();
    ASSERT_EQ(written.exit_code, 0) << describe(written);
    ASSERT_EQ(read.exit_code, 0) << describe(read);
    EXPECT_EQ(tree_state(restored), tree_state(source));
    // Standard output carried the set: the id goes to standard error.
    EXPECT_NE(written.err.find("Z-"), std::string::npos) << written.err;
}

TEST_F(FilesCli, TarFileTargetIsListedVerifiedAndRestored) {
    const fs::path tar = dir / "set.tar";
    const std::string id = back_up(tar.string());
    ASSERT_TRUE(fs::is_regular_file(tar));

    const Finished listed = run({"sets", tar.string()});
    ASSERT_EQ(listed.exit_code, 0) << describe(listed);
    EXPECT_EQ(listed.out.rfind(id, 0), 0u) << listed.out;

    const Finished verified = run({"verify", tar.string()});
    EXPECT_EQ(verified.exit_code, 0) << describe(verified);

    const fs::path restored = dir / "restored";
    const Finished done =
        run({"restore", tar.string(), "--plugin", "files", "-o", "target=" + restored.string()});
    ASSERT_EQ(done.exit_code, 0) << describe(done);
    EXPECT_EQ(tree_state(restored), tree_state(source));
}

TEST_F(FilesCli, ConfiguredTarLimitsRefuseALargerStreamWithExit4) {
    const fs::path tar = dir / "set.tar";
    back_up(tar.string());
    const fs::path config = dir / "limits.toml";
    {
        std::ofstream out(config);
        out << "[limits]\ntar_max_members = 2\n";
    }
    const fs::path restored = dir / "restored";
    for (const std::vector<std::string>& command :
         {std::vector<std::string>{"sets", tar.string()},
          std::vector<std::string>{"verify", tar.string()},
          std::vector<std::string>{"restore", tar.string(), "--plugin", "files", "-o",
                                   "target=" + restored.string()}}) {
        std::vector<std::string> args{"--config", config.string()};
        args.insert(args.end(), command.begin(), command.end());
        const Finished refused = run(args);
        EXPECT_EQ(refused.exit_code, 4) << describe(refused);
        EXPECT_NE(refused.err.find("more than 2 members"), std::string::npos) << refused.err;
        EXPECT_NE(refused.err.find("raise [limits] tar_max_members"), std::string::npos)
            << refused.err;
    }
    EXPECT_FALSE(fs::exists(restored));

    {
        std::ofstream out(config);
        out << "[limits]\ntar_max_members = 100000\ntar_max_bytes = \"1 MiB\"\n";
    }
    const Finished within = run({"--config", config.string(), "verify", tar.string()});
    EXPECT_EQ(within.exit_code, 0) << describe(within);
}

TEST_F(FilesCli, SetsListsCompleteSetsWithTimeJobPluginsStatusAndSize) {
    const std::string first = back_up(location.string());
    const std::string second = back_up(location.string());

    const Finished plain = run({"sets", location.string()});
    ASSERT_EQ(plain.exit_code, 0) << describe(plain);
    // Piped: no header, one line per set, oldest first.
    const std::size_t newline = plain.out.find('\n');
    ASSERT_NE(newline, std::string::npos) << plain.out;
    const std::string line = plain.out.substr(0, newline);
    EXPECT_EQ(line.rfind(first, 0), 0u) << plain.out;
    EXPECT_NE(line.find("  files  files  complete  "), std::string::npos) << line;
    EXPECT_NE(plain.out.find(second, newline), std::string::npos) << plain.out;

    const Finished json = run({"sets", location.string(), "--json"});
    ASSERT_EQ(json.exit_code, 0) << describe(json);
    const auto listing = nlohmann::json::parse(json.out);
    ASSERT_EQ(listing["sets"].size(), 2u);
    const auto& set = listing["sets"][0];
    EXPECT_EQ(set["id"], first);
    EXPECT_EQ(set["job"], "files");
    EXPECT_EQ(set["status"], "complete");
    EXPECT_GT(set["size"].get<std::uint64_t>(), 300u * 1024);
    ASSERT_EQ(set["plugins"].size(), 1u);
    EXPECT_EQ(set["plugins"][0]["id"], "files");
    EXPECT_EQ(set["plugins"][0]["item_prefix"], "files/");
    EXPECT_EQ(set["plugins"][0]["result"]["files"], 7) << set.dump(2);
    EXPECT_FALSE(set["time"].get<std::string>().empty());
}

TEST_F(FilesCli, VerifyPassesAndAFlippedByteIsCorruptNamingTheItem) {
    const std::string id = back_up(location.string());
    const fs::path set = location / id;
    const Finished clean = run({"verify", set.string()});
    ASSERT_EQ(clean.exit_code, 0) << describe(clean);
    EXPECT_NE(clean.out.find("sizes and digests match"), std::string::npos) << clean.out;
    EXPECT_NE(clean.out.find("plugin files"), std::string::npos) << clean.out;

    const fs::path item = set / "files" / "tree" / "hello.txt";
    ASSERT_TRUE(fs::is_regular_file(item));
    std::string bytes = read_text(item);
    bytes[3] ^= 0x01;
    write_text(item, bytes);

    const Finished damaged = run({"verify", set.string()});
    EXPECT_EQ(damaged.exit_code, 4) << describe(damaged);
    EXPECT_NE(damaged.err.find("files/tree/hello.txt"), std::string::npos) << damaged.err;

    const fs::path restored = dir / "restored";
    const Finished restore =
        run({"restore", set.string(), "--plugin", "files", "-o", "target=" + restored.string()});
    EXPECT_EQ(restore.exit_code, 4) << describe(restore);
    EXPECT_NE(restore.err.find("hello.txt"), std::string::npos) << restore.err;
    EXPECT_FALSE(fs::exists(restored / "hello.txt"));
}

TEST_F(FilesCli, DryRunReportsAndWritesNothing) {
    const std::string id = back_up(location.string());
    const fs::path restored = dir / "restored";
    const Finished done = run({"restore", (location / id).string(), "--plugin", "files",
                               "--dry-run", "-o", "target=" + restored.string()});
    ASSERT_EQ(done.exit_code, 0) << describe(done);
    EXPECT_NE(done.out.find("would create"), std::string::npos) << done.out;
    EXPECT_FALSE(fs::exists(restored));
}

TEST_F(FilesCli, JsonResultsOfBackupAndRestore) {
    const Finished backup = run(
        {"backup", "files", "--to", location.string(), "-o", "path=" + source.string(), "--json"});
    ASSERT_EQ(backup.exit_code, 0) << describe(backup);
    const auto made = nlohmann::json::parse(backup.out);
    EXPECT_EQ(made["status"], "ok");
    const std::string id = made["set_id"];
    EXPECT_EQ(entries_of(location), std::vector<std::string>{id});
    EXPECT_EQ(made["plugins"][0]["result"]["files"], 7);

    const Finished restore = run({"restore", (location / id).string(), "--plugin", "files",
                                  "--json", "-o", "target=" + (dir / "restored").string()});
    ASSERT_EQ(restore.exit_code, 0) << describe(restore);
    const auto restored = nlohmann::json::parse(restore.out);
    EXPECT_EQ(restored["status"], "ok");
    EXPECT_EQ(restored["set_id"], id);
    EXPECT_EQ(restored["plugins"][0]["id"], "files");
    EXPECT_EQ(restored["record_authenticated"], false);
}

TEST_F(FilesCli, WrongUsageIsExitCode2AndWritesNoSet) {
    const std::string path = "path=" + source.string();
    const std::string to = location.string();
    const std::vector<std::vector<std::string>> wrong = {
        {},
        {"backup"},
        {"backup", "files"},
        {"backup", "files", "--to", to, "-o", path, "--frobnicate"},
        {"backup", "nosuch", "--to", to},
        {"backup", "files", "--to", to, "-o", path, "-o", "nosuch=1"},
        {"backup", "files", "--to", to, "-o", "path"},
        {"backup", "files", "--to", to, "-o", "overwrite=skip", "-o", path},
        {"backup", "files", "--to", "-", "-o", path, "--json"},
        {"backup", "files", "--to", to, "-o", path, "--password-file", "x", "--password-stdin"},
        {"--log-level", "loud", "plugins"},
        {"frobnicate"},
        {"files", "list"},
        {"certificates"},
        {"certificates", "frobnicate"},
        {"restore"},
        {"restore", "-", "--password-stdin"},
        {"sets"},
        {"verify"},
    };
    for (const auto& args : wrong) {
        std::string joined;
        for (const std::string& arg : args)
            joined += arg + " ";
        SCOPED_TRACE(joined);
        const Finished done = run(args);
        EXPECT_EQ(done.exit_code, 2) << describe(done);
        EXPECT_FALSE(done.err.empty());
    }
    EXPECT_TRUE(entries_of(location).empty()) << "no usage error may leave a set behind";
}

TEST_F(FilesCli, FailuresThatAreNotUsageAreExitCode1) {
    const Finished missing_location = run({"sets", (dir / "nowhere").string()});
    EXPECT_EQ(missing_location.exit_code, 1) << describe(missing_location);
    const Finished not_a_set = run({"restore", dir.path().string()});
    EXPECT_EQ(not_a_set.exit_code, 1) << describe(not_a_set);
    EXPECT_NE(not_a_set.err.find("not a backup set"), std::string::npos) << not_a_set.err;
    const Finished missing_source = run(
        {"backup", "files", "--to", location.string(), "-o", "path=" + (dir / "nothing").string()});
    // A source that does not exist is an invalid option value of the plugin: exit 2.
    EXPECT_EQ(missing_source.exit_code, 2) << describe(missing_source);
    EXPECT_NE(missing_source.err.find("does not exist (option 'path')"), std::string::npos)
        << missing_source.err;
    EXPECT_TRUE(entries_of(location).empty());
}

TEST_F(FilesCli, HelpWorksOnEveryCommand) {
    const std::vector<std::vector<std::string>> helps = {
        {"--help"},          {"plugins", "--help"},      {"backup", "--help"},
        {"sets", "--help"},  {"restore", "--help"},      {"verify", "--help"},
        {"files", "--help"}, {"certificates", "--help"},
    };
    for (const auto& args : helps) {
        SCOPED_TRACE(args.front());
        const Finished done = run(args);
        EXPECT_EQ(done.exit_code, 0) << describe(done);
        EXPECT_GT(done.out.size(), 100u) << done.out;
    }
    EXPECT_NE(run({"files", "--help"}).out.find("overwrite"), std::string::npos);
    EXPECT_NE(run({"certificates", "--help"}).out.find("delete-unused"), std::string::npos);
}

TEST_F(FilesCli, GlobalOptionsWorkBeforeAndAfterTheCommand) {
    const std::string id = back_up(location.string());
    const Finished before = run({"--log-level", "debug", "sets", location.string()});
    const Finished after = run({"sets", location.string(), "--log-level", "debug"});
    ASSERT_EQ(before.exit_code, 0) << describe(before);
    ASSERT_EQ(after.exit_code, 0) << describe(after);
    EXPECT_EQ(before.out, after.out);
    EXPECT_EQ(before.out.rfind(id, 0), 0u);
}

}  // namespace
}  // namespace backup_host::cli_testing
