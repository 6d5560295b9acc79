// Files written in pieces: the streaming counterpart of core's Env (whose write_file writes a whole
// file at once), after leveldb's WritableFile. Items can be large, so they stream through this
// seam; it is the second place, next to Env, where tests inject failures.
//
// Contract: every method is one step that either happens or fails with an Error naming the file;
// none throws. A WritableFile is used by one thread at a time; a WritableFileSystem is
// thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "certbackup/base/env.hpp"
#include "certbackup/base/error.hpp"

namespace backup_host {

class WritableFile {
  public:
    // Closes the file if close() was not called (without reporting errors: call close()).
    virtual ~WritableFile() = default;
    // Writes all of `bytes` at the end of what was written so far.
    virtual certbackup::Result<void> append(std::span<const std::uint8_t> bytes) = 0;
    // Makes what was written durable (fsync). On a pipe or terminal there is nothing to make
    // durable and this succeeds.
    virtual certbackup::Result<void> sync() = 0;
    // Closes the file, reporting a deferred write error. An adopted descriptor is not closed.
    // No call but the destructor may follow.
    virtual certbackup::Result<void> close() = 0;
    // What the file is, for messages (its path, or the name given to adopt()).
    virtual const std::string& name() const = 0;
};

class WritableFileSystem {
  public:
    virtual ~WritableFileSystem() = default;
    // Creates a new regular file with permission bits `mode` (exactly, whatever the umask).
    // Fails if `path` exists (also as a dangling symbolic link): it never writes through a link.
    virtual certbackup::Result<std::unique_ptr<WritableFile>> create(
        const std::filesystem::path& path, mode_t mode) = 0;
    // Writes to an open descriptor the caller keeps owning (stdout, a pipe). `name` is used in
    // messages ("standard output").
    virtual certbackup::Result<std::unique_ptr<WritableFile>> adopt(int fd, std::string name) = 0;

    // The process-wide POSIX implementation.
    static WritableFileSystem& posix();
};

}  // namespace backup_host
