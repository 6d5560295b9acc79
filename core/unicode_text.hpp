// Unicode text as certificates carry it: friendly names in PKCS#12 files are BMPStrings (UTF-16
// big-endian, RFC 7292; Windows and current writers put characters outside the Basic
// Multilingual Plane there as surrogate pairs) or, from some producers, UTF8String, and may hold
// anything a hostile or careless producer wrote.
//
// These routines are our own rather than OpenSSL's OPENSSL_uni2utf8 / OPENSSL_utf82uni because
// those differ between OpenSSL builds: Debian's 3.0.19-1~deb12u2 returns NULL for a BMPString
// that ends in a character from U+0800 on, and none of them encode surrogate pairs. Pure
// functions; no allocation beyond the returned strings.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace certbackup {

// `in` with every byte that does not start a well-formed UTF-8 sequence replaced by U+FFFD
// (overlong forms, surrogates and code points above U+10FFFF are not well-formed).
std::string valid_utf8(std::string_view in);

// UTF-16BE (a BMPString's bytes) as UTF-8. Surrogate pairs become one code point; a lone
// surrogate, and an odd trailing byte, become U+FFFD.
std::string utf16be_to_utf8(std::span<const std::uint8_t> in);

// UTF-8 as UTF-16BE, code points above U+FFFF as surrogate pairs. Bytes that are not
// well-formed UTF-8 are encoded as U+FFFD (as valid_utf8 would have replaced them).
std::vector<std::uint8_t> utf8_to_utf16be(std::string_view in);

// A friendly name made fit for a store, a terminal and a PKCS#12 file.
struct CleanName {
    std::string text;
    bool repaired = false;  // invalid UTF-8 or control characters were replaced
};

// Drops trailing NULs (Windows ends its names with one; that is not a repair), then replaces
// bytes that are not well-formed UTF-8 and control characters (C0, DEL, C1) with U+FFFD.
CleanName clean_friendly_name(std::string_view raw);

}  // namespace certbackup
