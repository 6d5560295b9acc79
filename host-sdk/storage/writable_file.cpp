#include "host-sdk/storage/writable_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "certbackup/base/unique_fd.hpp"
#include "certbackup/base/write_all.hpp"

namespace backup_host {

using certbackup::Env, certbackup::Error, certbackup::ErrorCode, certbackup::fail,
    certbackup::Result, certbackup::UniqueFd;
namespace fs = std::filesystem;

namespace {

std::unexpected<Error> io_error(std::string_view what, std::string_view name, int err) {
    return fail(err == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                std::string(what) + " " + std::string(name) + ": " + std::strerror(err));
}

class PosixWritableFile final : public WritableFile {
  public:
    PosixWritableFile(UniqueFd owned, int fd, std::string name)
        : owned_(std::move(owned)), fd_(fd), name_(std::move(name)) {}

    Result<void> append(std::span<const std::uint8_t> bytes) override {
        if (const int err = certbackup::write_all(fd_, bytes); err != 0)
            return io_error("cannot write", name_, err);
        return {};
    }

    Result<void> sync() override {
        if (::fsync(fd_) == 0)
            return {};
        // A pipe, socket or terminal has nothing to make durable.
        if (errno == EINVAL || errno == EROFS || errno == ENOTSUP)
            return {};
        return io_error("cannot fsync", name_, errno);
    }

    Result<void> close() override {
        fd_ = -1;
        if (owned_.valid() && owned_.close() != 0)
            return io_error("cannot close", name_, errno);
        return {};
    }

    const std::string& name() const override { return name_; }

  private:
    UniqueFd owned_;  // invalid for an adopted descriptor
    int fd_;
    std::string name_;
};

class PosixWritableFileSystem final : public WritableFileSystem {
  public:
    Result<std::unique_ptr<WritableFile>> create(const fs::path& path, mode_t mode) override {
        UniqueFd fd(
            ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
        if (!fd.valid())
            return io_error("cannot create", path.string(), errno);
        // The umask may have narrowed `mode`.
        if (::fchmod(fd.get(), mode) != 0)
            return io_error("cannot set mode of", path.string(), errno);
        const int raw = fd.get();
        return std::make_unique<PosixWritableFile>(std::move(fd), raw, path.string());
    }

    Result<std::unique_ptr<WritableFile>> adopt(int fd, std::string name) override {
        if (::fcntl(fd, F_GETFD) < 0)
            return io_error("cannot write to", name, errno);
        return std::make_unique<PosixWritableFile>(UniqueFd(), fd, std::move(name));
    }
};

}  // namespace

WritableFileSystem& WritableFileSystem::posix() {
    static PosixWritableFileSystem files;
    return files;
}

}  // namespace backup_host
