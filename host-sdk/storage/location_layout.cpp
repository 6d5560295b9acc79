#include "host-sdk/storage/location_layout.hpp"

#include "host-sdk/storage/set_id.hpp"

namespace backup_host {

namespace {

constexpr std::string_view kPartialSuffix = ".partial";
constexpr std::string_view kDeletingSuffix = ".deleting";
constexpr std::string_view kLockSuffix = ".lock";

}  // namespace

LocationEntry classify_location_entry(std::string_view name) {
    if (is_set_id(name))
        return {LocationEntryKind::set, std::string(name)};
    if (!name.starts_with('.'))
        return {};
    const std::string_view rest = name.substr(1);
    for (const auto& [suffix, kind] : {std::pair{kPartialSuffix, LocationEntryKind::partial},
                                       std::pair{kDeletingSuffix, LocationEntryKind::deleting},
                                       std::pair{kLockSuffix, LocationEntryKind::lock}}) {
        if (rest.ends_with(suffix)) {
            const std::string_view id = rest.substr(0, rest.size() - suffix.size());
            if (is_set_id(id))
                return {kind, std::string(id)};
        }
    }
    return {};
}

std::string partial_dir_name(std::string_view id) {
    return "." + std::string(id) + std::string(kPartialSuffix);
}
std::string deleting_dir_name(std::string_view id) {
    return "." + std::string(id) + std::string(kDeletingSuffix);
}
std::string lock_file_name(std::string_view id) {
    return "." + std::string(id) + std::string(kLockSuffix);
}

}  // namespace backup_host
