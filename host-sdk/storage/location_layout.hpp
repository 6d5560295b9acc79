// The names inside a backup location (a directory holding sets; docs/STORAGE.md):
//
//   <id>/             a committed set: its items and its record set.pb
//   .<id>.partial/    a set being written, or left behind by a writer that died
//   .<id>.deleting/   a set being deleted, or left behind by a deleter that died
//   .<id>.lock        flock(2)ed by the process writing or deleting set <id> (set_lock.hpp)
//
// Only <id>/ entries can be listed as sets; the hidden ones never are.
#pragma once

#include <string>
#include <string_view>

namespace backup_host {

enum class LocationEntryKind { set, partial, deleting, lock, other };

struct LocationEntry {
    LocationEntryKind kind = LocationEntryKind::other;
    std::string id;  // the set id the entry belongs to; empty for `other`
};

// What the entry `name` of a location is. A name that does not carry a valid set id is `other`.
LocationEntry classify_location_entry(std::string_view name);

std::string partial_dir_name(std::string_view id);
std::string deleting_dir_name(std::string_view id);
std::string lock_file_name(std::string_view id);

}  // namespace backup_host
