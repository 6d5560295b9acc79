// SPDX-License-Identifier: AGPL-3.0-only (see bacula/LICENSE)
#include "spool_directory.hpp"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace certbackup::bacula {

std::optional<SpoolDirectory> SpoolDirectory::create(std::string& error) {
    std::error_code code;
    std::filesystem::path base = std::filesystem::temp_directory_path(code);
    if (code)
        base = "/tmp";
    std::string pattern = (base / "backup-host-bacula-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        error = "cannot create a spool directory in " + base.string() + ": " + std::strerror(errno);
        return std::nullopt;
    }
    return SpoolDirectory(std::filesystem::path(pattern));
}

SpoolDirectory& SpoolDirectory::operator=(SpoolDirectory&& other) noexcept {
    if (this != &other) {
        remove();
        path_ = std::move(other.path_);
        other.path_.clear();
    }
    return *this;
}

SpoolDirectory::~SpoolDirectory() {
    remove();
}

void SpoolDirectory::remove() noexcept {
    if (path_.empty())
        return;
    std::error_code ignored;  // best effort: nothing to report to once the job is gone
    std::filesystem::remove_all(path_, ignored);
    path_.clear();
}

}  // namespace certbackup::bacula
