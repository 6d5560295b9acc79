// UTC time as text: the one place that turns a time into a UTC calendar string (set ids, dates
// in listings and manifests, export file names, run-state timestamps).
//
// Thread-safe (gmtime_r). Never fails: a time outside the calendar gives "?".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace certbackup {

// `unix_seconds` in UTC, formatted with a strftime `pattern` ("%Y-%m-%d", "%Y%m%dT%H%M%SZ").
std::string format_utc(std::int64_t unix_seconds, const char* pattern);

// The same for a system_clock time, to the second (rounded down).
std::string format_utc(std::chrono::system_clock::time_point time, const char* pattern);

}  // namespace certbackup
