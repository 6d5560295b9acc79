#include "host-sdk/management/local_time.hpp"

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace backup_host {
namespace {

using certbackup::ErrorCode;
using certbackup::fail;
namespace chr = std::chrono;

constexpr std::int64_t kSecondsPerDay = 86400;

// Seconds since 1970 of `time` read as if it were UTC: the "civil seconds" that the local
// instants are compared by.
std::int64_t civil_seconds(const LocalDateTime& time) {
    const chr::sys_days day{chr::year{time.year} / chr::month{static_cast<unsigned>(time.month)} /
                            chr::day{static_cast<unsigned>(time.day)}};
    return static_cast<std::int64_t>(day.time_since_epoch().count()) * kSecondsPerDay +
           time.hour * 3600 + time.minute * 60 + time.second;
}

std::tm local_tm(std::int64_t instant) {
    const auto seconds = static_cast<std::time_t>(instant);
    std::tm tm{};
    if (::localtime_r(&seconds, &tm) == nullptr) {
        // Out of the C library's range: fall back to UTC rather than to garbage.
        ::gmtime_r(&seconds, &tm);
    }
    return tm;
}

// The wall-clock time at `instant`, as civil seconds.
std::int64_t local_civil_seconds(std::int64_t instant) {
    return instant + local_tm(instant).tm_gmtoff;
}

std::int64_t to_seconds(SystemTime instant) {
    return chr::floor<chr::seconds>(instant.time_since_epoch()).count();
}

SystemTime from_seconds(std::int64_t seconds) {
    return SystemTime(chr::seconds(seconds));
}

// The same as resolve_local_time, without tzset (callers did it).
LocalTimeInstants resolve(const LocalDateTime& time) {
    const std::int64_t civil = civil_seconds(time);
    // An instant naming `civil` is civil - offset, offset within +-14 h; the offsets in force a
    // day before, at and a day after cover that window (zones change offset far less often).
    std::vector<long> offsets;
    for (const std::int64_t probe : {civil - kSecondsPerDay, civil, civil + kSecondsPerDay}) {
        const long offset = local_tm(probe).tm_gmtoff;
        if (std::find(offsets.begin(), offsets.end(), offset) == offsets.end())
            offsets.push_back(offset);
    }
    std::vector<std::int64_t> valid;
    std::int64_t lowest = civil - offsets.front();
    std::int64_t highest = lowest;
    for (const long offset : offsets) {
        const std::int64_t candidate = civil - offset;
        lowest = std::min(lowest, candidate);
        highest = std::max(highest, candidate);
        if (local_civil_seconds(candidate) == civil)
            valid.push_back(candidate);
    }
    std::sort(valid.begin(), valid.end());
    valid.erase(std::unique(valid.begin(), valid.end()), valid.end());

    LocalTimeInstants result;
    if (valid.size() == 1) {
        result.kind = LocalTimeInstants::Kind::unique;
        result.first = result.second = from_seconds(valid.front());
    } else if (valid.size() >= 2) {
        result.kind = LocalTimeInstants::Kind::repeated;
        result.first = from_seconds(valid.front());
        result.second = from_seconds(valid.back());
    } else {
        // In a gap: the wall clock is before `civil` at `lowest` and after it at `highest`, and
        // rises monotonically in between (one jump). The first instant past `civil` is the
        // transition.
        result.kind = LocalTimeInstants::Kind::skipped;
        std::int64_t low = lowest;
        std::int64_t high = highest;
        if (local_civil_seconds(low) < civil && local_civil_seconds(high) > civil) {
            while (high - low > 1) {
                const std::int64_t middle = low + (high - low) / 2;
                if (local_civil_seconds(middle) > civil)
                    high = middle;
                else
                    low = middle;
            }
        }
        result.first = result.second = from_seconds(high);
    }
    return result;
}

bool parse_digits(std::string_view text, std::size_t at, std::size_t count, int& value) {
    if (at + count > text.size())
        return false;
    value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        value = value * 10 + (text[i] - '0');
    }
    return true;
}

}  // namespace

bool is_valid(const LocalDateTime& time) noexcept {
    if (time.year < 1 || time.year > 9999 || time.month < 1 || time.month > 12 || time.day < 1)
        return false;
    const chr::year_month_day date{chr::year{time.year},
                                   chr::month{static_cast<unsigned>(time.month)},
                                   chr::day{static_cast<unsigned>(time.day)}};
    return date.ok() && time.hour >= 0 && time.hour <= 23 && time.minute >= 0 &&
           time.minute <= 59 && time.second >= 0 && time.second <= 59;
}

std::string to_string(const LocalDateTime& time) {
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d", time.year, time.month,
                  time.day, time.hour, time.minute, time.second);
    return text;
}

LocalTimeInstants resolve_local_time(const LocalDateTime& time) {
    ::tzset();
    return resolve(time);
}

SystemTime to_instant(const LocalDateTime& time) {
    return resolve_local_time(time).first;
}

LocalDateTime to_local(SystemTime instant) {
    ::tzset();
    const std::tm tm = local_tm(to_seconds(instant));
    return LocalDateTime{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                         tm.tm_hour,        tm.tm_min,     tm.tm_sec};
}

std::string format_local_rfc3339(SystemTime instant) {
    ::tzset();
    const std::tm tm = local_tm(to_seconds(instant));
    const long offset = tm.tm_gmtoff;
    const int magnitude = static_cast<int>((offset < 0 ? -offset : offset) % 86400);
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  offset < 0 ? '-' : '+', magnitude / 3600, (magnitude % 3600) / 60);
    return text;
}

std::string format_local_for_people(SystemTime instant) {
    ::tzset();
    const std::tm tm = local_tm(to_seconds(instant));
    char text[64];
    const std::size_t n = std::strftime(text, sizeof text, "%a %Y-%m-%d %H:%M %Z", &tm);
    return std::string(text, n);
}

certbackup::Result<SystemTime> parse_time_argument(std::string_view text) {
    const auto invalid = [&] {
        return fail(ErrorCode::invalid_argument,
                    "'" + std::string(text) +
                        "' is not a time: write YYYY-MM-DDTHH:MM[:SS] (local time), optionally "
                        "followed by Z or +HH:MM, or YYYY-MM-DD");
    };
    LocalDateTime time;
    if (!parse_digits(text, 0, 4, time.year) || text.size() < 10 || text[4] != '-' ||
        !parse_digits(text, 5, 2, time.month) || text[7] != '-' ||
        !parse_digits(text, 8, 2, time.day))
        return invalid();
    std::size_t at = 10;
    if (at < text.size()) {
        if ((text[at] != 'T' && text[at] != 't' && text[at] != ' ') ||
            !parse_digits(text, at + 1, 2, time.hour) || at + 3 >= text.size() ||
            text[at + 3] != ':' || !parse_digits(text, at + 4, 2, time.minute))
            return invalid();
        at += 6;
        if (at < text.size() && text[at] == ':') {
            if (!parse_digits(text, at + 1, 2, time.second))
                return invalid();
            at += 3;
        }
    }
    if (!is_valid(time))
        return invalid();
    // A time point holds nanoseconds from 1970 in 64 bits, which ends in April 2262; a year
    // past the supported range would wrap (9999 became 1816) or make a job silently never run.
    if (time.year < kFirstSupportedYear || time.year > kLastSupportedYear)
        return fail(ErrorCode::invalid_argument,
                    "'" + std::string(text) + "' is outside the supported years " +
                        std::to_string(kFirstSupportedYear) + " to " +
                        std::to_string(kLastSupportedYear) +
                        ": give a time in that range (or leave it out)");
    if (at == text.size())
        return to_instant(time);
    const std::string_view zone = text.substr(at);
    std::int64_t offset = 0;
    if (zone == "Z" || zone == "z") {
        offset = 0;
    } else {
        int hours = 0;
        int minutes = 0;
        if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') ||
            !parse_digits(zone, 1, 2, hours) || zone[3] != ':' ||
            !parse_digits(zone, 4, 2, minutes) || hours > 23 || minutes > 59)
            return invalid();
        offset = (zone[0] == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
    }
    return from_seconds(civil_seconds(time) - offset);
}

}  // namespace backup_host
