#include "certbackup/base/write_all.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace certbackup {

int write_all(int fd, std::span<const std::uint8_t> bytes) noexcept {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        done += static_cast<std::size_t>(n);
    }
    return 0;
}

}  // namespace certbackup
