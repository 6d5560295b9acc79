// The one owned POSIX file descriptor of the project, closed when the owner goes away.
// Move-only; not thread-safe.
#pragma once

#include <unistd.h>

#include <utility>

namespace certbackup {

class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    // Closes now and returns close(2)'s result (close can report a deferred write error).
    int close() { return fd_ >= 0 ? ::close(std::exchange(fd_, -1)) : 0; }
    void reset() { (void)close(); }

  private:
    int fd_ = -1;
};

}  // namespace certbackup
