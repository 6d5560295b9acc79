// Reading a set from a tar stream (a file, standard input, a pipe) in one pass.
//
// A stream can only be read once and in order, and its record comes last, so nothing can be
// trusted until the end. The reader therefore unpacks the whole stream into a private spool
// directory (0700, under `spool_parent`), hashing each member as it lands, then reads the record
// and checks every item against it, and only then hands over a SetReader on the spool directory
// (verify, then hand over). The spool is removed when that SetReader goes away, or at once on
// any failure.
//
// Refused, before any item is handed on: a stream that is not tar or is truncated or damaged
// (corrupt); one without set.pb (corrupt); a member whose name breaks the item-name rules
// (corrupt naming it: absolute, "..", ...), that is not a regular file (links, devices)
// or that appears twice (corrupt); a recorded item missing from the stream (not_found
// naming it); an item whose size or SHA-256 differs from the record, or a member the record does
// not list (corrupt naming it). Names are checked before anything is written, and only regular
// files and directories the reader creates itself are written, so no member can reach outside
// the spool. A leading "./" on member names is accepted (tar -C set-dir -cf - .), and set.pb
// need not be last (the writer puts it last; a re-packed set may not).
//
// Limits (TarLimits): the number of members and the bytes of item data a stream may hold. A
// stream that passes one is refused (corrupt) as soon as it does — a member header that announces
// more data than is left is refused before its data is read — and the spool is removed.
//
// Plain tar only (ustar, pax, GNU); a compressed stream must be decompressed first.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "host-sdk/storage/set_reader.hpp"
#include "host-sdk/storage/storage_io.hpp"

namespace backup_host {

// What one tar stream may hold (docs/STORAGE.md "Reading: verify, then hand over"; the host's
// [limits] configuration, docs/CLI.md). The defaults are far beyond any real set (a certificate
// set is megabytes, a files set of a host's configuration a few gigabytes with thousands of
// files) and bound the spool a hostile stream can fill.
struct TarLimits {
    std::uint64_t max_members = 1'000'000;                  // members of any type, set.pb included
    std::uint64_t max_item_bytes = std::uint64_t{1} << 40;  // 1 TiB of item data in all
};

// Reads the set in the tar file `tar_path`.
certbackup::Result<std::unique_ptr<SetReader>> open_tar_file(
    StorageIo io, const std::filesystem::path& tar_path, const std::filesystem::path& spool_parent,
    const TarLimits& limits = {});

// Reads the set from the descriptor `fd` (kept open and owned by the caller) to its end, and past
// the end of the archive to end-of-file, so that a writer on the other end of a pipe never gets a
// broken pipe for its final padding. `name` names the stream in messages ("standard input").
certbackup::Result<std::unique_ptr<SetReader>> open_tar_stream(
    StorageIo io, int fd, std::string name, const std::filesystem::path& spool_parent,
    const TarLimits& limits = {});

}  // namespace backup_host
