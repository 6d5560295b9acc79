#include "host_items.hpp"

#include "certbackup/base/abi_status.hpp"
#include "core/snapshot.hpp"

#include <algorithm>

namespace certbackup::plugin {
namespace {

std::unexpected<Error> from_failure(const backup_host::Failure& f) {
    return std::unexpected(error_of(f));
}

}  // namespace

Result<void> HostItemSink::write_item(std::string_view name, std::span<const std::uint8_t> bytes) {
    if (auto written = host_.write_item(name, bytes); !written)
        return from_failure(written.error());
    return {};
}

Result<void> HostItemSink::write_item_pieces(
    std::string_view name, std::span<const std::span<const std::uint8_t>> pieces) {
    if (auto begun = host_.begin_item(name); !begun)
        return from_failure(begun.error());
    for (const auto piece : pieces)
        if (auto written = host_.write(piece); !written)
            return from_failure(written.error());
    if (auto ended = host_.end_item(); !ended)
        return from_failure(ended.error());
    return {};
}

Result<std::vector<std::string>> HostItemSource::list_items() {
    auto items = host_.items();
    if (!items)
        return from_failure(items.error());
    std::vector<std::string> names;
    names.reserve(items->size());
    for (const auto& item : *items)
        names.push_back(item.name);
    std::sort(names.begin(), names.end());
    return names;
}

Result<std::vector<std::uint8_t>> HostItemSource::read_item(std::string_view name) {
    // The manifest is read before it is authenticated: its own, smaller bound (a bounded read,
    // refused as corrupt naming the item as soon as it passes).
    auto bytes = host_.read_item(name, name == kManifestItem ? kMaxManifestBytes : kMaxItemSize);
    if (!bytes)
        return from_failure(bytes.error());
    return std::move(*bytes);
}

}  // namespace certbackup::plugin
