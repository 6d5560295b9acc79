#include "core/snapshot.hpp"

#include <algorithm>

namespace certbackup {

std::string_view to_string(ExclusionReason reason) noexcept {
    switch (reason) {
        case ExclusionReason::ssl_not_requested:
            return "ssl_not_requested";
        case ExclusionReason::unused_not_requested:
            return "unused_not_requested";
        case ExclusionReason::no_private_key:
            return "no_private_key";
    }
    return "unknown";
}

std::string_view describe(ExclusionReason reason) noexcept {
    switch (reason) {
        case ExclusionReason::ssl_not_requested:
            return "SSL connection certificate, not backed up by default: recreate it on the new "
                   "server (or back up with include_ssl=true)";
        case ExclusionReason::unused_not_requested:
            return "unused (no binding), not backed up by default: back up with "
                   "include_unused=true to keep it";
        case ExclusionReason::no_private_key:
            return "no private key in the store; the certificate alone cannot restore the "
                   "service: import it again with its private key";
    }
    return "unknown reason";
}

std::vector<std::string> SnapshotManifest::payload_items() const {
    std::vector<std::string> items;
    for (const auto& entry : entries)
        if (std::find(items.begin(), items.end(), entry.payload_item) == items.end())
            items.push_back(entry.payload_item);
    return items;
}

}  // namespace certbackup
