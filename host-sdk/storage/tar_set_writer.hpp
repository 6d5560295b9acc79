// The tar target: a set as one tar stream, into a file or onto an open descriptor (standard
// output), so that another backup tool can carry it (restic --stdin, Bacula's bpipe, borg
// import-tar).
//
// Format: POSIX pax in libarchive's "restricted" form: plain ustar headers wherever ustar can
// express the member (every tar reader understands them), a pax extended header only where it
// cannot (names over 100/255 bytes, non-ASCII names, items over 8 GiB). Full pax would add an
// extended header to every member for nothing; plain ustar would cap names and sizes; GNU tar's
// format is not a standard. Members are regular files, mode 0600, owner 0:0, mtime the set's
// creation time; the items in the order written, then the record `set.pb` as the LAST member:
// extracting the stream into a directory gives the set directory layout.
//
// A tar header holds its member's size, so each item is parked in an unnamed spool file (gone
// when closed, also on a crash) until end_item, then copied into the stream: memory stays
// bounded, the spool holds one item at a time.
//
// Into a file: the stream goes to a temporary sibling (core's temp_sibling) that commit fsyncs
// and renames over the file (replacing an earlier one atomically), then fsyncs the directory;
// abort removes the temporary. Onto a descriptor: abort stops writing, and the stream lacks its
// end and its record, which every reader refuses.
#pragma once

#include <memory>
#include <string>

#include "host-sdk/storage/set_writer.hpp"
#include "host-sdk/storage/storage_io.hpp"

namespace backup_host {

// Begins a set written to the tar file `tar_path` (its directory must exist). Item spool files
// go to `spool_parent`.
certbackup::Result<std::unique_ptr<SetWriter>> create_tar_file_set(
    StorageIo io, const std::filesystem::path& tar_path, NewSet info,
    const std::filesystem::path& spool_parent);

// Begins a set written as a tar stream to `fd`, which the caller keeps owning and must keep open
// until commit or abort returns; `name` names it in messages ("standard output").
certbackup::Result<std::unique_ptr<SetWriter>> create_tar_stream_set(
    StorageIo io, int fd, std::string name, NewSet info, const std::filesystem::path& spool_parent);

}  // namespace backup_host
