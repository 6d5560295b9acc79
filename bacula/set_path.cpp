// SPDX-License-Identifier: AGPL-3.0-only (see bacula/LICENSE)
#include "set_path.hpp"

#include "host-sdk/storage/item_name.hpp"

namespace certbackup::bacula {

std::optional<std::string> set_path_problem(std::string_view relative) {
    if (relative == ::backup_host::kRecordName)
        return std::nullopt;
    if (auto checked = ::backup_host::check_item_name(relative); !checked)
        return checked.error().message;
    return std::nullopt;
}

}  // namespace certbackup::bacula
