#include "certbackup/base/env.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <openssl/crypto.h>

#include "certbackup/base/ossl.hpp"
#include "certbackup/base/unique_fd.hpp"
#include "certbackup/base/write_all.hpp"

namespace certbackup {
namespace {

Error io_error(std::string_view what, const fs::path& path, int err) {
    const ErrorCode code = (err == ENOENT) ? ErrorCode::not_found : ErrorCode::io;
    return Error{code, std::string(what) + " " + path.string() + ": " + std::strerror(err)};
}

class PosixEnv final : public Env {
  public:
    Result<std::vector<std::uint8_t>> read_file(const fs::path& path) override {
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (fd.get() < 0)
            return std::unexpected(io_error("cannot open", path, errno));
        std::vector<std::uint8_t> bytes;
        std::uint8_t chunk[65536];
        std::size_t used = 0;  // how much of the chunk any read has filled
        for (;;) {
            const ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                OPENSSL_cleanse(chunk, used);
                return std::unexpected(io_error("cannot read", path, errno));
            }
            if (n == 0)
                break;
            used = std::max(used, static_cast<std::size_t>(n));
            bytes.insert(bytes.end(), chunk, chunk + n);
        }
        // The chunk may have held key material; only what a read filled needs wiping (a store
        // file is a few KiB, and wiping 64 KiB per file was a tenth of a 10000-file listing).
        OPENSSL_cleanse(chunk, used);
        return bytes;
    }

    Result<void> write_file(const fs::path& path, std::span<const std::uint8_t> bytes,
                            mode_t mode) override {
        return write(path, bytes, mode, true);
    }

    Result<void> write_file_unsynced(const fs::path& path, std::span<const std::uint8_t> bytes,
                                     mode_t mode) override {
        return write(path, bytes, mode, false);
    }

    Result<void> sync_filesystem(const fs::path& path) override {
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (fd.get() < 0)
            return std::unexpected(io_error("cannot open", path, errno));
        if (::syncfs(fd.get()) != 0)
            return std::unexpected(io_error("cannot sync the file system of", path, errno));
        return {};
    }

  private:
    static Result<void> write(const fs::path& path, std::span<const std::uint8_t> bytes,
                              mode_t mode, bool sync) {
        UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
        if (fd.get() < 0)
            return std::unexpected(io_error("cannot create", path, errno));
        // The umask may have narrowed `mode`; an existing file keeps its old mode otherwise.
        if (::fchmod(fd.get(), mode) != 0)
            return std::unexpected(io_error("cannot set mode of", path, errno));
        if (const int err = write_all(fd.get(), bytes); err != 0)
            return std::unexpected(io_error("cannot write", path, err));
        if (sync && ::fsync(fd.get()) != 0)
            return std::unexpected(io_error("cannot fsync", path, errno));
        if (fd.close() != 0)
            return std::unexpected(io_error("cannot close", path, errno));
        return {};
    }

  public:
    Result<void> rename(const fs::path& from, const fs::path& to) override {
        if (::rename(from.c_str(), to.c_str()) != 0) {
            const int err = errno;
            return std::unexpected(Error{err == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                                         "cannot rename " + from.string() + " to " + to.string() +
                                             ": " + std::strerror(err)});
        }
        return {};
    }

    Result<void> sync_dir(const fs::path& dir) override {
        const fs::path target = dir.empty() ? fs::path(".") : dir;
        UniqueFd fd(::open(target.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (fd.get() < 0)
            return std::unexpected(io_error("cannot open directory", target, errno));
        if (::fsync(fd.get()) != 0)
            return std::unexpected(io_error("cannot fsync directory", target, errno));
        return {};
    }

    Result<void> remove_file(const fs::path& path) override {
        if (::unlink(path.c_str()) != 0 && errno != ENOENT)
            return std::unexpected(io_error("cannot remove", path, errno));
        return {};
    }

    Result<void> remove_tree(const fs::path& path) override {
        std::error_code ec;
        fs::remove_all(path, ec);
        if (ec)
            return fail(ErrorCode::io, "cannot remove " + path.string() + ": " + ec.message());
        return {};
    }

    Result<void> create_dir(const fs::path& path, mode_t mode) override {
        if (::mkdir(path.c_str(), mode) == 0) {
            if (::chmod(path.c_str(), mode) != 0)
                return std::unexpected(io_error("cannot set mode of", path, errno));
            return {};
        }
        const int err = errno;
        struct stat st {};
        if (err == EEXIST && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
            return {};
        if (err == EEXIST)
            return fail(ErrorCode::io, "cannot create directory " + path.string() +
                                           ": a file of that name exists");
        return std::unexpected(io_error("cannot create directory", path, err));
    }

    Result<void> set_mode(const fs::path& path, mode_t mode) override {
        if (::chmod(path.c_str(), mode) != 0)
            return std::unexpected(io_error("cannot set mode of", path, errno));
        return {};
    }

    Result<std::vector<std::string>> list_dir(const fs::path& dir) override {
        DIR* d = ::opendir(dir.c_str());
        if (d == nullptr)
            return std::unexpected(io_error("cannot list", dir, errno));
        std::vector<std::string> names;
        errno = 0;
        while (dirent* e = ::readdir(d)) {
            const std::string_view name = e->d_name;
            if (name != "." && name != "..")
                names.emplace_back(name);
        }
        const int err = errno;
        ::closedir(d);
        if (err != 0)
            return std::unexpected(io_error("cannot list", dir, err));
        std::sort(names.begin(), names.end());
        return names;
    }

    bool exists(const fs::path& path) override {
        struct stat st {};
        return ::lstat(path.c_str(), &st) == 0;
    }

    Result<std::optional<FileLock>> lock_file(const fs::path& path,
                                              const LockRequest& request) override {
        return FileLock::acquire(path, request);
    }
};

}  // namespace

Env& Env::posix() {
    static PosixEnv env;
    return env;
}

Result<FileStatus> Env::status(const fs::path& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0)
        return std::unexpected(io_error("cannot stat", path, errno));
    return FileStatus{static_cast<mode_t>(info.st_mode & 07777), info.st_uid};
}

Result<FileLock> lock_existing(Env& env, const fs::path& path, LockMode mode) {
    auto lock = env.lock_file(path, LockRequest{.mode = mode, .wait = true, .create = false});
    if (!lock)
        return std::unexpected(lock.error());
    return std::move(**lock);
}

fs::path temp_sibling(const fs::path& path) {
    std::uint8_t nonce[8];
    if (!ossl::random_bytes(nonce)) {
        // Uniqueness, not secrecy, is what matters here; fall back to the pid and address.
        const auto fallback =
            static_cast<std::uint64_t>(::getpid()) ^ reinterpret_cast<std::uintptr_t>(&nonce);
        std::memcpy(nonce, &fallback, sizeof nonce);
    }
    return path.parent_path() / ("." + path.filename().string() + ".tmp-" + ossl::to_hex(nonce));
}

bool is_temp_name(std::string_view name) {
    return name.starts_with(".") && name.find(".tmp-") != std::string_view::npos;
}

Result<void> atomic_write(Env& env, const fs::path& path, std::span<const std::uint8_t> bytes,
                          mode_t mode) {
    const fs::path temp = temp_sibling(path);
    if (auto written = env.write_file(temp, bytes, mode); !written) {
        (void)env.remove_file(temp);
        return written;
    }
    if (auto renamed = env.rename(temp, path); !renamed) {
        (void)env.remove_file(temp);
        return renamed;
    }
    return env.sync_dir(path.parent_path());
}

Result<void> create_dirs(Env& env, const fs::path& path, mode_t mode) {
    if (path.empty())
        return {};
    if (env.exists(path))
        return env.create_dir(path, mode);
    if (path.has_parent_path() && path.parent_path() != path) {
        if (auto parent = create_dirs(env, path.parent_path(), mode); !parent)
            return parent;
    }
    return env.create_dir(path, mode);
}

}  // namespace certbackup
