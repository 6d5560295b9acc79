#include "host-sdk/host/read_limits.hpp"

namespace certbackup::host {

backup_host::TarLimits tar_limits(const ReadLimits& limits) {
    backup_host::TarLimits tar;
    if (limits.tar_max_members)
        tar.max_members = *limits.tar_max_members;
    if (limits.tar_max_bytes)
        tar.max_item_bytes = *limits.tar_max_bytes;
    return tar;
}

}  // namespace certbackup::host
