// The files plugin's manifest: the list of directories and regular files of a backed-up tree
// with their metadata, stored as the item "manifest" after all file items (README.md has the
// format). Pure functions over values; thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <backup_host/status.hpp>

namespace files_plugin {

inline constexpr std::uint32_t manifest_format_version = 1;
inline constexpr std::string_view manifest_item = "manifest";
// File items are "tree/<escaped relative path>"; the prefix keeps them apart from "manifest".
inline constexpr std::string_view file_item_prefix = "tree/";

enum class EntryKind { directory, file };

struct Entry {
    EntryKind kind = EntryKind::file;
    // Relative to the backed-up root, '/'-separated, the bytes as the file system has them;
    // "." is the root itself. Never absolute, never with an empty, "." or ".." component.
    std::string path;
    mode_t mode = 0;  // permission bits, 07777
    std::int64_t mtime_seconds = 0;
    std::uint32_t mtime_nanoseconds = 0;
    std::uint64_t size = 0;  // files: bytes stored in the item; directories: 0
};

// Entries in tree order: the root "." first, every directory before what it contains.
struct Manifest {
    std::vector<Entry> entries;
};

// The item that holds a file entry's bytes.
std::string item_name(const Entry& entry);

// Text form of a path for manifests and item names: valid UTF-8 passes unchanged, except
// '%'; control bytes and bytes that are not UTF-8 become %XX. unescape_path reverses it.
std::string escape_path(std::string_view raw);
backup_host::Result<std::string> unescape_path(std::string_view text);

std::string serialize_manifest(const Manifest& manifest);

// Parses and checks a manifest: the version first (Status::unsupported for a newer one), then
// every line (Status::corrupt naming the line): paths safe to join to a restore target, no
// path twice, every entry's parent directory listed before it.
backup_host::Result<Manifest> parse_manifest(std::string_view text);

}  // namespace files_plugin
