// Item names: the rules every item name of a set obeys, checked when an item is written and again
// when a set is read (a hostile record or tar stream must not name a path outside the set).
//
// A valid name is a relative, "/"-separated UTF-8 path: not empty, at most 4096 bytes, components
// of at most 255 bytes, no empty component (no leading, trailing or doubled "/"), no "." or ".."
// component, no NUL or other control character, no backslash, and not "set.pb" (the record's own
// name at the top of a set).
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "certbackup/base/env.hpp"
#include "certbackup/base/error.hpp"

namespace backup_host {

// The name of the set record at the top of a set directory and as the last tar member.
inline constexpr std::string_view kRecordName = "set.pb";

// Ok, or invalid_argument naming the item and the rule it breaks.
certbackup::Result<void> check_item_name(std::string_view name);

// `name` in double quotes with control characters, quotes, backslashes and bytes that are not
// UTF-8 escaped (\xNN), safe to print in a message.
std::string quote_name(std::string_view name);

// The item names of one set. Refuses a name that breaks the rules above, a duplicate, and a name
// that would be both a file and a directory ("a" and "a/b"), so that every set can be laid out as
// a directory tree. Not thread-safe.
class ItemNameTree {
  public:
    // Ok, or invalid_argument naming the item.
    certbackup::Result<void> add(std::string_view name);
    bool contains(std::string_view name) const { return files_.contains(name); }
    std::size_t size() const { return files_.size(); }

  private:
    std::set<std::string, std::less<>> files_;
    std::set<std::string, std::less<>> directories_;
};

}  // namespace backup_host
