// The daemon's clock (host-sdk/host/daemon_clock.hpp): the system clock unless set, and once set
// it reads the given time and runs on at the system clock's pace.
#include <gtest/gtest.h>

#include <chrono>

#include "host-sdk/host/daemon_clock.hpp"

namespace certbackup::host {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

TEST(DaemonClock, UnsetOrEmptyIsTheSystemClock) {
    for (const auto start :
         {std::optional<std::string_view>(), std::optional<std::string_view>("")}) {
        auto clock = DaemonClock::starting_at(start);
        ASSERT_TRUE(clock) << clock.error().message;
        EXPECT_FALSE(clock->is_set());
        const auto difference = clock->now() - system_clock::now();
        EXPECT_LT(std::chrono::abs(difference), seconds(5));
    }
}

TEST(DaemonClock, ASetClockStartsAtItsTimeAndRunsOn) {
    auto clock = DaemonClock::starting_at("2026-01-03T03:30:00Z");
    ASSERT_TRUE(clock) << clock.error().message;
    EXPECT_TRUE(clock->is_set());
    auto start = backup_host::parse_time_argument("2026-01-03T03:30:00Z");
    ASSERT_TRUE(start);
    const auto first = clock->now();
    EXPECT_GE(first, *start);
    EXPECT_LT(first - *start, seconds(5));
    EXPECT_GE(clock->now(), first);
}

TEST(DaemonClock, ATextThatIsNotATimeIsAnInvalidArgumentNamingTheVariable) {
    auto clock = DaemonClock::starting_at("soon");
    ASSERT_FALSE(clock);
    EXPECT_EQ(clock.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(clock.error().message.find("BACKUP_HOST_DAEMON_CLOCK='soon' is not a time"),
              std::string::npos)
        << clock.error().message;
}

}  // namespace
}  // namespace certbackup::host
