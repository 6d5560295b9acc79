// What backup-host does to its own process before it reads a password: no core dumps. A core file
// of a crashed restore would hold the password and decrypted private keys, readable by whoever
// reads the dump directory; a ptrace attach by another process of the same user is refused too.
#pragma once

#include "certbackup/base/error.hpp"

namespace certbackup::host {

// Sets the core-file limit to 0 (soft and hard) and marks the process not dumpable
// (PR_SET_DUMPABLE 0, which also forbids ptrace by non-root processes of the same user).
// Fails with io naming the call that failed; the caller warns and goes on.
Result<void> disable_core_dumps();

}  // namespace certbackup::host
