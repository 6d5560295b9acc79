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
// Plain tar only (ustar, pax, GNU); a compressed stream must be decompressed first.
#pragma once

#include <memory>
#include <string>

#include "host-sdk/storage/set_reader.hpp"
#include "host-sdk/storage/storage_io.hpp"

namespace backup_host {

// Reads the set in the tar file `tar_path`.
certbackup::Result<std::unique_ptr<SetReader>> open_tar_file(
    StorageIo io, const std::filesystem::path& tar_path, const std::filesystem::path& spool_parent);

// Reads the set from the descriptor `fd` (kept open and owned by the caller) to its end, and past
// the end of the archive to end-of-file, so that a writer on the other end of a pipe never gets a
// broken pipe for its final padding. `name` names the stream in messages ("standard input").
certbackup::Result<std::unique_ptr<SetReader>> open_tar_stream(
    StorageIo io, int fd, std::string name, const std::filesystem::path& spool_parent);

}  // namespace backup_host
