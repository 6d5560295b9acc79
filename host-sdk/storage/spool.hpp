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

// How open_anonymous_file makes its file. `unlinked_file` is what a file system without O_TMPFILE
// gets; tests choose it to run that path on any file system.
enum class AnonymousFileMethod {
    tmpfile_else_unlinked,  // O_TMPFILE where the file system has it
    unlinked_file,          // a created and at once unlinked file
};

// An unnamed file in `parent` (O_TMPFILE, or a created and at once unlinked file where the file
// system lacks O_TMPFILE), open for reading and writing, mode 0600. It disappears when closed,
// also when the process dies, so a crash leaves nothing behind (with an unlinked file, a crash
// between its creation and its unlink, two calls apart, can leave one ".backup-host-spool-*").
certbackup::Result<certbackup::UniqueFd> open_anonymous_file(
    const std::filesystem::path& parent,
    AnonymousFileMethod method = AnonymousFileMethod::tmpfile_else_unlinked);

// A new private (0700) directory "<parent>/<prefix>XXXXXX" (mkdtemp: never an existing one).
// The caller removes it.
certbackup::Result<std::filesystem::path> make_private_directory(
    const std::filesystem::path& parent, std::string_view prefix);

}  // namespace backup_host
