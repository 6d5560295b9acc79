// What backup-host reads from one tar file or stream (restore, verify, sets of FILE.tar or -):
// the [limits] table of the configuration (docs/CLI.md "Configuration"). A key left unset keeps
// storage's default (host-sdk/storage/tar_set_reader.hpp, TarLimits); a stream that passes a
// limit is refused as corrupt (exit 4) as soon as it does, and its spool is removed.
#pragma once

#include <cstdint>
#include <optional>

#include "host-sdk/storage/tar_set_reader.hpp"

namespace certbackup::host {

struct ReadLimits {
    std::optional<std::uint64_t> tar_max_members;  // members of any type, set.pb included
    std::optional<std::uint64_t> tar_max_bytes;    // bytes of item data in all
};

// Storage's limits for reading a tar: the keys set in `limits`, storage's defaults for the rest.
backup_host::TarLimits tar_limits(const ReadLimits& limits);

}  // namespace certbackup::host
