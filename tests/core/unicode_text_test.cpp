// Friendly names as PKCS#12 files carry them: UTF-16BE with surrogate pairs, and the repairs
// made at import. The byte vectors are written out here, independent of any OpenSSL routine.
#include <gtest/gtest.h>

#include "certbackup/base/printable_text.hpp"
#include "core/unicode_text.hpp"

namespace certbackup {
namespace {

std::vector<std::uint8_t> bytes(std::initializer_list<int> values) {
    std::vector<std::uint8_t> out;
    for (int v : values)
        out.push_back(static_cast<std::uint8_t>(v));
    return out;
}

// "a日" (U+0061 U+65E5), "☺" (U+263A), "😀" (U+1F600 = D83D DE00), "Ω" (U+03A9).
const std::string kMixed = "a\xE6\x97\xA5 \xE2\x98\xBA \xF0\x9F\x98\x80 \xCE\xA9";
const std::vector<std::uint8_t> kMixedUtf16 =
    bytes({0x00, 0x61, 0x65, 0xE5, 0x00, 0x20, 0x26, 0x3A, 0x00, 0x20, 0xD8, 0x3D, 0xDE, 0x00, 0x00,
           0x20, 0x03, 0xA9});

TEST(UnicodeText, Utf16BeDecodesEveryPlaneIncludingSurrogatePairs) {
    EXPECT_EQ(utf16be_to_utf8(kMixedUtf16), kMixed);
    // A BMPString that ends in a character from U+0800 on (what Debian's OpenSSL 3.0.19 loses).
    EXPECT_EQ(utf16be_to_utf8(bytes({0x00, 0x61, 0x65, 0xE5})), "a\xE6\x97\xA5");
    EXPECT_EQ(utf16be_to_utf8(bytes({0x26, 0x3A})), "\xE2\x98\xBA");
    EXPECT_EQ(utf16be_to_utf8({}), "");
}

TEST(UnicodeText, Utf16BeReplacesLoneSurrogatesAndAnOddByte) {
    EXPECT_EQ(utf16be_to_utf8(bytes({0xD8, 0x3D, 0x00, 0x41})),
              "\xEF\xBF\xBD"
              "A");
    EXPECT_EQ(utf16be_to_utf8(bytes({0xDE, 0x00})), "\xEF\xBF\xBD");
    EXPECT_EQ(utf16be_to_utf8(bytes({0xD8, 0x3D})), "\xEF\xBF\xBD");
    EXPECT_EQ(utf16be_to_utf8(bytes({0x00, 0x41, 0x42})), "A\xEF\xBF\xBD");
}

TEST(UnicodeText, Utf8EncodesAsUtf16BeWithSurrogatePairs) {
    EXPECT_EQ(utf8_to_utf16be(kMixed), kMixedUtf16);
    EXPECT_EQ(utf8_to_utf16be("\xF4\x8F\xBF\xBF"), bytes({0xDB, 0xFF, 0xDF, 0xFF}));  // U+10FFFF
    EXPECT_EQ(utf8_to_utf16be("\xFF"), bytes({0xFF, 0xFD}));
    EXPECT_EQ(utf16be_to_utf8(utf8_to_utf16be(kMixed)), kMixed);
}

TEST(UnicodeText, ValidUtf8ReplacesEachBadByte) {
    EXPECT_EQ(valid_utf8(kMixed), kMixed);
    EXPECT_EQ(valid_utf8("a\xFF"
                         "b"),
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
    EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
    EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80"),  // above U+10FFFF
              "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(valid_utf8("\xE6\x97"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated
}

TEST(UnicodeText, CleanNameDropsTrailingNulsWithoutCallingItARepair) {
    const CleanName clean = clean_friendly_name(std::string("Server cert\0\0", 13));
    EXPECT_EQ(clean.text, "Server cert");
    EXPECT_FALSE(clean.repaired);
    EXPECT_EQ(clean_friendly_name(kMixed).text, kMixed);
    EXPECT_FALSE(clean_friendly_name(kMixed).repaired);
    EXPECT_EQ(clean_friendly_name("").text, "");
}

TEST(UnicodeText, CleanNameReplacesInvalidUtf8AndControlCharacters) {
    const CleanName bad_bytes = clean_friendly_name("caf\xE9 name");
    EXPECT_EQ(bad_bytes.text, "caf\xEF\xBF\xBD name");
    EXPECT_TRUE(bad_bytes.repaired);

    const CleanName controls =
        clean_friendly_name(std::string("a\x1B[31mb\tc\x7F"
                                        "d\xC2\x9B"
                                        "e\0f",
                                        16));
    EXPECT_EQ(controls.text,
              "a\xEF\xBF\xBD[31mb\xEF\xBF\xBD"
              "c\xEF\xBF\xBD"
              "d\xEF\xBF\xBD"
              "e\xEF\xBF\xBD"
              "f");
    EXPECT_TRUE(controls.repaired);
}

TEST(Printable, EscapesControlsBidiAndIllFormedBytesAndKeepsTheRest) {
    EXPECT_EQ(printable("plain text, Grüße, 日本, \\ and 🔐"), "plain text, Grüße, 日本, \\ and 🔐");
    EXPECT_EQ(printable("\x1b[31mred\x1b]0;t\x07"), "\\u001b[31mred\\u001b]0;t\\u0007");
    EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\u0000b");
    EXPECT_EQ(printable("del\x7f c1\xc2\x9b"), "del\\u007f c1\\u009b");
    EXPECT_EQ(printable("\xe2\x80\xae"
                        "exe \xe2\x81\xa6"
                        "x\xe2\x81\xa9"),
              "\\u202eexe \\u2066x\\u2069");
    EXPECT_EQ(printable("bad \xff\xc3 end"), "bad \\xff\\xc3 end");
    EXPECT_EQ(printable("two\nlines\tand\r"), "two\\u000alines\\u0009and\\u000d");
    EXPECT_EQ(printable("two\nlines\tand\r", LineBreaks::keep), "two\nlines\tand\\u000d");
}

}  // namespace
}  // namespace certbackup
