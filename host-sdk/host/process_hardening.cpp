#include "host-sdk/host/process_hardening.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace certbackup::host {

Result<void> disable_core_dumps() {
    const rlimit none{0, 0};
    if (::setrlimit(RLIMIT_CORE, &none) != 0)
        return fail(ErrorCode::io,
                    std::string("cannot disable core dumps (setrlimit): ") + std::strerror(errno));
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        return fail(ErrorCode::io, std::string("cannot disable core dumps (PR_SET_DUMPABLE): ") +
                                       std::strerror(errno));
    return {};
}

}  // namespace certbackup::host
