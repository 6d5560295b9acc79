// The certificates plugin's side of the one ErrorCode -> status table
// (certbackup/base/abi_status.hpp): what reaches the plugin as an invalid argument came from the
// person (its options, an action's flags, a PFX given to import), so it is bad usage (exit 2).
#pragma once

#include "certbackup/base/abi_status.hpp"

namespace certbackup::plugin {

inline constexpr ArgumentSource kPluginArguments = ArgumentSource::user;

// `if (!r) return lift_error(r.error())` in functions returning backup_host::Result<T>.
inline std::unexpected<backup_host::Failure> lift_error(const Error& error) {
    return to_unexpected(error, kPluginArguments);
}

}  // namespace certbackup::plugin
