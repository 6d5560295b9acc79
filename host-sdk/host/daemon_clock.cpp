#include "host-sdk/host/daemon_clock.hpp"

#include <cstdlib>
#include <string>

namespace certbackup::host {

Result<DaemonClock> DaemonClock::starting_at(std::optional<std::string_view> start) {
    DaemonClock clock;
    if (!start || start->empty())
        return clock;
    auto instant = backup_host::parse_time_argument(*start);
    if (!instant)
        return fail(ErrorCode::invalid_argument, std::string(kDaemonClockVariable) + "='" +
                                                     std::string(*start) +
                                                     "' is not a time: " + instant.error().message);
    clock.offset_ = *instant - std::chrono::system_clock::now();
    clock.set_ = true;
    return clock;
}

Result<DaemonClock> DaemonClock::from_environment() {
    const char* value = std::getenv(kDaemonClockVariable);
    return starting_at(value != nullptr ? std::optional<std::string_view>(value) : std::nullopt);
}

}  // namespace certbackup::host
