// The tar target and the one-pass tar reader: round trips through files and pipes, readable by
// GNU tar, and every truncated, damaged, incomplete or hostile stream refused before any item is
// handed on, without writing outside the private spool.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "host-sdk/storage/set_catalog.hpp"
#include "host-sdk/storage/set_record.hpp"
#include "host-sdk/storage/tar_set_reader.hpp"
#include "host-sdk/storage/tar_set_writer.hpp"
#include "support/storage_test_support.hpp"
#include "support/temp_dir.hpp"

namespace backup_host {
namespace {

// The storage test helpers and the certbackup names they use.
using namespace testing;

using Items = std::vector<std::pair<std::string, std::vector<std::uint8_t>>>;

NewSet new_set() {
    return NewSet{"export", std::chrono::system_clock::now(), "tar-host"};
}

std::vector<std::uint8_t> file_bytes(const fs::path& path) {
    return *Env::posix().read_file(path);
}

void expect_same_items(const SetReader& reader, const Items& items) {
    ASSERT_EQ(reader.record().items_size(), static_cast<int>(items.size()));
    for (const auto& [name, bytes] : items) {
        auto read = read_item(reader, name, 4096);
        ASSERT_TRUE(read) << read.error().message;
        EXPECT_EQ(*read, bytes) << name;
    }
}

bool is_empty_directory(const fs::path& dir) {
    return fs::is_empty(dir);
}

// A valid set as a tar file: the file's bytes and the committed record.
struct TarSet {
    std::vector<std::uint8_t> bytes;
    proto::BackupSet record;
};

TarSet make_tar_set(const fs::path& work, const Items& items) {
    const fs::path tar = work / "made.tar";
    auto writer = create_tar_file_set(StorageIo::posix(), tar, new_set(), work);
    EXPECT_TRUE(writer);
    auto record = write_set(**writer, items);
    EXPECT_TRUE(record) << record.error().message;
    TarSet made{file_bytes(tar), *record};
    fs::remove(tar);
    return made;
}

// The offset of the 512-byte header whose name field is exactly `name` (ustar layout).
std::size_t header_offset(const std::vector<std::uint8_t>& tar, const std::string& name) {
    for (std::size_t offset = 0; offset + 512 <= tar.size(); offset += 512) {
        if (std::equal(name.begin(), name.end(), tar.begin() + static_cast<long>(offset)) &&
            tar[offset + name.size()] == 0)
            return offset;
    }
    ADD_FAILURE() << "no header for " << name;
    return 0;
}

// Writes a tar with arbitrary members (for hostile and malformed streams), with libarchive.
struct RawMember {
    std::string name;
    std::vector<std::uint8_t> content;
    unsigned type = AE_IFREG;
    std::string link = {};  // symbolic or hard link target
    bool hard = false;
};

void write_raw_tar(const fs::path& path, const std::vector<RawMember>& members) {
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
    for (const auto& m : members) {
        archive_entry* e = archive_entry_new();
        archive_entry_copy_pathname(e, m.name.c_str());
        archive_entry_set_filetype(e, m.type);
        archive_entry_set_perm(e, 0600);
        archive_entry_set_size(e, static_cast<la_int64_t>(m.content.size()));
        if (!m.link.empty()) {
            if (m.hard)
                archive_entry_copy_hardlink(e, m.link.c_str());
            else
                archive_entry_copy_symlink(e, m.link.c_str());
            archive_entry_set_size(e, 0);
        }
        ASSERT_GE(archive_write_header(a, e), ARCHIVE_WARN) << archive_error_string(a);
        if (!m.content.empty() && m.link.empty())
            archive_write_data(a, m.content.data(), m.content.size());
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
}

// The members of a set as RawMembers: its items, then set.pb.
std::vector<RawMember> members_of(const Items& items, const proto::BackupSet& record) {
    std::vector<RawMember> members;
    for (const auto& [name, bytes] : items)
        members.push_back({name, bytes});
    members.push_back({"set.pb", *serialize_record(record)});
    return members;
}

class TarSetTest : public ::testing::Test {
  protected:
    // Opens `bytes` as a tar file with a spool in spool_ and checks that a refusal leaves no
    // spool behind.
    Result<std::unique_ptr<SetReader>> open_bytes(const std::vector<std::uint8_t>& bytes) {
        const fs::path tar = work_ / "input.tar";
        {  // No fsync, and a new file each time (ext4 flushes a truncated-and-rewritten file on
           // close): this runs hundreds of times.
            fs::remove(tar);
            std::ofstream out(tar, std::ios::binary);
            out.write(reinterpret_cast<const char*>(bytes.data()),
                      static_cast<std::streamsize>(bytes.size()));
        }
        auto reader = open_tar_file(StorageIo::posix(), tar, spool_.path());
        if (!reader) {
            EXPECT_TRUE(is_empty_directory(spool_.path())) << reader.error().message;
        }
        return reader;
    }
    Result<std::unique_ptr<SetReader>> open_members(const std::vector<RawMember>& members,
                                                    const TarLimits& limits = {}) {
        const fs::path tar = work_ / "raw.tar";
        write_raw_tar(tar, members);
        auto reader = open_tar_file(StorageIo::posix(), tar, spool_.path(), limits);
        if (!reader) {
            EXPECT_TRUE(is_empty_directory(spool_.path())) << reader.error().message;
        }
        return reader;
    }

    TempDir work_;
    TempDir spool_;
};

TEST_F(TarSetTest, FileRoundTripWithTheRecordLastAndNothingLeftBehind) {
    Items items = sample_items(11);
    items.emplace_back("large/five-mib.bin", pattern_bytes(5 * 1024 * 1024 + 3, 12));
    const fs::path tar = work_ / "export.tar";
    auto writer = create_tar_file_set(StorageIo::posix(), tar, new_set(), spool_.path());
    ASSERT_TRUE(writer) << writer.error().message;
    EXPECT_EQ((*writer)->destination(), tar.string());
    auto record = write_set(**writer, items);
    ASSERT_TRUE(record) << record.error().message;
    EXPECT_EQ(fs::status(tar).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_TRUE(testing::hidden_entries(work_.path()).empty());  // no temporary sibling
    EXPECT_TRUE(is_empty_directory(spool_.path()));              // the item spool is unnamed

    auto reader = open_tar_file(StorageIo::posix(), tar, spool_.path());
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_EQ((*reader)->record().SerializeAsString(), record->SerializeAsString());
    expect_same_items(**reader, items);
    EXPECT_TRUE((*reader)->verify());
    EXPECT_FALSE(is_empty_directory(spool_.path()));
    reader->reset();
    EXPECT_TRUE(is_empty_directory(spool_.path()));  // the spool goes with its reader
}

TEST_F(TarSetTest, GnuTarReadsTheStreamAndItsExtractionIsASetDirectory) {
    const Items items = sample_items(13);
    const fs::path tar = work_ / "export.tar";
    auto writer = create_tar_file_set(StorageIo::posix(), tar, new_set(), spool_.path());
    ASSERT_TRUE(writer);
    auto record = write_set(**writer, items);
    ASSERT_TRUE(record);

    const fs::path listing = work_ / "listing.txt";
    ASSERT_EQ(std::system(("tar -tf '" + tar.string() + "' > '" + listing.string() + "'").c_str()),
              0);
    std::ifstream in(listing);
    std::vector<std::string> names;
    for (std::string line; std::getline(in, line);)
        names.push_back(line);
    std::vector<std::string> expected;
    for (const auto& [name, bytes] : items)
        expected.push_back(name);
    expected.push_back("set.pb");  // last
    EXPECT_EQ(names, expected);

    const fs::path extracted = work_ / record->set_id();
    fs::create_directory(extracted);
    ASSERT_EQ(
        std::system(("tar -xf '" + tar.string() + "' -C '" + extracted.string() + "'").c_str()), 0);
    auto reader = open_set_directory(Env::posix(), extracted);
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_TRUE((*reader)->verify());

    // And back: a set directory packed by GNU tar ("./" prefixes, set.pb anywhere) reads too.
    const fs::path repacked = work_ / "repacked.tar";
    ASSERT_EQ(
        std::system(
            ("tar -C '" + extracted.string() + "' -cf '" + repacked.string() + "' .").c_str()),
        0);
    auto from_repacked = open_tar_file(StorageIo::posix(), repacked, spool_.path());
    ASSERT_TRUE(from_repacked) << from_repacked.error().message;
    expect_same_items(**from_repacked, items);
}

TEST_F(TarSetTest, StreamsThroughAPipeBetweenThreads) {
    Items items = sample_items(14);
    items.emplace_back("big.bin", pattern_bytes(3 * 1024 * 1024, 15));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    Result<proto::BackupSet> written = fail(ErrorCode::io, "not run");
    std::thread producer([&] {
        auto writer =
            create_tar_stream_set(StorageIo::posix(), fds[1], "the pipe", new_set(), spool_.path());
        if (writer) {
            EXPECT_EQ((*writer)->destination(), "the pipe");
            written = write_set(**writer, items);
        }
        ::close(fds[1]);
    });
    auto reader = open_tar_stream(StorageIo::posix(), fds[0], "the pipe", spool_.path());
    producer.join();
    ::close(fds[0]);
    ASSERT_TRUE(written) << written.error().message;
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_EQ((*reader)->record().set_id(), written->set_id());
    expect_same_items(**reader, items);
}

TEST_F(TarSetTest, AnAbortedStreamIsRefusedForItsMissingRecord) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::thread producer([&] {
        auto writer =
            create_tar_stream_set(StorageIo::posix(), fds[1], "the pipe", new_set(), spool_.path());
        ASSERT_TRUE(writer);
        ASSERT_TRUE(write_item(**writer, "first", pattern_bytes(20000, 1)));
        ASSERT_TRUE(write_item(**writer, "second", pattern_bytes(30000, 2)));
        ASSERT_TRUE((*writer)->abort());
        ::close(fds[1]);
    });
    auto reader = open_tar_stream(StorageIo::posix(), fds[0], "the pipe", spool_.path());
    producer.join();
    ::close(fds[0]);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::corrupt);
    EXPECT_TRUE(is_empty_directory(spool_.path()));
}

TEST_F(TarSetTest, EveryTruncationBeforeTheRecordsEndIsRefused) {
    // Small items keep the stream short, so that a cut every 41 bytes (coprime with the 512-byte
    // blocks: every header field and data position gets cut somewhere) stays quick.
    const Items items = {{"manifest.pb", pattern_bytes(300, 1)},
                         {"payload/a.pfx", pattern_bytes(5000, 2)},
                         {"payload/empty", {}},
                         {"payload/deep/b.bin", pattern_bytes(1234, 3)}};
    const TarSet made = make_tar_set(work_.path(), items);
    const std::size_t record_header = header_offset(made.bytes, "set.pb");
    const std::size_t record_end =
        record_header + 512 + (made.record.ByteSizeLong() + 511) / 512 * 512;
    int refused = 0;
    for (std::size_t cut = 0; cut < made.bytes.size(); cut += (cut < record_end ? 41 : 512)) {
        const std::vector<std::uint8_t> head(made.bytes.begin(),
                                             made.bytes.begin() + static_cast<long>(cut));
        auto reader = open_bytes(head);
        if (cut < record_end) {
            ASSERT_FALSE(reader) << "cut at " << cut;
            EXPECT_TRUE(reader.error().code == ErrorCode::corrupt ||
                        reader.error().code == ErrorCode::not_found)
                << reader.error().message;
            ++refused;
        } else if (reader) {
            // Only the end-of-archive padding is missing: everything is there and verified.
            EXPECT_TRUE((*reader)->verify());
        }
    }
    EXPECT_EQ(refused, static_cast<int>((record_end + 40) / 41));
    // Cut exactly at a member boundary after all items: the message says what is missing.
    auto no_record = open_bytes(std::vector<std::uint8_t>(
        made.bytes.begin(), made.bytes.begin() + static_cast<long>(record_header)));
    ASSERT_FALSE(no_record);
    EXPECT_NE(no_record.error().message.find("no set record"), std::string::npos)
        << no_record.error().message;
}

TEST_F(TarSetTest, ADamagedItemIsCorruptNamingItAndADamagedHeaderIsRefused) {
    const Items items = sample_items(17);
    const TarSet made = make_tar_set(work_.path(), items);
    auto damaged = made.bytes;
    damaged[header_offset(made.bytes, "payload/deep/b.bin") + 512 + 100] ^= 0x20;
    auto reader = open_bytes(damaged);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::corrupt);
    EXPECT_NE(reader.error().message.find("\"payload/deep/b.bin\""), std::string::npos)
        << reader.error().message;

    auto bad_header = made.bytes;
    bad_header[header_offset(made.bytes, "payload/a.pfx") + 124] ^= 0x01;  // the size field
    auto refused = open_bytes(bad_header);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::corrupt) << refused.error().message;

    auto bad_record = made.bytes;
    bad_record[header_offset(made.bytes, "set.pb") + 512 + 3] ^= 0xff;
    auto no_record = open_bytes(bad_record);
    ASSERT_FALSE(no_record);
    EXPECT_TRUE(no_record.error().code == ErrorCode::corrupt ||
                no_record.error().code == ErrorCode::invalid_argument)
        << no_record.error().message;
}

TEST_F(TarSetTest, MissingAndExtraMembersAreNamed) {
    const Items items = sample_items(18);
    const TarSet made = make_tar_set(work_.path(), items);
    auto members = members_of(items, made.record);
    auto without = members;
    without.erase(without.begin() + 1);  // payload/a.pfx
    auto missing = open_members(without);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::not_found);
    EXPECT_NE(missing.error().message.find("\"payload/a.pfx\""), std::string::npos);

    auto with_extra = members;
    with_extra.insert(with_extra.begin(), RawMember{"smuggled", pattern_bytes(10, 1)});
    auto extra = open_members(with_extra);
    ASSERT_FALSE(extra);
    EXPECT_EQ(extra.error().code, ErrorCode::corrupt);
    EXPECT_NE(extra.error().message.find("\"smuggled\""), std::string::npos);

    auto doubled = members;
    doubled.insert(doubled.begin() + 2, members[0]);
    auto twice = open_members(doubled);
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().code, ErrorCode::corrupt);
    EXPECT_NE(twice.error().message.find("appears twice"), std::string::npos);

    EXPECT_TRUE(open_members(members));  // the control: the same members in order are fine
}

TEST_F(TarSetTest, HostileMembersAreRefusedAndNothingEscapesTheSpool) {
    const Items items = sample_items(19);
    const TarSet made = make_tar_set(work_.path(), items);
    const auto members = members_of(items, made.record);
    const std::string escape = "escaped-" + std::to_string(::getpid());
    const std::vector<RawMember> hostile = {
        {"../" + escape, pattern_bytes(5, 1)},
        {"../../" + escape, pattern_bytes(5, 1)},
        {"/tmp/" + escape, pattern_bytes(5, 1)},
        {"payload/../../" + escape, pattern_bytes(5, 1)},
        {"link", {}, AE_IFLNK, "/etc"},
        {"hard", {}, AE_IFREG, "/etc/passwd", true},
        {"fifo", {}, AE_IFIFO},
        {"dev", {}, AE_IFCHR},
    };
    const std::string before = snapshot_tree(work_.path());
    for (const auto& bad : hostile) {
        for (const bool first : {true, false}) {
            auto with_bad = members;
            with_bad.insert(first ? with_bad.begin() : with_bad.end() - 1, bad);
            auto reader = open_members(with_bad);
            ASSERT_FALSE(reader) << bad.name;
            // Exit 4, as any other hostile or damaged input.
            EXPECT_EQ(reader.error().code, ErrorCode::corrupt) << reader.error().message;
            EXPECT_NE(reader.error().message.find(bad.name), std::string::npos)
                << reader.error().message;
        }
    }
    fs::remove(work_ / "raw.tar");
    EXPECT_EQ(snapshot_tree(work_.path()), before);
    EXPECT_FALSE(fs::exists(fs::path("/tmp") / escape));
    EXPECT_FALSE(fs::exists(spool_.path().parent_path() / escape));
}

TEST_F(TarSetTest, MemberCountAndItemBytesOverTheLimitsAreRefusedAndTheSpoolRemoved) {
    const Items items = sample_items(20);
    const TarSet made = make_tar_set(work_.path(), items);
    const auto members = members_of(items, made.record);
    std::uint64_t item_bytes = 0;
    for (const auto& member : members)
        if (member.name != "set.pb")
            item_bytes += member.content.size();
    ASSERT_GT(members.size(), 2u);

    // open_members checks that the spool directory is empty after each refusal.
    auto too_many = open_members(members, TarLimits{members.size() - 1, item_bytes});
    ASSERT_FALSE(too_many);
    EXPECT_EQ(too_many.error().code, ErrorCode::corrupt) << too_many.error().message;
    EXPECT_NE(too_many.error().message.find("tar_max_members"), std::string::npos)
        << too_many.error().message;

    auto too_big = open_members(members, TarLimits{members.size(), item_bytes - 1});
    ASSERT_FALSE(too_big);
    EXPECT_EQ(too_big.error().code, ErrorCode::corrupt) << too_big.error().message;
    EXPECT_NE(too_big.error().message.find("tar_max_bytes"), std::string::npos)
        << too_big.error().message;

    // One member announcing more than the limit is refused at its header, before its data.
    std::vector<RawMember> huge = {{"payload/huge", pattern_bytes(4096, 3)}};
    auto refused = open_members(huge, TarLimits{10, 1024});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::corrupt) << refused.error().message;

    auto at_limits = open_members(members, TarLimits{members.size(), item_bytes});
    EXPECT_TRUE(at_limits) << at_limits.error().message;  // exactly at them is fine
}

TEST_F(TarSetTest, ASecondSetRecordIsRefused) {
    const Items items = sample_items(21);
    const TarSet made = make_tar_set(work_.path(), items);
    auto members = members_of(items, made.record);
    for (const std::size_t at : {std::size_t{0}, members.size()}) {
        auto twice = members;
        twice.insert(twice.begin() + static_cast<long>(at), members.back());
        auto reader = open_members(twice);
        ASSERT_FALSE(reader) << "second set.pb at " << at;
        EXPECT_EQ(reader.error().code, ErrorCode::corrupt) << reader.error().message;
        EXPECT_NE(reader.error().message.find("member \"set.pb\": it appears twice"),
                  std::string::npos)
            << reader.error().message;
    }
}

// A ustar header block for a regular file `name` of `size` bytes.
std::vector<std::uint8_t> ustar_header(const std::string& name, std::uint64_t size) {
    std::vector<std::uint8_t> block(512, 0);
    const auto put = [&](std::size_t offset, const std::string& text) {
        std::copy(text.begin(), text.end(), block.begin() + static_cast<long>(offset));
    };
    const auto octal = [](std::uint64_t value, int digits) {
        char text[32];
        std::snprintf(text, sizeof text, "%0*llo", digits, static_cast<unsigned long long>(value));
        return std::string(text);
    };
    put(0, name);
    put(100, octal(0600, 7));
    put(108, octal(0, 7));
    put(116, octal(0, 7));
    put(124, octal(size, 11));
    put(136, octal(0, 11));
    put(148, "        ");  // the checksum counts its own field as spaces
    block[156] = '0';
    put(257, std::string("ustar\0"
                         "00",
                         8));
    unsigned sum = 0;
    for (const std::uint8_t byte : block)
        sum += byte;
    put(148, octal(sum, 6));
    block[154] = 0;
    return block;
}

TEST_F(TarSetTest, ASetRecordLargerThanItsBoundIsRefusedAsItIsRead) {
    // set.pb announcing one byte more than kMaxRecordBytes; its data is a hole of the file
    // (sparse on disk), so the test writes 512 bytes, not 64 MiB.
    const std::uint64_t size = kMaxRecordBytes + 1;
    const fs::path tar = work_ / "big-record.tar";
    {
        const auto header = ustar_header("set.pb", size);
        std::ofstream out(tar, std::ios::binary);
        out.write(reinterpret_cast<const char*>(header.data()),
                  static_cast<std::streamsize>(header.size()));
    }
    fs::resize_file(tar, 512 + (size + 511) / 512 * 512 + 1024);
    auto reader = open_tar_file(StorageIo::posix(), tar, spool_.path());
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::corrupt) << reader.error().message;
    EXPECT_NE(reader.error().message.find("set.pb of " + tar.string() + " is larger than 64 MiB"),
              std::string::npos)
        << reader.error().message;
    EXPECT_TRUE(is_empty_directory(spool_.path()));
}

TEST_F(TarSetTest, ASparseMemberIsRefused) {
    // GNU tar stores a file with a hole as a sparse member (pax GNU.sparse records).
    const fs::path source = work_ / "sparse-source";
    fs::create_directories(source / "payload");
    {
        std::ofstream out(source / "payload" / "a.pfx", std::ios::binary);
        out << std::string(512, 'a');
        out.seekp(1 << 20);
        out << std::string(512, 'b');
    }
    const fs::path tar = work_ / "sparse.tar";
    ASSERT_EQ(std::system(("tar --sparse --format=pax -cf '" + tar.string() + "' -C '" +
                           source.string() + "' payload/a.pfx")
                              .c_str()),
              0);
    auto reader = open_tar_file(StorageIo::posix(), tar, spool_.path());
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::corrupt) << reader.error().message;
    EXPECT_NE(
        reader.error().message.find("member \"payload/a.pfx\": it is a sparse file; a backup set "
                                    "holds none"),
        std::string::npos)
        << reader.error().message;
    EXPECT_TRUE(is_empty_directory(spool_.path()));
}

TEST_F(TarSetTest, LongAndNonAsciiNamesRoundTrip) {
    Items items = {
        {"Zertifikate/Schlüssel ö.pfx", pattern_bytes(100, 1)},
        {"名前/ファイル.bin", pattern_bytes(200, 2)},
        {std::string(120, 'n') + "/" + std::string(200, 'm'), pattern_bytes(300, 3)},
    };
    const TarSet made = make_tar_set(work_.path(), items);
    auto reader = open_bytes(made.bytes);
    ASSERT_TRUE(reader) << reader.error().message;
    expect_same_items(**reader, items);
}

TEST_F(TarSetTest, ATarFileIsReplacedOnlyByACompleteSet) {
    const fs::path tar = work_ / "export.tar";
    {
        auto writer = create_tar_file_set(StorageIo::posix(), tar, new_set(), spool_.path());
        ASSERT_TRUE(write_set(**writer, sample_items(20)));
    }
    const auto first = file_bytes(tar);
    {
        auto writer = create_tar_file_set(StorageIo::posix(), tar, new_set(), spool_.path());
        ASSERT_TRUE(write_item(**writer, "partial", pattern_bytes(50000, 3)));
        ASSERT_TRUE((*writer)->abort());
    }
    {
        auto writer = create_tar_file_set(StorageIo::posix(), tar, new_set(), spool_.path());
        ASSERT_TRUE(write_item(**writer, "partial", pattern_bytes(50000, 3)));
    }  // destroyed unfinished
    EXPECT_EQ(file_bytes(tar), first);
    EXPECT_TRUE(testing::hidden_entries(work_.path()).empty());

    auto writer = create_tar_file_set(StorageIo::posix(), tar, new_set(), spool_.path());
    auto second = write_set(**writer, sample_items(21));
    ASSERT_TRUE(second);
    auto reader = open_tar_file(StorageIo::posix(), tar, spool_.path());
    ASSERT_TRUE(reader);
    EXPECT_EQ((*reader)->record().set_id(), second->set_id());
}

TEST_F(TarSetTest, NotATarIsCorrupt) {
    auto reader = open_bytes(pattern_bytes(10000, 5));
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, ErrorCode::corrupt);
    auto empty = open_bytes({});
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, ErrorCode::corrupt);
    auto missing = open_tar_file(StorageIo::posix(), work_ / "none.tar", spool_.path());
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

}  // namespace
}  // namespace backup_host
