#include "host-sdk/storage/spool.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "host-sdk/storage/private_modes.hpp"

namespace backup_host {

using certbackup::Env, certbackup::Error, certbackup::ErrorCode, certbackup::fail,
    certbackup::Result, certbackup::UniqueFd;
namespace fs = std::filesystem;

fs::path default_spool_parent() {
    const char* tmpdir = std::getenv("TMPDIR");
    return (tmpdir != nullptr && *tmpdir != '\0') ? fs::path(tmpdir) : fs::path("/tmp");
}

Result<UniqueFd> open_anonymous_file(const fs::path& parent, AnonymousFileMethod method) {
    if (method == AnonymousFileMethod::tmpfile_else_unlinked) {
        UniqueFd fd(::open(parent.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, kPrivateFileMode));
        if (fd.valid())
            return fd;
        if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
            return fail(ErrorCode::io, "cannot create a spool file in " + parent.string() + ": " +
                                           std::strerror(errno));
    }
    std::string pattern = (parent / ".backup-host-spool-XXXXXX").string();
    UniqueFd fd(::mkostemp(pattern.data(), O_CLOEXEC));
    if (!fd.valid())
        return fail(ErrorCode::io, "cannot create a spool file in " + parent.string() + ": " +
                                       std::strerror(errno));
    ::unlink(pattern.c_str());
    return fd;
}

Result<fs::path> make_private_directory(const fs::path& parent, std::string_view prefix) {
    std::string pattern = (parent / (std::string(prefix) + "XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr)
        return fail(
            errno == ENOENT ? ErrorCode::not_found : ErrorCode::io,
            "cannot create a spool directory in " + parent.string() + ": " + std::strerror(errno));
    return fs::path(pattern);
}

}  // namespace backup_host
