// Small POSIX helpers of the files plugin: an owned file descriptor and failures that name the
// path and the system's reason. Header-only; no state.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>

#include <backup_host/status.hpp>

namespace files_plugin {

// Owns one open file descriptor; closes it when destroyed. Move-only.
class FileDescriptor {
  public:
    FileDescriptor() = default;
    explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
    ~FileDescriptor() { reset(); }
    FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    FileDescriptor& operator=(FileDescriptor&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;

    int get() const noexcept { return fd_; }
    bool valid() const noexcept { return fd_ >= 0; }

    // Closes now and reports close(2)'s error, which can be the first sign of a failed write.
    int close() noexcept {
        const int result = fd_ >= 0 ? ::close(fd_) : 0;
        fd_ = -1;
        return result;
    }

  private:
    void reset() noexcept {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = -1;
    }
    int fd_ = -1;
};

// "cannot <what> <path>: <reason>"; a missing file is Status::not_found, the rest failed.
inline backup_host::Failure system_failure(const std::string& what,
                                           const std::filesystem::path& path, int error) {
    return backup_host::Failure{
        error == ENOENT ? backup_host::Status::not_found : backup_host::Status::failed,
        "cannot " + what + " " + path.string() + ": " + std::strerror(error)};
}

inline std::unexpected<backup_host::Failure> fail_system(const std::string& what,
                                                         const std::filesystem::path& path,
                                                         int error = errno) {
    return std::unexpected(system_failure(what, path, error));
}

// write(2) until all of `size` is written, retrying after EINTR and short writes.
inline bool write_all(int fd, const void* data, std::size_t size) {
    const char* bytes = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t written = ::write(fd, bytes, size);
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        bytes += written;
        size -= static_cast<std::size_t>(written);
    }
    return true;
}

}  // namespace files_plugin
