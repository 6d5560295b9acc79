#include "host-sdk/storage/storage_target.hpp"

#include <sys/stat.h>

#include "host-sdk/storage/directory_set_writer.hpp"
#include "host-sdk/storage/spool.hpp"
#include "host-sdk/storage/tar_set_reader.hpp"
#include "host-sdk/storage/tar_set_writer.hpp"

namespace backup_host {

using certbackup::Env, certbackup::Error, certbackup::ErrorCode, certbackup::fail,
    certbackup::Result;
namespace fs = std::filesystem;

namespace {

fs::path spool_parent_of(const StorageOptions& options) {
    return options.spool_parent.empty() ? default_spool_parent() : options.spool_parent;
}

bool names_directory(const fs::path& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

Target parse_target(std::string_view text) {
    if (text == "-")
        return {TargetKind::tar_stream, {}};
    const fs::path path{std::string(text)};
    if (names_directory(path))
        return {TargetKind::directory, path};
    if (text.ends_with(".tar"))
        return {TargetKind::tar_file, path};
    return {TargetKind::directory, path};
}

Result<std::unique_ptr<SetWriter>> create_set_writer(StorageIo io, const Target& target,
                                                     NewSet info, const StorageOptions& options) {
    switch (target.kind) {
        case TargetKind::directory:
            return create_directory_set(io, target.path, std::move(info));
        case TargetKind::tar_file:
            return create_tar_file_set(io, target.path, std::move(info), spool_parent_of(options));
        case TargetKind::tar_stream:
            return create_tar_stream_set(io, options.output_fd, "standard output", std::move(info),
                                         spool_parent_of(options));
    }
    return fail(ErrorCode::invalid_argument, "unknown target kind");
}

Result<std::unique_ptr<SetReader>> open_set(StorageIo io, const Target& source,
                                            const StorageOptions& options) {
    switch (source.kind) {
        case TargetKind::directory:
            return open_set_directory(io.env, source.path);
        case TargetKind::tar_file:
            return open_tar_file(io, source.path, spool_parent_of(options), options.tar_limits);
        case TargetKind::tar_stream:
            return open_tar_stream(io, options.input_fd, "standard input", spool_parent_of(options),
                                   options.tar_limits);
    }
    return fail(ErrorCode::invalid_argument, "unknown source kind");
}

Result<SetListing> list_target(StorageIo io, const Target& location,
                               const StorageOptions& options) {
    if (location.kind == TargetKind::directory)
        return list_sets(io.env, location.path);
    auto reader = open_set(io, location, options);
    if (!reader)
        return std::unexpected(reader.error());
    SetListing listing;
    listing.sets.push_back({(*reader)->record().set_id(), location.path, (*reader)->record()});
    return listing;
}

}  // namespace backup_host
