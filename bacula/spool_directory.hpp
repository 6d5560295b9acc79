// SPDX-License-Identifier: AGPL-3.0-only (see bacula/LICENSE)
//
// A private temporary directory of the bridge (0700, mkdtemp below $TMPDIR or /tmp), removed
// with everything in it when the object goes away. Backups write their set into one before
// Bacula reads it; restores collect a set's files in one before the plugin imports it. So no
// set, partial or complete, outlives the Bacula job that made it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace certbackup::bacula {

class SpoolDirectory {
  public:
    // nullopt when the directory cannot be made; `error` then says why.
    static std::optional<SpoolDirectory> create(std::string& error);

    SpoolDirectory(SpoolDirectory&& other) noexcept : path_(std::move(other.path_)) {
        other.path_.clear();
    }
    SpoolDirectory& operator=(SpoolDirectory&& other) noexcept;
    SpoolDirectory(const SpoolDirectory&) = delete;
    SpoolDirectory& operator=(const SpoolDirectory&) = delete;
    ~SpoolDirectory();

    const std::filesystem::path& path() const noexcept { return path_; }

  private:
    explicit SpoolDirectory(std::filesystem::path path) : path_(std::move(path)) {}
    void remove() noexcept;
    std::filesystem::path path_;
};

}  // namespace certbackup::bacula
