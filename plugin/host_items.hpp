// Snapshot items through the host (DESIGN §2: the plugin never opens backup storage itself).
// Both adapters live for one job and are used from the job thread only.
#pragma once

#include <backup_host/plugin/host.hpp>

#include "core/snapshot_items.hpp"

namespace certbackup::plugin {

// Each snapshot item becomes one host item (begin, write, end).
class HostItemSink final : public ItemSink {
  public:
    explicit HostItemSink(backup_host::Host host) : host_(host) {}
    Result<void> write_item(std::string_view name, std::span<const std::uint8_t> bytes) override;
    // The pieces as writes of one item (begin, write each, end): never joined.
    Result<void> write_item_pieces(std::string_view name,
                                   std::span<const std::span<const std::uint8_t>> pieces) override;

  private:
    backup_host::Host host_;
};

// Reads the set's items; the host checks every item's size and digest as it is read.
class HostItemSource final : public ItemSource {
  public:
    explicit HostItemSource(backup_host::Host host) : host_(host) {}
    Result<std::vector<std::string>> list_items() override;
    Result<std::vector<std::uint8_t>> read_item(std::string_view name) override;

    // Larger items are refused as corrupt: a snapshot's items are a manifest and PFX files.
    static constexpr std::uint64_t kMaxItemSize = 1ULL << 30;

  private:
    backup_host::Host host_;
};

}  // namespace certbackup::plugin
