#include "host-sdk/storage/set_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "host-sdk/storage/location_layout.hpp"

namespace backup_host {

Result<SetLock> SetLock::acquire(const fs::path& location, std::string_view id) {
    const fs::path path = location / lock_file_name(id);
    // Each retry means a cleaner unlinked the file between our open and our flock; a handful is
    // plenty, a bound keeps a pathological race from spinning forever.
    for (int attempt = 0; attempt < 16; ++attempt) {
        UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd.valid())
            return fail(errno == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                        "cannot create lock file " + path.string() + ": " + std::strerror(errno));
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
            const int err = errno;
            if (err == EWOULDBLOCK)
                return fail(ErrorCode::conflict,
                            "set " + std::string(id) + " in " + location.string() +
                                " is being written or deleted by another process (it holds " +
                                path.string() + ")");
            return fail(ErrorCode::io, "cannot lock " + path.string() + ": " + std::strerror(err) +
                                           " (the backup location must be on a file system "
                                           "with flock support)");
        }
        struct stat held {
        }, linked{};
        if (::fstat(fd.get(), &held) != 0)
            return fail(ErrorCode::io,
                        "cannot stat " + path.string() + ": " + std::strerror(errno));
        if (::lstat(path.c_str(), &linked) == 0 && linked.st_dev == held.st_dev &&
            linked.st_ino == held.st_ino)
            return SetLock(path, std::move(fd));
    }
    return fail(ErrorCode::conflict, "cannot lock " + path.string() +
                                         ": the lock file keeps being replaced by another process");
}

Result<void> SetLock::release(Env& env) {
    if (!fd_.valid())
        return {};
    auto removed = env.remove_file(path_);
    fd_.reset();
    return removed;
}

}  // namespace backup_host
