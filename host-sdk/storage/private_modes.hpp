// The modes of what the storage creates: items may be sensitive whatever their plugin, so every
// directory (a set, a location, a spool) is 0700 and every file (an item, set.pb, a tar file, a
// tar member, a spool file) 0600.
#pragma once

#include <sys/types.h>

namespace backup_host {

inline constexpr mode_t kPrivateDirectoryMode = 0700;
inline constexpr mode_t kPrivateFileMode = 0600;

}  // namespace backup_host
