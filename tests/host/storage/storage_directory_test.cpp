// The directory target and the set reader: round trips, digests checked on every read, damaged
// and missing items named, hostile names refused on write and on read.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "host-sdk/storage/directory_set_writer.hpp"
#include "host-sdk/storage/set_catalog.hpp"
#include "host-sdk/storage/set_record.hpp"
#include "support/storage_test_support.hpp"
#include "support/temp_dir.hpp"

namespace backup_host {
namespace {

// The storage test helpers and the certbackup names they use.
using namespace testing;

mode_t mode_of(const fs::path& path) {
    struct stat st {};
    ::lstat(path.c_str(), &st);
    return st.st_mode & 07777;
}

void flip_byte(const fs::path& path, std::streamoff offset) {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(offset);
    const char c = static_cast<char>(file.get() ^ 0x01);
    file.seekp(offset);
    file.put(c);
}

NewSet new_set(std::string job = "nightly") {
    return NewSet{std::move(job), std::chrono::system_clock::now(), "backup-test-host"};
}

std::unique_ptr<SetWriter> begin_set(const fs::path& location) {
    auto writer = create_directory_set(StorageIo::posix(), location, new_set());
    EXPECT_TRUE(writer) << writer.error().message;
    return writer ? std::move(*writer) : nullptr;
}

// Writes the sample items as a set and returns its id.
std::string write_sample_set(const fs::path& location, std::uint32_t seed) {
    auto writer = begin_set(location);
    auto record = write_set(*writer, sample_items(seed));
    EXPECT_TRUE(record) << record.error().message;
    return writer->set_id();
}

TEST(DirectorySet, RoundTripsItemsIncludingEmptyAndLargeStreamedInChunks) {
    TempDir dir;
    const fs::path location = dir / "backups";
    auto writer = begin_set(location);
    ASSERT_TRUE(writer);
    const std::string id = writer->set_id();
    EXPECT_EQ(writer->destination(), (location / id).string());

    const auto large = pattern_bytes(5 * 1024 * 1024 + 17, 7);  // 5 MiB, not a chunk multiple
    const auto items = sample_items(1);
    for (const auto& [name, bytes] : items)
        ASSERT_TRUE(write_item(*writer, name, bytes, 1000));
    ASSERT_TRUE(write_item(*writer, "big/large.bin", large, 65536));
    // Not visible before commit.
    EXPECT_FALSE(fs::exists(location / id));
    EXPECT_EQ(list_sets(Env::posix(), location)->sets.size(), 0u);

    auto record = complete_record();
    record.mutable_plugins(0)->add_warnings("one file was unreadable");
    auto committed = writer->commit(record);
    ASSERT_TRUE(committed) << committed.error().message;
    EXPECT_EQ(committed->set_id(), id);
    EXPECT_EQ(committed->job(), "nightly");
    EXPECT_EQ(committed->host(), "backup-test-host");
    EXPECT_EQ(committed->format_version(), kSetFormatVersion);
    ASSERT_EQ(committed->items_size(), 5);
    EXPECT_EQ(committed->items(4).size(), large.size());
    EXPECT_EQ(committed->items(4).sha256_hex(),
              certbackup::ossl::to_hex(certbackup::ossl::sha256(large)));
    std::uint64_t total = large.size();
    for (const auto& [name, bytes] : items)
        total += bytes.size();
    EXPECT_EQ(committed->total_size(), total);

    // On disk: the set directory, items at their names, the record, private modes, no leftovers.
    EXPECT_EQ(mode_of(location / id), 0700u);
    EXPECT_EQ(mode_of(location / id / "payload"), 0700u);
    EXPECT_EQ(mode_of(location / id / "payload/a.pfx"), 0600u);
    EXPECT_EQ(mode_of(location / id / "set.pb"), 0600u);
    EXPECT_EQ(fs::file_size(location / id / "big/large.bin"), large.size());
    EXPECT_TRUE(hidden_entries(location).empty());

    auto reader = open_set_directory(Env::posix(), location / id);
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_EQ((*reader)->record().SerializeAsString(), committed->SerializeAsString());
    EXPECT_EQ((*reader)->record().plugins(0).warnings(0), "one file was unreadable");
    for (const auto& [name, bytes] : items) {
        auto read = read_item(**reader, name, 333);
        ASSERT_TRUE(read) << read.error().message;
        EXPECT_EQ(*read, bytes) << name;
    }
    auto read_large = read_item(**reader, "big/large.bin", 1 << 20);
    ASSERT_TRUE(read_large) << read_large.error().message;
    EXPECT_EQ(*read_large, large);
    EXPECT_TRUE((*reader)->verify());
}

TEST(DirectorySet, AFlippedByteIsCorruptNamingTheItemWhicheverByteItIs) {
    TempDir dir;
    const std::string id = write_sample_set(dir.path(), 2);
    const fs::path item = dir / id / "payload/deep/b.bin";
    const std::string pristine = certbackup::testing::snapshot_tree(dir / id);
    for (std::streamoff offset : {std::streamoff{0}, std::streamoff{617}, std::streamoff{1233}}) {
        flip_byte(item, offset);
        auto reader = open_set_directory(Env::posix(), dir / id);
        ASSERT_TRUE(reader);  // the record is intact
        auto read = read_item(**reader, "payload/deep/b.bin");
        ASSERT_FALSE(read) << offset;
        EXPECT_EQ(read.error().code, ErrorCode::corrupt);
        EXPECT_NE(read.error().message.find("\"payload/deep/b.bin\""), std::string::npos)
            << read.error().message;
        EXPECT_NE(read.error().message.find("SHA-256"), std::string::npos);
        auto verified = (*reader)->verify();
        ASSERT_FALSE(verified);
        EXPECT_EQ(verified.error().code, ErrorCode::corrupt);
        flip_byte(item, offset);
    }
    EXPECT_EQ(certbackup::testing::snapshot_tree(dir / id), pristine);
    EXPECT_TRUE((*open_set_directory(Env::posix(), dir / id))->verify());
}

TEST(DirectorySet, ALongerOrShorterItemIsCorruptAndNoExtraByteIsHandedOn) {
    TempDir dir;
    const std::string id = write_sample_set(dir.path(), 3);
    const fs::path item = dir / id / "manifest.pb";
    const auto original = *Env::posix().read_file(item);
    {
        std::ofstream grow(item, std::ios::app | std::ios::binary);
        grow << "X";
    }
    auto reader = open_set_directory(Env::posix(), dir / id);
    ASSERT_TRUE(reader);
    auto opened = (*reader)->open_item("manifest.pb");
    ASSERT_TRUE(opened);
    std::vector<std::uint8_t> buffer(4096);
    auto first = (*opened)->read(buffer);
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, original.size());  // never more than recorded
    auto second = (*opened)->read(buffer);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, ErrorCode::corrupt);
    EXPECT_NE(second.error().message.find("longer"), std::string::npos) << second.error().message;
    EXPECT_FALSE((*opened)->read(buffer));  // the error is final

    ::truncate(item.c_str(), 10);
    auto shorter = read_item(**reader, "manifest.pb");
    ASSERT_FALSE(shorter);
    EXPECT_EQ(shorter.error().code, ErrorCode::corrupt);
    EXPECT_NE(shorter.error().message.find("has 10 bytes"), std::string::npos)
        << shorter.error().message;
}

TEST(DirectorySet, AMissingItemIsNotFoundNamingIt) {
    TempDir dir;
    const std::string id = write_sample_set(dir.path(), 4);
    fs::remove(dir / id / "payload/a.pfx");
    auto reader = open_set_directory(Env::posix(), dir / id);
    ASSERT_TRUE(reader);
    for (auto result :
         {read_item(**reader, "payload/a.pfx").error(), (*reader)->verify().error()}) {
        EXPECT_EQ(result.code, ErrorCode::not_found);
        EXPECT_NE(result.message.find("\"payload/a.pfx\""), std::string::npos) << result.message;
        EXPECT_NE(result.message.find("missing"), std::string::npos) << result.message;
    }
    auto unknown = (*reader)->open_item("no/such/item");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
    EXPECT_NE(unknown.error().message.find("\"no/such/item\""), std::string::npos);
}

TEST(DirectorySet, ReaderNeverFollowsALinkOrOpensAFifoInsideTheSet) {
    TempDir dir;
    const std::string id = write_sample_set(dir.path(), 5);
    const auto outside = pattern_bytes(1234, 7);
    ASSERT_TRUE(Env::posix().write_file(dir / "outside", outside, 0600));
    // A link in place of an item, a link in place of a directory, a FIFO.
    fs::remove(dir / id / "payload/deep/b.bin");
    fs::create_symlink(dir / "outside", dir / id / "payload/deep/b.bin");
    fs::remove(dir / id / "manifest.pb");
    ASSERT_EQ(::mkfifo((dir / id / "manifest.pb").c_str(), 0600), 0);
    auto reader = open_set_directory(Env::posix(), dir / id);
    ASSERT_TRUE(reader);
    auto linked = read_item(**reader, "payload/deep/b.bin");
    ASSERT_FALSE(linked);
    EXPECT_EQ(linked.error().code, ErrorCode::corrupt) << linked.error().message;
    auto fifo = read_item(**reader, "manifest.pb");  // must not block
    ASSERT_FALSE(fifo);
    EXPECT_EQ(fifo.error().code, ErrorCode::corrupt) << fifo.error().message;

    fs::rename(dir / id / "payload", dir / "payload-moved");
    fs::create_directory_symlink(dir / "payload-moved", dir / id / "payload");
    auto through_directory_link = read_item(**reader, "payload/a.pfx");
    ASSERT_FALSE(through_directory_link);
    EXPECT_EQ(through_directory_link.error().code, ErrorCode::corrupt);
}

TEST(DirectorySet, HostileItemNamesAreRefusedOnWriteAndTheWriterStaysUsable) {
    TempDir dir;
    auto writer = begin_set(dir.path());
    ASSERT_TRUE(writer);
    for (const std::string name : {"../escape", "/etc/passwd", "a/../../b", "set.pb", "a//b"}) {
        auto begun = writer->begin_item(name);
        ASSERT_FALSE(begun) << name;
        EXPECT_EQ(begun.error().code, ErrorCode::invalid_argument);
        EXPECT_NE(begun.error().message.find(quote_name(name)), std::string::npos);
    }
    ASSERT_TRUE(write_item(*writer, "ok", pattern_bytes(10, 1)));
    auto duplicate = writer->begin_item("ok");
    ASSERT_FALSE(duplicate);
    EXPECT_EQ(duplicate.error().code, ErrorCode::invalid_argument);
    ASSERT_TRUE(writer->commit(complete_record()));
    EXPECT_FALSE(fs::exists(dir.path().parent_path() / "escape"));
    EXPECT_EQ(list_sets(Env::posix(), dir.path())->sets.size(), 1u);
}

TEST(DirectorySet, HostileItemNamesInARecordAreRefusedOnRead) {
    TempDir dir;
    const std::string id = write_sample_set(dir.path(), 6);
    ASSERT_TRUE(Env::posix().write_file(dir / "secret", pattern_bytes(300, 6), 0600));
    auto record = (*open_set_directory(Env::posix(), dir / id))->record();
    for (const std::string hostile : {"../secret", "/etc/passwd", "payload/../../secret"}) {
        auto tampered = record;
        tampered.mutable_items(0)->set_name(hostile);  // manifest.pb: 300 bytes, same digest
        ASSERT_TRUE(
            Env::posix().write_file(dir / id / "set.pb", *serialize_record(tampered), 0600));
        auto reader = open_set_directory(Env::posix(), dir / id);
        ASSERT_FALSE(reader) << hostile;
        EXPECT_EQ(reader.error().code, ErrorCode::invalid_argument);
        EXPECT_NE(reader.error().message.find(quote_name(hostile)), std::string::npos)
            << reader.error().message;
        auto listing = list_sets(Env::posix(), dir.path());
        ASSERT_TRUE(listing);
        EXPECT_TRUE(listing->sets.empty());
        ASSERT_EQ(listing->skipped.size(), 1u);
        EXPECT_EQ(listing->skipped[0].name, id);
    }
}

TEST(DirectorySet, WriterMisuseIsRefusedWithoutDamage) {
    TempDir dir;
    auto writer = begin_set(dir.path());
    ASSERT_TRUE(writer);
    EXPECT_EQ(writer->write(pattern_bytes(3, 1)).error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(writer->end_item().error().code, ErrorCode::invalid_argument);
    ASSERT_TRUE(writer->begin_item("a"));
    auto nested = writer->begin_item("b");
    ASSERT_FALSE(nested);
    EXPECT_NE(nested.error().message.find("\"a\" is still open"), std::string::npos);
    auto early = writer->commit(complete_record());
    ASSERT_FALSE(early);
    EXPECT_EQ(early.error().code, ErrorCode::invalid_argument);
    ASSERT_TRUE(writer->end_item());
    auto no_status = complete_record();
    no_status.set_status(proto::SET_STATUS_UNSPECIFIED);
    EXPECT_EQ(writer->commit(no_status).error().code, ErrorCode::invalid_argument);
    auto twice = complete_record();
    *twice.add_plugins() = twice.plugins(0);
    EXPECT_EQ(writer->commit(twice).error().code, ErrorCode::invalid_argument);
    ASSERT_TRUE(writer->commit(complete_record()));
    EXPECT_EQ(writer->begin_item("c").error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(writer->abort().error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(list_sets(Env::posix(), dir.path())->sets.size(), 1u);
}

TEST(DirectorySet, AbortAndDestructionLeaveNothingBehind) {
    TempDir dir;
    const std::string earlier = write_sample_set(dir.path(), 8);
    const std::string before = certbackup::testing::snapshot_tree(dir.path());
    {
        auto writer = begin_set(dir.path());
        ASSERT_TRUE(write_item(*writer, "x/y", pattern_bytes(5000, 1)));
        ASSERT_TRUE(writer->begin_item("half"));
        ASSERT_TRUE(writer->write(pattern_bytes(10, 2)));
        ASSERT_TRUE(writer->abort());
        ASSERT_TRUE(writer->abort());  // idempotent
    }
    {
        auto writer = begin_set(dir.path());
        ASSERT_TRUE(write_item(*writer, "x/y", pattern_bytes(5000, 1)));
    }  // destroyed without commit
    EXPECT_EQ(certbackup::testing::snapshot_tree(dir.path()), before);
    EXPECT_TRUE(hidden_entries(dir.path()).empty());
}

TEST(DirectorySet, OpeningALocationOrAPartialSetSaysWhatItIs) {
    TempDir dir;
    const std::string id = write_sample_set(dir.path(), 9);
    auto location = open_set_directory(Env::posix(), dir.path());
    ASSERT_FALSE(location);
    EXPECT_EQ(location.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(location.error().message.find("name one of its sets"), std::string::npos);

    fs::rename(dir / id, dir / ("." + id + ".partial"));
    auto partial = open_set_directory(Env::posix(), dir / ("." + id + ".partial"));
    ASSERT_FALSE(partial);
    EXPECT_EQ(partial.error().code, ErrorCode::invalid_argument);

    auto missing = open_set_directory(Env::posix(), dir / "nothing-here");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::not_found);

    // A copy of a set under another name (restored by another backup tool) opens.
    fs::rename(dir / ("." + id + ".partial"), dir / "restored-copy");
    auto copy = open_set_directory(Env::posix(), dir / "restored-copy");
    ASSERT_TRUE(copy) << copy.error().message;
    EXPECT_EQ((*copy)->record().set_id(), id);
    EXPECT_TRUE((*copy)->verify());
}

TEST(DirectorySet, ANewerFormatVersionIsRefusedNamingBothVersions) {
    TempDir dir;
    const std::string id = write_sample_set(dir.path(), 10);
    auto record = (*open_set_directory(Env::posix(), dir / id))->record();
    record.set_format_version(2);
    ASSERT_TRUE(Env::posix().write_file(dir / id / "set.pb", *serialize_record(record), 0600));
    auto reader = open_set_directory(Env::posix(), dir / id);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::unsupported);
    EXPECT_NE(reader.error().message.find("format version 2; this host reads version 1"),
              std::string::npos)
        << reader.error().message;
}

TEST(DirectorySet, ASetRecordOverTheCapIsRefusedBeforeItIsHeldInMemory) {
    // One byte over 64 MiB, a hole on disk: reading stops at the cap, it does not parse it.
    TempDir dir;
    const std::string id = write_sample_set(dir.path(), 11);
    const fs::path record = dir / id / "set.pb";
    fs::resize_file(record, kMaxRecordBytes + 1);
    auto reader = open_set_directory(Env::posix(), dir / id);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::corrupt) << reader.error().message;
    EXPECT_NE(reader.error().message.find(record.string() + " is larger than " +
                                          std::to_string(kMaxRecordBytes) + " bytes"),
              std::string::npos)
        << reader.error().message;
}

}  // namespace
}  // namespace backup_host
