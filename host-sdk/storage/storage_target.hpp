// Where a backup goes and where a restore comes from, as the command line names them
// (CLI.md: backup --to TARGET, restore SOURCE, sets LOCATION).
//
//   "-"                  a tar stream: standard output for a backup, standard input for a restore
//   an existing directory   a backup location for a backup (the set becomes LOCATION/<set-id>);
//                        a set directory for a restore
//   a path ending ".tar"  a tar file
//   anything else        a backup location to be created (backup), an error (restore)
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "host-sdk/storage/set_catalog.hpp"
#include "host-sdk/storage/set_reader.hpp"
#include "host-sdk/storage/set_writer.hpp"
#include "host-sdk/storage/storage_io.hpp"
#include "host-sdk/storage/tar_set_reader.hpp"

namespace backup_host {

enum class TargetKind { directory, tar_file, tar_stream };

struct Target {
    TargetKind kind = TargetKind::directory;
    std::filesystem::path path;  // empty for tar_stream
};

// Classifies the text of --to TARGET or SOURCE (see above).
Target parse_target(std::string_view text);

struct StorageOptions {
    std::filesystem::path spool_parent;  // where tar spools go; empty: default_spool_parent()
    int output_fd = 1;                   // the stream of a "-" backup
    int input_fd = 0;                    // the stream of a "-" restore
    TarLimits tar_limits;                // what a tar file or stream may hold
};

// Begins a set at `target` (directory: create_directory_set; tar file: create_tar_file_set;
// stream: create_tar_stream_set on options.output_fd, named "standard output").
certbackup::Result<std::unique_ptr<SetWriter>> create_set_writer(
    StorageIo io, const Target& target, NewSet info, const StorageOptions& options = {});

// Opens the set at `source` (set directory: open_set_directory; tar file: open_tar_file;
// stream: open_tar_stream on options.input_fd, named "standard input").
certbackup::Result<std::unique_ptr<SetReader>> open_set(StorageIo io, const Target& source,
                                                        const StorageOptions& options = {});

// Lists `location`: a directory's sets (list_sets), or the one set of a tar file or stream, read
// and verified as open_set does.
certbackup::Result<SetListing> list_target(StorageIo io, const Target& location,
                                           const StorageOptions& options = {});

}  // namespace backup_host
