// Helpers for the management tests: a scoped time zone and UTC instants.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "certbackup/base/utc_time.hpp"
#include "host-sdk/management/local_time.hpp"

namespace backup_host::testing {

// Sets TZ (and tzset) for the lifetime of the object and restores the previous value. The zone
// must exist in the zone database: without it the C library silently uses UTC, which would make
// a DST test pass or fail for the wrong reason.
class ScopedTimeZone {
  public:
    explicit ScopedTimeZone(const std::string& zone) {
        if (const char* old = ::getenv("TZ"); old != nullptr)
            previous_ = old;
        if (zone != "UTC") {
            const std::filesystem::path file = std::filesystem::path("/usr/share/zoneinfo") / zone;
            EXPECT_TRUE(std::filesystem::exists(file))
                << file << " is missing: install the tzdata package (scripts/lib.sh lists it)";
        }
        ::setenv("TZ", zone.c_str(), 1);
        ::tzset();
    }
    ~ScopedTimeZone() {
        if (previous_)
            ::setenv("TZ", previous_->c_str(), 1);
        else
            ::unsetenv("TZ");
        ::tzset();
    }
    ScopedTimeZone(const ScopedTimeZone&) = delete;
    ScopedTimeZone& operator=(const ScopedTimeZone&) = delete;

  private:
    std::optional<std::string> previous_;
};

// The instant of a UTC date and time.
inline SystemTime utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
    namespace chr = std::chrono;
    const chr::sys_days date{chr::year{year} / chr::month{static_cast<unsigned>(month)} /
                             chr::day{static_cast<unsigned>(day)}};
    return SystemTime(date) + chr::hours(hour) + chr::minutes(minute) + chr::seconds(second);
}

// "2026-03-29T01:00:00Z", for readable failure messages.
inline std::string utc_text(SystemTime instant) {
    return certbackup::format_utc(instant, "%Y-%m-%dT%H:%M:%SZ");
}

}  // namespace backup_host::testing
