// The sample files plugin, loaded by the loader from build/lib/backup-host/plugins and driven
// through the ABI with an in-memory item store: real trees in temp dirs, byte-identical round
// trips with modes and modification times, overwrite policies, dry runs, selections, damaged
// and hostile sets.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <backup_host/host.hpp>

#include "support/cli_test_support.hpp"
#include "support/memory_job_services.hpp"
#include "support/plugin_test_support.hpp"
#include "support/temp_dir.hpp"

namespace backup_host {
namespace {

namespace fs = std::filesystem;
using certbackup::testing::TempDir;
using testing::JobRequest;
using testing::MemoryJobServices;
using testing::run_job;

using cli_testing::build_tree;
using cli_testing::tree_state;
using cli_testing::TreeEntry;

std::string random_bytes(std::size_t size, unsigned seed) {
    std::mt19937 generator(seed);
    std::string bytes(size, '\0');
    for (char& byte : bytes)
        byte = static_cast<char>(generator() & 0xff);
    return bytes;
}

// The tree the tests back up: every mode class, odd names, empty and large files, an empty
// and a read-only directory.
std::vector<TreeEntry> sample_tree() {
    return {
        {".", true, "", 0750},
        {"a.txt", false, "hello\n", 0644},
        {"empty", false, "", 0600},
        {"run.sh", false, "#!/bin/sh\necho hi\n", 0755},
        {"big.bin", false, random_bytes(1536 * 1024 + 7, 42), 0640},
        {"name with spaces %41.txt", false, "percent and spaces\n", 0644},
        {"\xc3\x9c"
         "bersicht-\xe2\x9c\x93.txt",
         false, "utf-8 name\n", 0644},
        {"raw-\xff\x01-name", false, "a name that is not UTF-8\n", 0644},
        {"line\nbreak", false, "a newline in the name\n", 0604},
        {"docs", true, "", 0700},
        {"docs/readme.md", false, "# read me\n", 0444},
        {"docs/deep", true, "", 0755},
        {"docs/deep/nested.txt", false, "deep down\n", 0664},
        {"empty-dir", true, "", 0705},
        {"locked", true, "", 0555},
        {"locked/inside.txt", false, "inside a read-only directory\n", 0644},
    };
}

class FilesPlugin : public ::testing::Test {
  protected:
    ~FilesPlugin() override {
        // Read-only directories would keep TempDir from removing the tree when not root.
        std::error_code error;
        for (auto it = fs::recursive_directory_iterator(dir.path(), error);
             it != fs::recursive_directory_iterator(); it.increment(error))
            if (it->is_directory(error) && !it->is_symlink(error))
                ::chmod(it->path().c_str(), 0700);
    }

    void SetUp() override { build_tree(source, sample_tree()); }

    // Backs up `source` into `set`.
    void back_up() {
        auto done = run_job(plugin, {JobKind::backup, {{"path", source.string()}}}, set);
        ASSERT_TRUE(done) << done.error().message;
    }

    // Restores `set` with these options into a fresh services object sharing the set's items.
    Result<void> restore(const OptionAssignments& options, bool dry_run = false) {
        restored_with = std::make_unique<MemoryJobServices>();
        restored_with->items = set.items;
        return run_job(plugin, {JobKind::restore, options, dry_run}, *restored_with);
    }

    testing::StoredItem& item(std::string_view name) {
        testing::StoredItem* found = set.find(name);
        EXPECT_NE(found, nullptr) << name;
        return *found;
    }

    TempDir dir;
    fs::path source = dir / "source";
    fs::path target = dir / "restored";
    LoadedPlugin plugin = testing::load_plugin(testing::files_plugin_file());
    MemoryJobServices set;                             // the backup's items
    std::unique_ptr<MemoryJobServices> restored_with;  // services of the last restore
};

TEST_F(FilesPlugin, DescribesItselfAsCliMdSays) {
    const PluginDescription& files = plugin.description();
    EXPECT_EQ(files.id, "files");
    EXPECT_EQ(files.format_version, 1u);
    EXPECT_TRUE(files.supports(JobKind::backup));
    EXPECT_TRUE(files.supports(JobKind::restore));
    EXPECT_TRUE(files.supports(JobKind::verify));
    EXPECT_TRUE(files.supports(JobKind::estimate));
    EXPECT_FALSE(files.supports(JobKind::action));
    EXPECT_EQ(files.option_names(), "path, target, overwrite, select");
    EXPECT_EQ(files.find_option("target")->role, OptionRole::restore_target);
    EXPECT_EQ(files.find_option("overwrite")->default_value, "skip");
}

TEST_F(FilesPlugin, RoundTripIsByteIdenticalWithModesAndTimes) {
    back_up();
    // Data items first, the manifest last.
    ASSERT_FALSE(set.items.empty());
    EXPECT_EQ(set.items.back().name, "manifest");
    EXPECT_NE(set.find("tree/docs/deep/nested.txt"), nullptr);
    EXPECT_NE(set.find("tree/raw-%FF%01-name"), nullptr);
    EXPECT_NE(set.find("tree/line%0Abreak"), nullptr);
    EXPECT_NE(set.find("tree/name with spaces %2541.txt"), nullptr);
    EXPECT_EQ(set.result,
              "{\"files\":11,\"directories\":4,\"bytes\":" +
                  std::to_string(1536 * 1024 + 7 + 6 + 18 + 19 + 11 + 25 + 22 + 10 + 10 + 29) +
                  ",\"skipped\":0}");

    auto done = restore({{"target", target.string()}});
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(tree_state(target), tree_state(source));
    EXPECT_EQ(restored_with->result,
              "{\"dry_run\":false,\"created\":16,\"replaced\":0,\"skipped\":0,\"bytes\":" +
                  std::to_string(1536 * 1024 + 7 + 6 + 18 + 19 + 11 + 25 + 22 + 10 + 10 + 29) +
                  "}");
    // No temporary file is left behind anywhere.
    for (const auto& entry : fs::recursive_directory_iterator(target))
        EXPECT_FALSE(entry.path().filename().string().starts_with(".files-plugin-"))
            << entry.path();
}

TEST_F(FilesPlugin, RestoresToThePathOptionWhenNoTargetIsGiven) {
    back_up();
    fs::remove_all(dir / "elsewhere");
    auto done = restore({{"path", (dir / "elsewhere").string()}});
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(tree_state(dir / "elsewhere"), tree_state(source));

    auto nowhere = restore({});
    ASSERT_FALSE(nowhere);
    EXPECT_EQ(nowhere.error().status, Status::bad_usage);
    EXPECT_EQ(nowhere.error().message,
              "plugin 'files': the files plugin needs to know where to restore: -o target=DIR "
              "(or -o path=DIR to restore where the backup came from)");
}

TEST_F(FilesPlugin, SkipLeavesExistingFilesAlone) {
    back_up();
    fs::create_directories(target / "docs");
    std::ofstream(target / "a.txt") << "local change\n";
    const std::string local_before = tree_state(target / "a.txt");
    auto done = restore({{"target", target.string()}});
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(tree_state(target / "a.txt"), local_before);
    EXPECT_EQ(tree_state(target / "docs/deep"), tree_state(source / "docs/deep"));
    EXPECT_EQ(tree_state(target / "big.bin"), tree_state(source / "big.bin"));
    EXPECT_NE(restored_with->result.find("\"skipped\":1"), std::string::npos)
        << restored_with->result;
}

TEST_F(FilesPlugin, ReplaceOverwritesFilesAndNeverWritesThroughALink) {
    back_up();
    build_tree(target, {{".", true, "", 0700}, {"docs", true, "", 0700}});
    std::ofstream(target / "a.txt") << "local change\n";
    // A link where the backup has a file, and one where it has a directory: replacing them
    // must not touch what they point to.
    std::ofstream(dir / "outside.txt") << "must stay\n";
    fs::create_directories(dir / "outside-dir");
    fs::create_symlink(dir / "outside.txt", target / "run.sh");
    fs::create_symlink(dir / "outside-dir", target / "empty-dir");
    auto done = restore({{"target", target.string()}, {"overwrite", "replace"}});
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(tree_state(target), tree_state(source));
    std::ifstream outside(dir / "outside.txt");
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(outside), {}), "must stay\n");
    EXPECT_TRUE(fs::is_empty(dir / "outside-dir"));
}

TEST_F(FilesPlugin, AFileWhereTheTargetHasADirectoryIsAConflictThatWritesNothing) {
    back_up();
    fs::create_directories(target / "a.txt" / "local");
    const std::string before = tree_state(target);
    auto done = restore({{"target", target.string()}, {"overwrite", "replace"}});
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().status, Status::conflict);
    EXPECT_EQ(done.error().message,
              "plugin 'files': cannot replace the directory " + (target / "a.txt").string() +
                  " with a file from the backup; move the directory away first (nothing was "
                  "restored)");
    EXPECT_EQ(tree_state(target), before);
}

TEST_F(FilesPlugin, DryRunReportsAndWritesNothing) {
    back_up();
    auto fresh = restore({{"target", target.string()}}, true);
    ASSERT_TRUE(fresh) << fresh.error().message;
    EXPECT_FALSE(fs::exists(target));
    EXPECT_NE(restored_with->output.find("would create " +
                                         (target / "docs/deep/nested.txt").string() + "\n"),
              std::string::npos)
        << restored_with->output;
    EXPECT_NE(restored_with->output.find("would create " + (target / "raw-%FF%01-name").string()),
              std::string::npos);
    EXPECT_NE(restored_with->result.find("\"dry_run\":true,\"created\":16"), std::string::npos)
        << restored_with->result;
    EXPECT_TRUE(restored_with->output.ends_with(
        "dry run, nothing written: would create 16, replace 0, skip 0 in " + target.string() +
        "\n"))
        << restored_with->output;

    fs::create_directories(target);
    std::ofstream(target / "a.txt") << "local\n";
    const std::string before = tree_state(target);
    auto replace = restore({{"target", target.string()}, {"overwrite", "replace"}}, true);
    ASSERT_TRUE(replace) << replace.error().message;
    EXPECT_EQ(tree_state(target), before);
    EXPECT_NE(restored_with->output.find("would replace " + (target / "a.txt").string() + "\n"),
              std::string::npos);
    auto skip = restore({{"target", target.string()}}, true);
    ASSERT_TRUE(skip);
    EXPECT_EQ(tree_state(target), before);
    EXPECT_NE(restored_with->output.find("would skip " + (target / "a.txt").string() + "\n"),
              std::string::npos);
}

TEST_F(FilesPlugin, SelectionRestoresOnlyTheNamedPaths) {
    back_up();
    auto done = restore({{"target", target.string()}, {"select", "docs/deep, ./a.txt"}});
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(tree_state(target / "docs/deep"), tree_state(source / "docs/deep"));
    EXPECT_EQ(tree_state(target / "a.txt"), tree_state(source / "a.txt"));
    EXPECT_TRUE(fs::exists(target / "docs"));
    EXPECT_FALSE(fs::exists(target / "docs/readme.md"));
    EXPECT_FALSE(fs::exists(target / "big.bin"));

    auto nothing = restore({{"target", (dir / "other").string()}, {"select", "no/such/file"}});
    ASSERT_FALSE(nothing);
    EXPECT_EQ(nothing.error().status, Status::not_found);
    EXPECT_EQ(nothing.error().message,
              "plugin 'files': nothing in the backup matches 'no/such/file' (option select: "
              "relative paths as backed up)");
    EXPECT_FALSE(fs::exists(dir / "other"));
}

TEST_F(FilesPlugin, ADamagedItemIsNeverPutInPlace) {
    back_up();
    item("tree/docs/readme.md").bytes[2] ^= 0x01;
    auto done = restore({{"target", target.string()}});
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().status, Status::corrupt);
    EXPECT_EQ(done.error().message,
              "plugin 'files': item 'tree/docs/readme.md' is damaged: its "
              "digest does not match the set record");
    EXPECT_FALSE(fs::exists(target / "docs/readme.md"));
    for (const auto& entry : fs::recursive_directory_iterator(target))
        EXPECT_FALSE(entry.path().filename().string().starts_with(".files-plugin-"))
            << entry.path();
}

TEST_F(FilesPlugin, VerifyChecksEveryItemAgainstTheManifest) {
    back_up();
    MemoryJobServices good;
    good.items = set.items;
    auto verified = run_job(plugin, {JobKind::verify}, good);
    ASSERT_TRUE(verified) << verified.error().message;
    EXPECT_EQ(good.result,
              "{\"files\":11,\"bytes\":" +
                  std::to_string(1536 * 1024 + 7 + 6 + 18 + 19 + 11 + 25 + 22 + 10 + 10 + 29) +
                  "}");

    MemoryJobServices damaged;
    damaged.items = set.items;
    damaged.find("tree/big.bin")->bytes.back() ^= 0x80;
    auto corrupt = run_job(plugin, {JobKind::verify}, damaged);
    ASSERT_FALSE(corrupt);
    EXPECT_EQ(corrupt.error().status, Status::corrupt);
    EXPECT_NE(corrupt.error().message.find("'tree/big.bin'"), std::string::npos);

    MemoryJobServices missing;
    missing.items = set.items;
    std::erase_if(missing.items,
                  [](const testing::StoredItem& i) { return i.name == "tree/a.txt"; });
    auto absent = run_job(plugin, {JobKind::verify}, missing);
    ASSERT_FALSE(absent);
    EXPECT_EQ(absent.error().status, Status::not_found);
    EXPECT_EQ(absent.error().message, "plugin 'files': the set has no item 'tree/a.txt'");

    MemoryJobServices extra;
    extra.items = set.items;
    extra.items.insert(extra.items.begin(),
                       testing::StoredItem{"tree/smuggled", {}, 0, testing::checksum({})});
    auto smuggled = run_job(plugin, {JobKind::verify}, extra);
    ASSERT_FALSE(smuggled);
    EXPECT_EQ(smuggled.error().message,
              "plugin 'files': item 'tree/smuggled' is not listed in the files manifest");
}

// Replaces the set's manifest with `text` (as if the set had been tampered with).
void replace_manifest(MemoryJobServices& set, const std::string& text) {
    testing::StoredItem* manifest = set.find("manifest");
    manifest->bytes.assign(text.begin(), text.end());
    manifest->recorded_size = manifest->bytes.size();
    manifest->recorded_checksum = testing::checksum(manifest->bytes);
}

TEST_F(FilesPlugin, AHostileManifestCannotWriteOutsideTheTarget) {
    back_up();
    replace_manifest(set,
                     "backup-host-files-manifest 1\n"
                     "d 0755 1600000000.000000000 0 .\n"
                     "f 0644 1600000000.000000000 6 ../escaped.txt\n");
    auto done = restore({{"target", target.string()}});
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().status, Status::corrupt);
    EXPECT_EQ(done.error().message,
              "plugin 'files': files manifest, line 3: unsafe path '../escaped.txt'");
    EXPECT_FALSE(fs::exists(dir / "escaped.txt"));
    EXPECT_FALSE(fs::exists(target));
}

TEST_F(FilesPlugin, AManifestOfANewerFormatIsRefusedNamingBothVersions) {
    back_up();
    replace_manifest(set, "backup-host-files-manifest 2\n");
    auto done = restore({{"target", target.string()}});
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().status, Status::unsupported);
    EXPECT_EQ(done.error().message,
              "plugin 'files': the files manifest has format version 2; this files plugin reads "
              "version 1: use a matching plugin");
}

TEST_F(FilesPlugin, BackupSkipsWhatIsNotAFileOrDirectoryWithAWarning) {
    fs::create_symlink("a.txt", source / "link-to-a");
    ASSERT_EQ(::mkfifo((source / "fifo").c_str(), 0600), 0);
    back_up();
    EXPECT_EQ(set.find("tree/link-to-a"), nullptr);
    EXPECT_EQ(set.find("tree/fifo"), nullptr);
    std::vector<std::string> warnings;
    for (const testing::LogLine& line : set.log_lines())
        if (line.level == LogLevel::warn)
            warnings.push_back(line.message);
    EXPECT_EQ(warnings,
              (std::vector<std::string>{
                  "skipping " + (source / "fifo").string() +
                      ": it is a FIFO; the files plugin backs up regular files and directories "
                      "only",
                  "skipping " + (source / "link-to-a").string() +
                      ": it is a symbolic link; the files plugin backs up regular files and "
                      "directories only"}));
    EXPECT_NE(set.result.find("\"skipped\":2"), std::string::npos) << set.result;
}

TEST_F(FilesPlugin, BackupNeedsAnExistingDirectory) {
    auto missing = run_job(plugin, {JobKind::backup}, set);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().status, Status::bad_usage);
    EXPECT_EQ(missing.error().message,
              "plugin 'files': the files plugin needs the directory to back up: -o path=DIR");
    auto absent = run_job(plugin, {JobKind::backup, {{"path", (dir / "absent").string()}}}, set);
    ASSERT_FALSE(absent);
    EXPECT_EQ(absent.error().message, "plugin 'files': the directory to back up, " +
                                          (dir / "absent").string() +
                                          ", does not exist (option 'path')");
    auto file = run_job(plugin, {JobKind::backup, {{"path", (source / "a.txt").string()}}}, set);
    ASSERT_FALSE(file);
    EXPECT_EQ(file.error().status, Status::bad_usage);
}

TEST_F(FilesPlugin, EstimateCountsItemsAndBytes) {
    auto options =
        validate_options(plugin.description(), JobKind::estimate, {{"path", source.string()}});
    ASSERT_TRUE(options);
    auto instance = plugin.create(*options, set);
    ASSERT_TRUE(instance);
    ASSERT_TRUE((*instance)->begin_job(JobKind::estimate));
    auto estimate = (*instance)->estimate();
    ASSERT_TRUE(estimate) << estimate.error().message;
    ASSERT_TRUE((*instance)->end_job(Status::ok));
    back_up();
    std::uint64_t stored = 0;
    for (const testing::StoredItem& item : set.items)
        stored += item.bytes.size();
    EXPECT_EQ(estimate->items, set.items.size());
    EXPECT_EQ(estimate->bytes, stored);
}

TEST_F(FilesPlugin, CancellingStopsTheBackup) {
    set.on_write = [this] { set.cancellation.request(); };
    auto done = run_job(plugin, {JobKind::backup, {{"path", source.string()}}}, set);
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().status, Status::cancelled);
    EXPECT_EQ(set.find("manifest"), nullptr);
}

}  // namespace
}  // namespace backup_host
