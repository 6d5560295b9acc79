// Job names: they name state and lock files (<state-dir>/<job>.json, <job>.lock) and are typed
// on command lines, so they are restricted to lower-case letters, digits, '-' and '_', start
// with a letter or digit, and are at most 64 characters long.
#pragma once

#include <string_view>

namespace backup_host {

inline constexpr std::size_t kMaxJobNameLength = 64;

bool is_valid_job_name(std::string_view name) noexcept;

}  // namespace backup_host
