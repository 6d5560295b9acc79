// Where a SetWriter puts a set: the part that differs between a directory target and a tar
// target. SetWriter (set_writer.hpp) does the checking, hashing and bookkeeping and calls a sink
// in this order only: (begin_item write* end_item)* then commit, or abort at any point (also
// after a failed call). Internal to the storage library.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "certbackup/base/env.hpp"
#include "certbackup/base/error.hpp"

namespace backup_host {

class SetSink {
  public:
    virtual ~SetSink() = default;
    // `name` has been checked (item_name.hpp) and is new in this set.
    virtual certbackup::Result<void> begin_item(const std::string& name) = 0;
    virtual certbackup::Result<void> write(std::span<const std::uint8_t> bytes) = 0;
    // `size` is the number of bytes written since begin_item.
    virtual certbackup::Result<void> end_item(std::uint64_t size) = 0;
    // Stores the record last and makes the set visible as one step where the target allows it.
    virtual certbackup::Result<void> commit(std::span<const std::uint8_t> record) = 0;
    // Discards what was written, as far as the target allows; safe to call more than once and
    // after a failed commit (it leaves a set that did become visible alone).
    virtual certbackup::Result<void> abort() = 0;
    // Where the set goes: a directory, a tar file, or the name of a stream.
    virtual std::string destination() const = 0;
};

}  // namespace backup_host
