// Item names and set ids: the rules that keep every set inside its own directory.
#include <gtest/gtest.h>

#include "host-sdk/storage/item_name.hpp"
#include "host-sdk/storage/location_layout.hpp"
#include "host-sdk/storage/set_id.hpp"

namespace backup_host {
namespace {

using certbackup::Env, certbackup::Error, certbackup::ErrorCode, certbackup::fail,
    certbackup::Result;
namespace fs = std::filesystem;

using namespace std::string_literals;

TEST(ItemName, AcceptsRelativeSlashSeparatedUtf8Paths) {
    for (const std::string& name :
         {"a"s, "manifest.pb"s, "certificates/database-main-0123456789abcdef.pfx"s, ".hidden"s,
          "dir/.profile"s, "a/b/c/d"s, "..."s, "a..b"s, "set.pb.old"s, "sub/set.pb"s,
          "Zertifikate/Schlüssel ö.pfx"s, "名前/ファイル"s, "emoji-\xF0\x9F\x94\x91"s,
          std::string(255, 'x'), "spaces are fine"s}) {
        EXPECT_TRUE(check_item_name(name)) << name;
    }
}

TEST(ItemName, RefusesNamesThatCouldLeaveTheSetNamingTheItemAndTheRule) {
    const struct {
        std::string name;
        std::string rule;
    } cases[] = {
        {"", "empty"},
        {"/etc/passwd", "absolute"},
        {"../escape", "\"..\""},
        {"a/../../b", "\"..\""},
        {"..", "\"..\""},
        {".", "\".\""},
        {"./a", "\".\""},
        {"a//b", "empty component"},
        {"a/", "empty component"},
        {"a\\..\\b", "backslash"},
        {"a\0b"s, "NUL"},
        {"line\nbreak", "control character"},
        {"bell\x07", "control character"},
        {"del\x7f", "control character"},
        {"bad\xff", "UTF-8"},
        {"overlong\xC0\xAF", "UTF-8"},
        {"surrogate\xED\xA0\x80", "UTF-8"},
        {"cut\xE2\x82", "UTF-8"},
        {"set.pb", "set record"},
        {std::string(256, 'x'), "255 bytes"},
        {std::string(2049, 'a') + "/" + std::string(2049, 'b'), "4096 bytes"},
    };
    for (const auto& c : cases) {
        auto checked = check_item_name(c.name);
        ASSERT_FALSE(checked) << quote_name(c.name);
        EXPECT_EQ(checked.error().code, ErrorCode::invalid_argument);
        EXPECT_NE(checked.error().message.find(c.rule), std::string::npos)
            << checked.error().message;
        if (c.name.size() < 100) {
            EXPECT_NE(checked.error().message.find(quote_name(c.name)), std::string::npos)
                << checked.error().message;
        }
    }
}

TEST(ItemName, QuoteEscapesWhatATerminalWouldInterpret) {
    EXPECT_EQ(quote_name("plain/ü"), "\"plain/ü\"");
    EXPECT_EQ(quote_name("a\nb\x1b[31m\xff\"\\"), "\"a\\x0ab\\x1b[31m\\xff\\x22\\x5c\"");
}

TEST(ItemNameTree, RefusesDuplicatesAndNamesThatAreBothFileAndDirectory) {
    ItemNameTree tree;
    ASSERT_TRUE(tree.add("a/b"));
    ASSERT_TRUE(tree.add("a/c"));
    ASSERT_TRUE(tree.add("d"));
    auto duplicate = tree.add("a/b");
    ASSERT_FALSE(duplicate);
    EXPECT_NE(duplicate.error().message.find("\"a/b\" appears twice"), std::string::npos);
    auto file_over_directory = tree.add("a");
    ASSERT_FALSE(file_over_directory);
    EXPECT_NE(file_over_directory.error().message.find("directory"), std::string::npos);
    auto directory_over_file = tree.add("d/e");
    ASSERT_FALSE(directory_over_file);
    EXPECT_NE(directory_over_file.error().message.find("\"d\""), std::string::npos);
    EXPECT_FALSE(tree.add("../x"));
    EXPECT_EQ(tree.size(), 3u);
    EXPECT_TRUE(tree.contains("a/c"));
    EXPECT_FALSE(tree.contains("a"));
}

TEST(SetId, HasTheDocumentedFormAndSortsByTime) {
    using namespace std::chrono;
    const SystemTime t1 = sys_days{year{2026} / 11 / 27} + hours{12} + minutes{50};
    const std::string id1 = make_set_id(t1);
    EXPECT_TRUE(id1.starts_with("20261127T125000Z-")) << id1;
    EXPECT_TRUE(is_set_id(id1)) << id1;
    const std::string id2 = make_set_id(t1 + seconds{1});
    EXPECT_LT(id1, id2);
    EXPECT_NE(make_set_id(t1), make_set_id(t1));  // 1 in 16.7 million to collide
    EXPECT_EQ(format_rfc3339_utc(t1), "2026-11-27T12:50:00Z");

    EXPECT_FALSE(is_set_id("20261127T125000Z-3FA2C1"));  // upper-case hex
    EXPECT_FALSE(is_set_id("20261127T125000Z-3fa2c"));
    EXPECT_FALSE(is_set_id("20261127T125000-3fa2c1"));
    EXPECT_FALSE(is_set_id(".20261127T125000Z-3fa2c1.partial"));
    EXPECT_FALSE(is_set_id(""));
}

TEST(LocationLayout, ClassifiesEntriesOfALocation) {
    const std::string id = "20261127T125000Z-3fa2c1";
    EXPECT_EQ(classify_location_entry(id).kind, LocationEntryKind::set);
    for (const auto& [name, kind] : {std::pair{partial_dir_name(id), LocationEntryKind::partial},
                                     std::pair{deleting_dir_name(id), LocationEntryKind::deleting},
                                     std::pair{lock_file_name(id), LocationEntryKind::lock}}) {
        const auto entry = classify_location_entry(name);
        EXPECT_EQ(entry.kind, kind) << name;
        EXPECT_EQ(entry.id, id) << name;
    }
    EXPECT_EQ(partial_dir_name(id), "." + id + ".partial");
    for (const std::string& other : {"notes.txt"s, ".x.partial"s, ".20261127T125000Z-3fa2c1.tmp"s,
                                     "20261127T125000Z-3fa2c1.tar"s, ".20261127T125000Z-3fa2c1"s})
        EXPECT_EQ(classify_location_entry(other).kind, LocationEntryKind::other) << other;
}

}  // namespace
}  // namespace backup_host
