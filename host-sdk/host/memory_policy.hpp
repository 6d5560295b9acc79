// How backup-host's allocator gives memory back to the system (glibc malloc).
//
// A restore of thousands of certificates frees buffers of megabytes (the payload, the decoded
// PFX, its decrypted safes) while it builds many small ones. By default glibc raises its mmap
// threshold to the size of the largest mapped buffer freed, so the next large buffers come from
// the heap, where, once freed between small live ones, they stay with the process. A fixed
// threshold keeps every buffer of 256 KiB or more in a mapping of its own, unmapped when freed.
// Measured on a restore of a 10000-certificate bundle: peak RSS 65.8 -> 59.3 MiB (bench/README.md).
// The policy is the process's: plugins loaded into another program (bacula-fd) leave it alone.
#pragma once

namespace certbackup::host {

// Called once at start, before any thread exists. Does nothing where malloc is not glibc's.
void set_memory_policy() noexcept;

}  // namespace certbackup::host
