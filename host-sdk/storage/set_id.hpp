// Set ids and the times written into a set record.
//
// A set id is "<UTC time YYYYMMDDTHHMMSSZ>-<6 lower-case hex>", e.g. "20261127T125000Z-3fa2c1":
// ids sort by time (to the second) as plain strings, and the random suffix keeps two sets begun
// in the same second apart. The id is the name of the set's directory.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace backup_host {

using SystemTime = std::chrono::system_clock::time_point;

// A fresh id for a set begun at `created` (the suffix comes from the OpenSSL DRBG).
std::string make_set_id(SystemTime created);

// True when `text` has exactly the form of a set id.
bool is_set_id(std::string_view text);

// "2026-11-27T12:50:00Z" (UTC, seconds).
std::string format_rfc3339_utc(SystemTime time);

// The name of this machine (gethostname), or "unknown" when it cannot be read.
std::string local_host_name();

}  // namespace backup_host
