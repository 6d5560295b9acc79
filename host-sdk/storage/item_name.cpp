#include "host-sdk/storage/item_name.hpp"

#include <cstdint>

#include "certbackup/base/printable_text.hpp"

namespace backup_host {

using certbackup::Env, certbackup::Error, certbackup::ErrorCode, certbackup::fail,
    certbackup::Result;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxNameBytes = 4096;
constexpr std::size_t kMaxComponentBytes = 255;

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
        const std::size_t n = certbackup::decode_utf8_at(name, i).length;
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
        const std::size_t n = certbackup::decode_utf8_at(name, i).length;
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
