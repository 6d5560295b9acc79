#include "certbackup/base/utc_time.hpp"

#include <ctime>

namespace certbackup {

std::string format_utc(std::int64_t unix_seconds, const char* pattern) {
    const std::time_t seconds = static_cast<std::time_t>(unix_seconds);
    std::tm utc{};
    if (::gmtime_r(&seconds, &utc) == nullptr)
        return "?";
    char text[64];
    const std::size_t n = std::strftime(text, sizeof text, pattern, &utc);
    return std::string(text, n);
}

std::string format_utc(std::chrono::system_clock::time_point time, const char* pattern) {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(time.time_since_epoch());
    return format_utc(static_cast<std::int64_t>(seconds.count()), pattern);
}

}  // namespace certbackup
