// The catalog of a backup location: what is listed, deleting, and cleaning up after the dead.
#include <gtest/gtest.h>

#include <fstream>

#include "host-sdk/storage/directory_set_writer.hpp"
#include "host-sdk/storage/location_layout.hpp"
#include "host-sdk/storage/set_catalog.hpp"
#include "host-sdk/storage/set_lock.hpp"
#include "host-sdk/storage/storage_target.hpp"
#include "support/storage_test_support.hpp"
#include "support/temp_dir.hpp"

namespace backup_host {
namespace {

// The storage test helpers and the certbackup names they use.
using namespace testing;

std::string write_set_at(const fs::path& location, SystemTime created, std::string job,
                         std::uint32_t seed) {
    auto writer = create_directory_set(StorageIo::posix(), location,
                                       NewSet{std::move(job), created, "host-a"});
    EXPECT_TRUE(writer);
    EXPECT_TRUE(write_set(**writer, sample_items(seed)));
    return (*writer)->set_id();
}

SystemTime at(int seconds, int millis = 0) {
    return SystemTime{std::chrono::seconds{1'800'000'000 + seconds} +
                      std::chrono::milliseconds{millis}};
}

TEST(Catalog, ListsCompleteSetsOldestFirstWithTheirRecords) {
    TempDir dir;
    const std::string second = write_set_at(dir.path(), at(10), "job-b", 2);
    const std::string first = write_set_at(dir.path(), at(0), "job-a", 1);
    // Same second, a later millisecond: ordered by the recorded time, not by the random suffix.
    const std::string third = write_set_at(dir.path(), at(10, 500), "job-c", 3);

    auto listing = list_sets(Env::posix(), dir.path());
    ASSERT_TRUE(listing) << listing.error().message;
    ASSERT_EQ(listing->sets.size(), 3u);
    EXPECT_EQ(listing->sets[0].id, first);
    EXPECT_EQ(listing->sets[1].id, second);
    EXPECT_EQ(listing->sets[2].id, third);
    EXPECT_TRUE(listing->skipped.empty());
    const auto& record = listing->sets[0].record;
    EXPECT_EQ(record.job(), "job-a");
    EXPECT_EQ(record.host(), "host-a");
    EXPECT_EQ(record.status(), proto::SET_STATUS_COMPLETE);
    EXPECT_EQ(record.created_unix_seconds(), 1'800'000'000);
    EXPECT_EQ(record.created_rfc3339(), "2027-01-15T08:00:00Z");
    ASSERT_EQ(record.plugins_size(), 1);
    EXPECT_EQ(record.plugins(0).id(), "files");
    EXPECT_EQ(record.total_size(), 300u + 70000u + 0u + 1234u);
    EXPECT_EQ(listing->sets[2].record.created_nanos(), 500'000'000u);
    EXPECT_EQ(listing->sets[0].path, dir / first);
}

TEST(Catalog, NeverListsPartialDeletingDamagedOrMisnamedSets) {
    TempDir dir;
    const std::string good = write_set_at(dir.path(), at(0), "job", 1);
    const std::string other = write_set_at(dir.path(), at(1), "job", 2);
    const std::string damaged = write_set_at(dir.path(), at(2), "job", 3);
    const std::string no_record = write_set_at(dir.path(), at(3), "job", 4);
    const std::string misnamed = write_set_at(dir.path(), at(4), "job", 5);
    // A finished-looking set that was never renamed, one being deleted, a damaged record, a
    // missing record, a record under another set's name, and unrelated entries.
    fs::rename(dir / other, dir / partial_dir_name(other));
    fs::copy(dir / good, dir / deleting_dir_name(good), fs::copy_options::recursive);
    {
        std::fstream record(dir / damaged / "set.pb",
                            std::ios::in | std::ios::out | std::ios::binary);
        record.seekp(0);
        record.put('\xff');
    }
    fs::remove(dir / no_record / "set.pb");
    const std::string fake_id = "20200101T000000Z-abcdef";
    fs::rename(dir / misnamed, dir / fake_id);
    fs::create_directory(dir / "lost+found");
    std::ofstream(dir / "notes.txt") << "hello";
    fs::create_directory_symlink(dir / good, dir / "20300101T000000Z-aaaaaa");

    auto listing = list_sets(Env::posix(), dir.path());
    ASSERT_TRUE(listing);
    ASSERT_EQ(listing->sets.size(), 1u);
    EXPECT_EQ(listing->sets[0].id, good);
    std::map<std::string, std::string> skipped;
    for (const auto& entry : listing->skipped)
        skipped[entry.name] = entry.reason;
    EXPECT_EQ(skipped.size(), 4u);
    EXPECT_NE(skipped[damaged].find("set.pb"), std::string::npos) << skipped[damaged];
    EXPECT_NE(skipped[no_record].find("does not exist"), std::string::npos) << skipped[no_record];
    EXPECT_NE(skipped[fake_id].find(misnamed), std::string::npos) << skipped[fake_id];
    EXPECT_NE(skipped["20300101T000000Z-aaaaaa"].find("symbolic link"), std::string::npos);

    auto missing = list_sets(Env::posix(), dir / "no-such-location");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

TEST(Catalog, DeleteSetRemovesOnlyThatSet) {
    TempDir dir;
    const std::string keep = write_set_at(dir.path(), at(0), "job", 1);
    const std::string drop = write_set_at(dir.path(), at(1), "job", 2);
    const std::string kept_tree = snapshot_tree(dir / keep);
    ASSERT_TRUE(delete_set(StorageIo::posix(), dir.path(), drop));
    EXPECT_FALSE(fs::exists(dir / drop));
    EXPECT_TRUE(hidden_entries(dir.path()).empty());
    EXPECT_EQ(snapshot_tree(dir / keep), kept_tree);
    auto listing = list_sets(Env::posix(), dir.path());
    ASSERT_EQ(listing->sets.size(), 1u);

    auto again = delete_set(StorageIo::posix(), dir.path(), drop);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::not_found);
    auto bad = delete_set(StorageIo::posix(), dir.path(), "../" + keep);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(snapshot_tree(dir / keep), kept_tree);
}

TEST(Catalog, DeleteAndCleanupNeverTouchASetWhoseLockIsHeld) {
    TempDir dir;
    const std::string id = write_set_at(dir.path(), at(0), "job", 1);
    auto held = SetLock::acquire(dir.path(), id);  // another open file description: a rival
    ASSERT_TRUE(held);
    auto deleted = delete_set(StorageIo::posix(), dir.path(), id);
    ASSERT_FALSE(deleted);
    EXPECT_EQ(deleted.error().code, ErrorCode::conflict);
    EXPECT_NE(deleted.error().message.find(id), std::string::npos);
    EXPECT_TRUE(fs::exists(dir / id / "set.pb"));
    ASSERT_TRUE(held->release(Env::posix()));
    EXPECT_TRUE(delete_set(StorageIo::posix(), dir.path(), id));
}

TEST(Catalog, CleanupRemovesDeadWritersLeftoversAndSparesLiveOnes) {
    TempDir dir;
    const std::string complete = write_set_at(dir.path(), at(0), "job", 1);
    const std::string complete_tree = snapshot_tree(dir / complete);

    // A live writer in the middle of its set.
    auto live = create_directory_set(StorageIo::posix(), dir.path(), NewSet{"job", at(5), ""});
    ASSERT_TRUE(live);
    ASSERT_TRUE(testing::write_item(**live, "a/b", pattern_bytes(100, 1)));
    const std::string live_id = (*live)->set_id();

    // Leftovers of the dead: a partial with its (unlocked) lock file, a partial whose lock file
    // is gone, a half-deleted set, and a lone lock file.
    const std::string dead1 = "20200101T000000Z-000001", dead2 = "20200101T000000Z-000002",
                      dead3 = "20200101T000000Z-000003", dead4 = "20200101T000000Z-000004";
    fs::create_directories(dir / partial_dir_name(dead1) / "x");
    std::ofstream(dir / partial_dir_name(dead1) / "x" / "item") << "half";
    std::ofstream(dir / lock_file_name(dead1)) << "";
    fs::create_directories(dir / partial_dir_name(dead2));
    fs::create_directories(dir / deleting_dir_name(dead3) / "payload");
    std::ofstream(dir / lock_file_name(dead4)) << "";

    auto removed = clean_stale_entries(StorageIo::posix(), dir.path());
    ASSERT_TRUE(removed) << removed.error().message;
    std::vector<std::string> expected = {partial_dir_name(dead1), lock_file_name(dead1),
                                         partial_dir_name(dead2), deleting_dir_name(dead3),
                                         lock_file_name(dead4)};
    std::sort(expected.begin(), expected.end());
    std::sort(removed->begin(), removed->end());
    EXPECT_EQ(*removed, expected);

    auto hidden = hidden_entries(dir.path());
    std::sort(hidden.begin(), hidden.end());
    std::vector<std::string> live_entries = {partial_dir_name(live_id), lock_file_name(live_id)};
    std::sort(live_entries.begin(), live_entries.end());
    EXPECT_EQ(hidden, live_entries);
    EXPECT_EQ(snapshot_tree(dir / complete), complete_tree);

    // The live writer was not disturbed.
    ASSERT_TRUE(testing::write_item(**live, "c", pattern_bytes(10, 2)));
    ASSERT_TRUE((*live)->commit(testing::complete_record()));
    EXPECT_EQ(list_sets(Env::posix(), dir.path())->sets.size(), 2u);
    EXPECT_TRUE(hidden_entries(dir.path()).empty());
}

TEST(Catalog, ANewWriterCleansUpBeforeItBegins) {
    TempDir dir;
    const std::string dead = "20200101T000000Z-0000aa";
    fs::create_directories(dir / partial_dir_name(dead));
    std::ofstream(dir / lock_file_name(dead)) << "";
    auto writer = create_directory_set(StorageIo::posix(), dir.path(), NewSet{"job", at(0), ""});
    ASSERT_TRUE(writer);
    EXPECT_FALSE(fs::exists(dir / partial_dir_name(dead)));
    EXPECT_FALSE(fs::exists(dir / lock_file_name(dead)));
}

TEST(StorageTarget, ParsesTheCommandLineForms) {
    TempDir dir;
    EXPECT_EQ(parse_target("-").kind, TargetKind::tar_stream);
    EXPECT_EQ(parse_target((dir / "x.tar").string()).kind, TargetKind::tar_file);
    EXPECT_EQ(parse_target((dir / "new-location").string()).kind, TargetKind::directory);
    fs::create_directory(dir / "odd.tar");  // an existing directory wins over the suffix
    EXPECT_EQ(parse_target((dir / "odd.tar").string()).kind, TargetKind::directory);
    EXPECT_EQ(parse_target(dir.path().string()).path, dir.path());
}

TEST(StorageTarget, ListsADirectoryOrATarFile) {
    TempDir dir;
    const fs::path location = dir / "location";
    const std::string id = write_set_at(location, at(0), "job", 1);
    auto listed = list_target(StorageIo::posix(), parse_target(location.string()));
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->sets.size(), 1u);
    EXPECT_EQ(listed->sets[0].id, id);

    const fs::path tar = dir / "one.tar";
    auto writer = create_set_writer(StorageIo::posix(), parse_target(tar.string()),
                                    NewSet{"job", at(1), ""}, {dir.path(), 1, 0, {}});
    ASSERT_TRUE(writer);
    ASSERT_TRUE(write_set(**writer, sample_items(2)));
    auto from_tar =
        list_target(StorageIo::posix(), parse_target(tar.string()), {dir.path(), 1, 0, {}});
    ASSERT_TRUE(from_tar) << from_tar.error().message;
    ASSERT_EQ(from_tar->sets.size(), 1u);
    EXPECT_EQ(from_tar->sets[0].id, (*writer)->set_id());
}

}  // namespace
}  // namespace backup_host
