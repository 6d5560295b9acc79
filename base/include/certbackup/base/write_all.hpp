// Writing a whole buffer to a POSIX file descriptor: the one write(2) loop of the project.
#pragma once

#include <cstdint>
#include <span>

namespace certbackup {

// Calls write(2) until all of `bytes` is written, going on after short writes and EINTR.
// Returns 0, or the errno of the write that failed (errno is left as that write set it).
// Thread-safe as write(2) is; the descriptor is borrowed.
int write_all(int fd, std::span<const std::uint8_t> bytes) noexcept;

}  // namespace certbackup
