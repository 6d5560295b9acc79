// Private scratch space for tar streams: an item must be complete before its tar header (which
// holds its size) can be written, and a tar stream can only be verified once it has been read to
// its end, so both sides park bytes on disk, never in memory.
#pragma once

#include "certbackup/base/env.hpp"
#include "certbackup/base/error.hpp"
#include "certbackup/base/unique_fd.hpp"

namespace backup_host {

// $TMPDIR, or /tmp when it is not set.
std::filesystem::path default_spool_parent();

// An unnamed file in `parent` (O_TMPFILE, or a created and at once unlinked file where the file
// system lacks O_TMPFILE), open for reading and writing, mode 0600. It disappears when closed,
// also when the process dies, so a crash leaves nothing behind.
certbackup::Result<certbackup::UniqueFd> open_anonymous_file(const std::filesystem::path& parent);

// A new private (0700) directory "<parent>/<prefix>XXXXXX" (mkdtemp: never an existing one).
// The caller removes it.
certbackup::Result<std::filesystem::path> make_private_directory(
    const std::filesystem::path& parent, std::string_view prefix);

}  // namespace backup_host
