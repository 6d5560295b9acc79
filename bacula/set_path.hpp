// SPDX-License-Identifier: AGPL-3.0-only (see bacula/LICENSE)
//
// Which paths a set directory may hold, for files that come back from Bacula at restore time
// (hostile input: the catalog or a volume may have been tampered with). A file of a set is its
// record "set.pb" or an item at its name, and item names follow docs/STORAGE.md "Item names"
// (relative, no "." or "..", no control characters...). The rules are storage's own
// (host-sdk/storage/item_name.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace certbackup::bacula {

// nullopt when `relative` may be a file of a set directory, else why not (naming it).
std::optional<std::string> set_path_problem(std::string_view relative);

}  // namespace certbackup::bacula
