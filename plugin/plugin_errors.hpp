// The certificates plugin's bridge between core's errors and the host ABI's failures.
#pragma once

#include <backup_host/status.hpp>

#include "core/error.hpp"

namespace certbackup::plugin {

// wrong_password and auth_failed -> wrong_password (exit 3); corrupt -> corrupt (exit 4);
// invalid_argument -> bad_usage (exit 2); cancelled -> cancelled (exit 130); the others keep
// their meaning (exit 1).
backup_host::Status to_status(ErrorCode code) noexcept;

inline backup_host::Failure to_failure(const Error& error) {
    return {to_status(error.code), error.message};
}

// `return lift(result)` / `if (!r) return lift_error(r.error())` in functions returning
// backup_host::Result<T>.
inline std::unexpected<backup_host::Failure> lift_error(const Error& error) {
    return std::unexpected(to_failure(error));
}

}  // namespace certbackup::plugin
