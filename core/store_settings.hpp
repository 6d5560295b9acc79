// The certificate manager's settings, kept in the store (`<store>/settings.toml`): whether an
// export writes one file per certificate or one file for all, and the storage location of
// exports. Backups read `per_certificate_files` as their default too.
//
//   format = 1
//   per_certificate_files = false
//   location = "/var/backups/certificates"   # absent: not set
//
// A missing file means the defaults. Errors name "<file>:<line>:<column>" and what to do.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "certbackup/base/env.hpp"
#include "certbackup/base/error.hpp"

namespace certbackup {

struct StoreSettings {
    bool per_certificate_files = false;
    std::optional<std::filesystem::path> location;

    friend bool operator==(const StoreSettings&, const StoreSettings&) = default;
};

Result<StoreSettings> parse_store_settings(std::string_view text, std::string_view origin);
std::string format_store_settings(const StoreSettings& settings);

// Reads `file`; a missing file gives the defaults.
Result<StoreSettings> read_store_settings(Env& env, const std::filesystem::path& file);
// Replaces `file` atomically (0600).
Result<void> write_store_settings(Env& env, const std::filesystem::path& file,
                                  const StoreSettings& settings);

}  // namespace certbackup
