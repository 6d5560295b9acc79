#include "core/store_root_access.hpp"

#include <unistd.h>

#include <cstdio>

namespace certbackup {

Result<std::optional<std::string>> check_store_root(Env& env, const std::filesystem::path& root,
                                                    StoreAccess access) {
    auto status = env.status(root);
    if (!status)
        return std::unexpected(status.error());
    std::string problem;
    std::string fix;
    if (status->owner != ::geteuid()) {
        problem = "is owned by user id " + std::to_string(status->owner) +
                  ", not by the user running this (" + std::to_string(::geteuid()) + ")";
        fix = "chown it to the user that runs certbackup";
    } else if ((status->mode & 022) != 0) {
        char mode[16];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(status->mode));
        problem = std::string("has mode ") + mode + ": group or others may write to it";
        fix = "chmod 700 " + root.string();
    } else {
        return std::optional<std::string>();
    }
    const std::string text = "certificate store " + root.string() + " " + problem +
                             " and could swap its keys or bindings";
    if (access == StoreAccess::read)
        return std::optional<std::string>(text + "; " + fix);
    return fail(ErrorCode::invalid_argument,
                text + "; certbackup does not write into it: " + fix + ", then try again");
}

}  // namespace certbackup
