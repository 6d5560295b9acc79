#include "host-sdk/storage/item_name.hpp"

#include <cstdint>

namespace backup_host {

using certbackup::Env, certbackup::Error, certbackup::ErrorCode, certbackup::fail,
    certbackup::Result;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxNameBytes = 4096;
constexpr std::size_t kMaxComponentBytes = 255;

// Length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when it is not one.
std::size_t utf8_sequence_length(std::string_view s) {
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
    const std::uint8_t b0 = byte(0);
    if (b0 < 0x80)
        return 1;
    std::size_t n = 0;
    std::uint8_t low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        n = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 3;
        if (b0 == 0xE0)
            low = 0xA0;
        if (b0 == 0xED)
            high = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4;
        if (b0 == 0xF0)
            low = 0x90;
        if (b0 == 0xF4)
            high = 0x8F;
    } else {
        return 0;
    }
    if (s.size() < n)
        return 0;
    if (byte(1) < low || byte(1) > high)
        return 0;
    for (std::size_t i = 2; i < n; ++i) {
        if (byte(i) < 0x80 || byte(i) > 0xBF)
            return 0;
    }
    return n;
}

bool is_control(std::uint8_t c) {
    return c < 0x20 || c == 0x7F;
}

std::unexpected<Error> bad_name(std::string_view name, std::string_view rule) {
    return fail(ErrorCode::invalid_argument,
                "item name " + quote_name(name) + " is not allowed: " + std::string(rule) +
                    " (item names are relative paths with \"/\" separators)");
}

}  // namespace

std::string quote_name(std::string_view name) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "\"";
    std::size_t i = 0;
    while (i < name.size()) {
        const auto c = static_cast<std::uint8_t>(name[i]);
        const std::size_t n = utf8_sequence_length(name.substr(i));
        if (n > 1) {
            out.append(name.substr(i, n));
            i += n;
            continue;
        }
        if (n == 1 && !is_control(c) && c != '"' && c != '\\') {
            out.push_back(static_cast<char>(c));
        } else {
            out += "\\x";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
        }
        ++i;
    }
    return out + "\"";
}

Result<void> check_item_name(std::string_view name) {
    if (name.empty())
        return bad_name(name, "it is empty");
    if (name.size() > kMaxNameBytes)
        return bad_name(name, "it is longer than 4096 bytes");
    for (std::size_t i = 0; i < name.size();) {
        const auto c = static_cast<std::uint8_t>(name[i]);
        if (c == 0)
            return bad_name(name, "it contains a NUL byte");
        if (is_control(c))
            return bad_name(name, "it contains a control character");
        if (c == '\\')
            return bad_name(name, "it contains a backslash");
        const std::size_t n = utf8_sequence_length(name.substr(i));
        if (n == 0)
            return bad_name(name, "it is not valid UTF-8");
        i += n;
    }
    if (name.front() == '/')
        return bad_name(name, "it is an absolute path");
    std::size_t start = 0;
    for (;;) {
        const std::size_t slash = name.find('/', start);
        const std::string_view component = name.substr(
            start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (component.empty())
            return bad_name(name, "it has an empty component (a doubled or trailing \"/\")");
        if (component == "." || component == "..")
            return bad_name(name, "it has a \".\" or \"..\" component");
        if (component.size() > kMaxComponentBytes)
            return bad_name(name, "a component is longer than 255 bytes");
        if (slash == std::string_view::npos)
            break;
        start = slash + 1;
    }
    if (name == kRecordName)
        return bad_name(name, "\"set.pb\" is the name of the set record");
    return {};
}

Result<void> ItemNameTree::add(std::string_view name) {
    if (auto checked = check_item_name(name); !checked)
        return checked;
    if (files_.contains(name))
        return fail(ErrorCode::invalid_argument,
                    "item " + quote_name(name) + " appears twice in the set");
    if (directories_.contains(name))
        return fail(ErrorCode::invalid_argument,
                    "item " + quote_name(name) +
                        " is also the directory of other items; an item name cannot be both");
    for (std::size_t slash = name.find('/'); slash != std::string_view::npos;
         slash = name.find('/', slash + 1)) {
        if (files_.contains(name.substr(0, slash)))
            return fail(ErrorCode::invalid_argument,
                        "item " + quote_name(name) + " lies under item " +
                            quote_name(name.substr(0, slash)) +
                            "; an item name cannot be both a file and a directory");
    }
    for (std::size_t slash = name.find('/'); slash != std::string_view::npos;
         slash = name.find('/', slash + 1))
        directories_.emplace(name.substr(0, slash));
    files_.emplace(name);
    return {};
}

}  // namespace backup_host
