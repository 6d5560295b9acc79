// From certbackup's Error (core, storage, password source) to the SDK's Failure, whose status
// is what backup-host's exit code is made of (CLI.md: 0, 1, 2, 3, 4, 130).
#pragma once

#include <backup_host/status.hpp>

#include "core/error.hpp"

namespace certbackup::host {

// corrupt -> corrupt (exit 4); wrong_password, auth_failed -> wrong_password (3); cancelled ->
// cancelled (130); not_found, conflict, unsupported -> the same (1); invalid_argument, io ->
// failed (1). The message is kept.
backup_host::Status status_for(ErrorCode code) noexcept;

backup_host::Failure to_failure(const Error& error);

// The same, with "<context>: " in front of the message.
backup_host::Failure to_failure(const Error& error, const std::string& context);

}  // namespace certbackup::host
