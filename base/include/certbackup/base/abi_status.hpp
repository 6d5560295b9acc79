// How an Error crosses the plugin ABI (host-sdk/include/backup_host/plugin_abi.h): its code
// becomes a bh_status (backup_host::Status in the SDK's C++ wrappers), and the status gives the
// process's exit code (bh_status_exit_code: 0, 1, 2, 3, 4, 130; docs/CLI.md "Exit codes"). This
// is the one table from ErrorCode to status, and error_of below the one way back; nothing else
// translates.
//
//   not_found -> not_found (exit 1)      corrupt -> corrupt (4)
//   conflict -> conflict (1)             wrong_password, auth_failed -> wrong_password (3)
//   unsupported -> unsupported (1)       cancelled -> cancelled (130)
//   io -> failed (1)                     invalid_argument -> by ArgumentSource (below)
//
// The message is kept as it is. Thread-safe (pure functions).
#pragma once

#include <string_view>
#include <utility>

#include <backup_host/status.hpp>

#include "certbackup/base/error.hpp"

namespace certbackup {

// Whose mistake an invalid_argument is, which decides between exit 2 and exit 1.
enum class ArgumentSource {
    // The person's: a flag, an option, a configuration value -> bad_usage (exit 2). A plugin's
    // options and action arguments, the configuration file.
    user,
    // A program's: an item name a plugin chose, a record a program wrote -> failed (exit 1).
    // The host's storage and the job runner.
    program,
};

backup_host::Status abi_status(ErrorCode code, ArgumentSource source) noexcept;

backup_host::Failure to_failure(const Error& error, ArgumentSource source);

// `return to_unexpected(error, source)` in functions returning backup_host::Result<T>.
inline std::unexpected<backup_host::Failure> to_unexpected(const Error& error,
                                                           ArgumentSource source) {
    return std::unexpected(to_failure(error, source));
}

// A failure of the other side (a host service a plugin called) as an Error, for code that
// speaks Error: each status to the code that maps to it above (bad_usage to invalid_argument,
// failed and unknown statuses to io), the message kept.
Error error_of(const backup_host::Failure& failure);

}  // namespace certbackup
