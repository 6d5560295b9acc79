// The named items a snapshot is made of (docs/FORMAT.md), seen through abstract sinks and
// sources so that the snapshot code never opens storage itself: the host moves the items
// (directory, tar stream), tests and the verify/estimate paths keep them in memory.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "certbackup/base/error.hpp"

namespace certbackup {

// Where a snapshot is written. Contract: the writer calls write_item or write_item_pieces once
// per name, from one thread, payloads first and manifest.pb last; a failure ends the snapshot (the
// manifest is then never written, so the snapshot stays incomplete). Implementations report
// failures with an Error naming the item.
class ItemSink {
  public:
    virtual ~ItemSink() = default;
    virtual Result<void> write_item(std::string_view name, std::span<const std::uint8_t> bytes) = 0;
    // One item given as pieces (the item is their concatenation), such as a bundle PFX made
    // of the buffers it was built in. A sink that writes an item in parts (the host's)
    // overrides this to write the pieces one by one; by default they are joined into one
    // buffer for write_item.
    virtual Result<void> write_item_pieces(std::string_view name,
                                           std::span<const std::span<const std::uint8_t>> pieces);
};

// Where a snapshot is read from. Contract: read_item of a name that is not there fails with
// not_found naming it; list_items gives every name, sorted. Called from one thread.
class ItemSource {
  public:
    virtual ~ItemSource() = default;
    virtual Result<std::vector<std::string>> list_items() = 0;
    virtual Result<std::vector<std::uint8_t>> read_item(std::string_view name) = 0;
};

// Items held in memory: a sink and a source at once. Writing a name twice is a conflict (a
// writer bug). Tests reach the bytes through items() to damage them on purpose. Not
// thread-safe.
class MemoryItems final : public ItemSink, public ItemSource {
  public:
    Result<void> write_item(std::string_view name, std::span<const std::uint8_t> bytes) override;
    Result<std::vector<std::string>> list_items() override;
    Result<std::vector<std::uint8_t>> read_item(std::string_view name) override;

    std::map<std::string, std::vector<std::uint8_t>, std::less<>>& items() noexcept {
        return items_;
    }
    const std::map<std::string, std::vector<std::uint8_t>, std::less<>>& items() const noexcept {
        return items_;
    }
    // Names in the order they were written.
    const std::vector<std::string>& write_order() const noexcept { return write_order_; }

  private:
    std::map<std::string, std::vector<std::uint8_t>, std::less<>> items_;
    std::vector<std::string> write_order_;
};

}  // namespace certbackup
