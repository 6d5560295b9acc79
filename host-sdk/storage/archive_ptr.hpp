// One RAII owner per libarchive object, so no error path of the tar reader or writer leaks one
// (as base/ossl.hpp does for OpenSSL): a std::unique_ptr whose deleter is the object's own free
// function.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <memory>

namespace backup_host {

template <typename T, auto Free>
struct ArchiveDeleter {
    void operator()(T* p) const noexcept { (void)Free(p); }
};

using ArchiveReadPtr = std::unique_ptr<archive, ArchiveDeleter<archive, archive_read_free>>;
using ArchiveWritePtr = std::unique_ptr<archive, ArchiveDeleter<archive, archive_write_free>>;
using ArchiveEntryPtr =
    std::unique_ptr<archive_entry, ArchiveDeleter<archive_entry, archive_entry_free>>;

}  // namespace backup_host
