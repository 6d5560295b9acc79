// Walking the tree to back up: the manifest of its directories and regular files, in tree
// order (each directory's entries sorted by name, so the same tree gives the same manifest).
#pragma once

#include <cstdint>
#include <filesystem>

#include <backup_host/plugin/host.hpp>
#include <backup_host/status.hpp>

#include "manifest.hpp"

namespace files_plugin {

struct ScanTotals {
    std::uint64_t directories = 0;
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;    // sizes of the regular files as listed
    std::uint64_t skipped = 0;  // symbolic links, devices, sockets, FIFOs
};

// Lists `root` (a directory; a symbolic link to one is followed, links below it are not).
// Entries of other types are skipped with a warning in the host's log naming each. Fails
// with Status::bad_usage when root is not a directory, with the system's reason naming the
// path when a directory cannot be read, and with Status::cancelled when the host asks.
// Sizes and times are those seen now; the backup records what it actually reads.
backup_host::Result<Manifest> scan_tree(const std::filesystem::path& root,
                                        const backup_host::Host& host, ScanTotals& totals);

}  // namespace files_plugin
