// Who may change a store: the root directory of a certificate store holds private keys and the
// bindings that say which certificate serves which purpose, so another user who can write it
// can swap keys/ or bindings.toml under a restore or an import.
//
// A root certbackup creates is 0700 whatever the umask. An existing root is checked before it is
// used: owned by the effective user and not writable by group or others. Writing to a root that
// fails the check (restore, import, delete-unused, settings) is refused; reading it (list, show,
// backup, export) goes on with a warning. docs/CLI.md "Store directories".
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "certbackup/base/env.hpp"
#include "certbackup/base/error.hpp"

namespace certbackup {

enum class StoreAccess { read, write };

// Checks the existing directory `root` for `access`. Ok(nullopt) when it is safe; Ok(warning)
// when it is not and `access` is read; invalid_argument (exit 2) naming the directory, its mode
// or owner and the fix (chmod 700 / chown) when it is not and `access` is write.
Result<std::optional<std::string>> check_store_root(Env& env, const std::filesystem::path& root,
                                                    StoreAccess access);

}  // namespace certbackup
