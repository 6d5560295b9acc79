// The files plugin's manifest format on its own: path escaping and the checks a restore
// relies on before it joins a path to its target.
#include "manifest.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace files_plugin {
namespace {

using backup_host::Status;

TEST(FilesManifest, EscapingKeepsUtf8AndRoundTripsAnyBytes) {
    EXPECT_EQ(escape_path("docs/\xc3\x9c"
                          "bersicht \xe2\x9c\x93.txt"),
              "docs/\xc3\x9c"
              "bersicht \xe2\x9c\x93.txt");
    EXPECT_EQ(escape_path("100%\n\t\x7f"), "100%25%0A%09%7F");
    // Not UTF-8: a lone continuation byte, an overlong form, a surrogate, a truncated lead.
    EXPECT_EQ(escape_path("\x80-\xc0\xaf-\xed\xa0\x80-\xe2\x9c"), "%80-%C0%AF-%ED%A0%80-%E2%9C");
    std::mt19937 generator(7);
    for (int round = 0; round < 200; ++round) {
        std::string raw(static_cast<std::size_t>(generator() % 40), '\0');
        for (char& byte : raw)
            byte = static_cast<char>(generator() & 0xff);
        auto back = unescape_path(escape_path(raw));
        ASSERT_TRUE(back);
        ASSERT_EQ(*back, raw);
    }
    EXPECT_FALSE(unescape_path("bad%4"));
    EXPECT_FALSE(unescape_path("bad%zz"));
}

TEST(FilesManifest, SerializedManifestParsesBack) {
    Manifest manifest;
    manifest.entries = {
        {EntryKind::directory, ".", 0755, 1600000000, 5, 0},
        {EntryKind::directory, "a dir", 0700, -5, 999999999, 0},
        {EntryKind::file, "a dir/x\ny", 04755, 1700000000, 0, 123},
    };
    const std::string text = serialize_manifest(manifest);
    EXPECT_EQ(text,
              "backup-host-files-manifest 1\n"
              "d 0755 1600000000.000000005 0 .\n"
              "d 0700 -5.999999999 0 a dir\n"
              "f 4755 1700000000.000000000 123 a dir/x%0Ay\n");
    auto parsed = parse_manifest(text);
    ASSERT_TRUE(parsed) << parsed.error().message;
    ASSERT_EQ(parsed->entries.size(), 3u);
    EXPECT_EQ(parsed->entries[2].path, "a dir/x\ny");
    EXPECT_EQ(parsed->entries[2].mode, 04755u);
    EXPECT_EQ(parsed->entries[1].mtime_seconds, -5);
    EXPECT_EQ(parsed->entries[1].mtime_nanoseconds, 999999999u);
    EXPECT_EQ(item_name(parsed->entries[2]), "tree/a dir/x%0Ay");
}

TEST(FilesManifest, RefusesWhatCouldEscapeTheTargetOrIsMalformed) {
    const std::string head = "backup-host-files-manifest 1\nd 0755 1.000000000 0 .\n";
    const struct {
        std::string text;
        std::string message;
    } cases[] = {
        {head + "f 0644 1.000000000 1 ../x\n", "files manifest, line 3: unsafe path '../x'"},
        {head + "f 0644 1.000000000 1 /etc/passwd\n",
         "files manifest, line 3: unsafe path '/etc/passwd'"},
        {head + "f 0644 1.000000000 1 a//b\n", "files manifest, line 3: unsafe path 'a//b'"},
        {head + "f 0644 1.000000000 1 a/./b\n", "files manifest, line 3: unsafe path 'a/./b'"},
        {head + "f 0644 1.000000000 1 x%00y\n", "files manifest, line 3: unsafe path 'x%00y'"},
        {head + "f 0644 1.000000000 1 %2E%2E/x\n",
         "files manifest, line 3: unsafe path '%2E%2E/x'"},
        {head + "f 0644 1.000000000 1 sub/x\n",
         "files manifest, line 3: 'sub/x' comes before its directory"},
        {head + "f 0644 1.000000000 1 x\nf 0644 1.000000000 1 x\n",
         "files manifest, line 4: 'x' is listed twice"},
        {head + "d 0755 1.000000000 0 .\n",
         "files manifest, line 3: the root '.' must come first, once"},
        {head + "l 0777 1.000000000 0 link\n", "files manifest, line 3: unknown entry kind 'l'"},
        {head + "f 9644 1.000000000 1 x\n", "files manifest, line 3: bad mode '9644'"},
        {head + "f 0644 1.5 1 x\n", "files manifest, line 3: bad modification time '1.5'"},
        {head + "f 0644 1.000000000 -1 x\n", "files manifest, line 3: bad size '-1'"},
        {head + "f 0644 1.000000000 1 x", "the files manifest is truncated"},
        {"backup-host-files-manifest 1\nf 0644 1.000000000 1 x\n",
         "files manifest, line 2: the root '.' must come first, once"},
        {"not a manifest\n", "the item 'manifest' is not a files-plugin manifest"},
    };
    for (const auto& c : cases) {
        auto parsed = parse_manifest(c.text);
        ASSERT_FALSE(parsed) << c.text;
        EXPECT_EQ(parsed.error().status, Status::corrupt) << c.text;
        EXPECT_EQ(parsed.error().message, c.message);
    }
    auto newer = parse_manifest("backup-host-files-manifest 2\n");
    ASSERT_FALSE(newer);
    EXPECT_EQ(newer.error().status, Status::unsupported);
}

}  // namespace
}  // namespace files_plugin
