#include "host-sdk/host/memory_policy.hpp"

#include <cstdlib>  // defines __GLIBC__ on glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace certbackup::host {

void set_memory_policy() noexcept {
#if defined(__GLIBC__)
    // Setting the threshold also turns off its dynamic adjustment (mallopt(3)).
    constexpr int kOwnMappingFrom = 256 * 1024;
    (void)mallopt(M_MMAP_THRESHOLD, kOwnMappingFrom);
#endif
}

}  // namespace certbackup::host
