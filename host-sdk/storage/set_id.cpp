#include "host-sdk/storage/set_id.hpp"

#include <unistd.h>

#include <array>
#include <climits>
#include <cstdint>
#include <cstring>
#include <ctime>

#include "certbackup/base/ossl.hpp"
#include "certbackup/base/utc_time.hpp"

namespace backup_host {

namespace {

using certbackup::format_utc;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_lower_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f');
}

}  // namespace

std::string make_set_id(SystemTime created) {
    std::array<std::uint8_t, 3> suffix{};
    if (!certbackup::ossl::random_bytes(suffix)) {
        // Uniqueness, not secrecy, is what the suffix is for: fall back to the clock and pid.
        const auto ticks = static_cast<std::uint64_t>(
                               std::chrono::steady_clock::now().time_since_epoch().count()) ^
                           static_cast<std::uint64_t>(::getpid());
        std::memcpy(suffix.data(), &ticks, suffix.size());
    }
    return format_utc(created, "%Y%m%dT%H%M%SZ") + "-" + certbackup::ossl::to_hex(suffix);
}

bool is_set_id(std::string_view text) {
    // YYYYMMDD T HHMMSS Z - xxxxxx
    constexpr std::string_view shape = "ddddddddTddddddZ-hhhhhh";
    if (text.size() != shape.size())
        return false;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        const char want = shape[i];
        const char got = text[i];
        const bool ok = want == 'd' ? is_digit(got) : want == 'h' ? is_lower_hex(got) : got == want;
        if (!ok)
            return false;
    }
    return true;
}

std::string format_rfc3339_utc(SystemTime time) {
    return format_utc(time, "%Y-%m-%dT%H:%M:%SZ");
}

std::string local_host_name() {
    char name[HOST_NAME_MAX + 1] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0')
        return "unknown";
    return name;
}

}  // namespace backup_host
