#include "manifest.hpp"

#include <charconv>
#include <cstdio>
#include <set>

namespace files_plugin {

using backup_host::fail;
using backup_host::Result;
using backup_host::Status;

namespace {

constexpr std::string_view header = "backup-host-files-manifest ";

// Length of the valid UTF-8 sequence starting at text[i] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 if there is none.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        if (lead == 0xe0)
            low = 0xa0;  // overlong
        if (lead == 0xed)
            high = 0x9f;  // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        if (lead == 0xf0)
            low = 0x90;  // overlong
        if (lead == 0xf4)
            high = 0x8f;  // above U+10FFFF
    } else {
        return 0;
    }
    if (i + length > text.size())
        return 0;
    if (byte(i + 1) < low || byte(i + 1) > high)
        return 0;
    for (std::size_t k = 2; k < length; ++k)
        if (byte(i + k) < 0x80 || byte(i + k) > 0xbf)
            return 0;
    return length;
}

void append_escaped_byte(std::string& out, unsigned char byte) {
    char hex[4];
    std::snprintf(hex, sizeof hex, "%%%02X", byte);
    out += hex;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

// A path that can be joined to a restore target without leaving it.
bool is_safe_relative_path(std::string_view path) {
    if (path == ".")
        return true;
    if (path.empty() || path.front() == '/')
        return false;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t slash = path.find('/', start);
        const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
        const std::string_view component = path.substr(start, end - start);
        if (component.empty() || component == "." || component == ".." ||
            component.find('\0') != std::string_view::npos)
            return false;
        start = end + 1;
    }
    return true;
}

std::string parent_of(std::string_view path) {
    const std::size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? "." : std::string(path.substr(0, slash));
}

template <typename Number>
bool parse_number(std::string_view text, Number& value, int base = 10) {
    if (text.empty())
        return false;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    return error == std::errc() && end == text.data() + text.size();
}

// Splits off the next space-separated field of `rest`.
std::string_view next_field(std::string_view& rest) {
    const std::size_t space = rest.find(' ');
    const std::string_view field = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    return field;
}

Result<Entry> parse_entry(std::string_view line, std::size_t number) {
    const auto bad = [&](const std::string& why) {
        return fail(Status::corrupt, "files manifest, line " + std::to_string(number) + ": " + why);
    };
    std::string_view rest = line;
    const std::string_view kind = next_field(rest);
    const std::string_view mode = next_field(rest);
    const std::string_view mtime = next_field(rest);
    const std::string_view size = next_field(rest);
    const std::string_view path = rest;  // the rest of the line: paths may contain spaces

    Entry entry;
    if (kind == "d")
        entry.kind = EntryKind::directory;
    else if (kind == "f")
        entry.kind = EntryKind::file;
    else
        return bad("unknown entry kind '" + std::string(kind) + "'");

    unsigned mode_bits = 0;
    if (mode.size() != 4 || !parse_number(mode, mode_bits, 8) || mode_bits > 07777)
        return bad("bad mode '" + std::string(mode) + "'");
    entry.mode = static_cast<mode_t>(mode_bits);

    const std::size_t dot = mtime.find('.');
    if (dot == std::string_view::npos || mtime.size() - dot - 1 != 9 ||
        !parse_number(mtime.substr(0, dot), entry.mtime_seconds) ||
        !parse_number(mtime.substr(dot + 1), entry.mtime_nanoseconds) ||
        entry.mtime_nanoseconds >= 1000000000u)
        return bad("bad modification time '" + std::string(mtime) + "'");

    if (!parse_number(size, entry.size) || (entry.kind == EntryKind::directory && entry.size != 0))
        return bad("bad size '" + std::string(size) + "'");

    auto raw_path = unescape_path(path);
    if (!raw_path)
        return bad(raw_path.error().message);
    if (!is_safe_relative_path(*raw_path))
        return bad("unsafe path '" + std::string(path) + "'");
    entry.path = std::move(*raw_path);
    if (entry.path == "." && entry.kind != EntryKind::directory)
        return bad("the root '.' must be a directory");
    return entry;
}

}  // namespace

std::string item_name(const Entry& entry) {
    return std::string(file_item_prefix) + escape_path(entry.path);
}

std::string escape_path(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size();) {
        const auto byte = static_cast<unsigned char>(raw[i]);
        if (byte == '%' || byte < 0x20 || byte == 0x7f) {
            append_escaped_byte(out, byte);
            ++i;
        } else if (byte < 0x80) {
            out += static_cast<char>(byte);
            ++i;
        } else if (const std::size_t length = utf8_sequence_length(raw, i); length > 0) {
            out.append(raw.substr(i, length));
            i += length;
        } else {
            append_escaped_byte(out, byte);
            ++i;
        }
    }
    return out;
}

Result<std::string> unescape_path(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size() || hex_value(text[i + 1]) < 0 || hex_value(text[i + 2]) < 0)
            return fail(Status::corrupt, "bad escape in path '" + std::string(text) + "'");
        const int high = hex_value(text[i + 1]);
        const int low = hex_value(text[i + 2]);
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return out;
}

std::string serialize_manifest(const Manifest& manifest) {
    std::string text = std::string(header) + std::to_string(manifest_format_version) + "\n";
    for (const Entry& entry : manifest.entries) {
        char fields[80];
        std::snprintf(fields, sizeof fields, "%c %04o %lld.%09u %llu ",
                      entry.kind == EntryKind::directory ? 'd' : 'f',
                      static_cast<unsigned>(entry.mode & 07777),
                      static_cast<long long>(entry.mtime_seconds), entry.mtime_nanoseconds,
                      static_cast<unsigned long long>(entry.size));
        text += fields;
        text += escape_path(entry.path);
        text += '\n';
    }
    return text;
}

Result<Manifest> parse_manifest(std::string_view text) {
    const std::size_t first_end = text.find('\n');
    const std::string_view first = text.substr(0, first_end);
    std::uint32_t version = 0;
    if (!first.starts_with(header) || !parse_number(first.substr(header.size()), version))
        return fail(Status::corrupt, "the item 'manifest' is not a files-plugin manifest");
    if (version != manifest_format_version)
        return fail(Status::unsupported,
                    "the files manifest has format version " + std::to_string(version) +
                        "; this files plugin reads version " +
                        std::to_string(manifest_format_version) + ": use a matching plugin");
    if (first_end == std::string_view::npos || !text.ends_with('\n'))
        return fail(Status::corrupt, "the files manifest is truncated");

    Manifest manifest;
    std::set<std::string> directories;
    std::set<std::string> seen;
    std::string_view rest = text.substr(first_end + 1);
    for (std::size_t number = 2; !rest.empty(); ++number) {
        const std::size_t end = rest.find('\n');
        auto entry = parse_entry(rest.substr(0, end), number);
        rest = rest.substr(end + 1);
        if (!entry)
            return std::unexpected(entry.error());
        const std::string where = "files manifest, line " + std::to_string(number) + ": ";
        if (manifest.entries.empty() != (entry->path == "."))
            return fail(Status::corrupt, where + "the root '.' must come first, once");
        if (entry->path != "." && directories.count(parent_of(entry->path)) == 0)
            return fail(Status::corrupt,
                        where + "'" + escape_path(entry->path) + "' comes before its directory");
        if (!seen.insert(entry->path).second)
            return fail(Status::corrupt,
                        where + "'" + escape_path(entry->path) + "' is listed twice");
        if (entry->kind == EntryKind::directory)
            directories.insert(entry->path);
        manifest.entries.push_back(std::move(*entry));
    }
    if (manifest.entries.empty())
        return fail(Status::corrupt, "the files manifest lists no root directory");
    return manifest;
}

}  // namespace files_plugin
