// The host's side of the one ErrorCode -> status table (certbackup/base/abi_status.hpp), whose
// status is what backup-host's exit code is made of (CLI.md "Exit codes"). An invalid argument
// that reaches the job runner came from a program (an item name a plugin chose, a record a
// program wrote), so it is the job's failure (exit 1).
#pragma once

#include <string>

#include "certbackup/base/abi_status.hpp"

namespace certbackup::host {

// An error met by the host itself or its runner (ArgumentSource::program). Commands that read
// the person's own words call certbackup::to_failure(error, ArgumentSource::user).
inline backup_host::Failure to_failure(const Error& error) {
    return certbackup::to_failure(error, ArgumentSource::program);
}

// The same, with "<context>: " in front of the message.
inline backup_host::Failure to_failure(const Error& error, const std::string& context) {
    return certbackup::to_failure(error.with_context(context), ArgumentSource::program);
}

}  // namespace certbackup::host
