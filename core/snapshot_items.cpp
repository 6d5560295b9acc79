#include "core/snapshot_items.hpp"

namespace certbackup {

Result<void> ItemSink::write_item_pieces(std::string_view name,
                                         std::span<const std::span<const std::uint8_t>> pieces) {
    std::vector<std::uint8_t> joined;
    std::size_t size = 0;
    for (const auto piece : pieces)
        size += piece.size();
    joined.reserve(size);
    for (const auto piece : pieces)
        joined.insert(joined.end(), piece.begin(), piece.end());
    return write_item(name, joined);
}

Result<void> MemoryItems::write_item(std::string_view name, std::span<const std::uint8_t> bytes) {
    if (items_.contains(name))
        return fail(ErrorCode::conflict,
                    "item '" + std::string(name) + "' is written twice in one snapshot");
    items_.emplace(std::string(name), std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
    write_order_.emplace_back(name);
    return {};
}

Result<std::vector<std::string>> MemoryItems::list_items() {
    std::vector<std::string> names;
    names.reserve(items_.size());
    for (const auto& [name, bytes] : items_)
        names.push_back(name);
    return names;
}

Result<std::vector<std::uint8_t>> MemoryItems::read_item(std::string_view name) {
    const auto it = items_.find(name);
    if (it == items_.end())
        return fail(ErrorCode::not_found,
                    "item '" + std::string(name) + "' is not in the snapshot");
    return it->second;
}

}  // namespace certbackup
