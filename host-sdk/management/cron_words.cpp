#include "host-sdk/management/cron_words.hpp"

#include <array>
#include <cstdio>

namespace backup_host::cron_words {

std::string month_name(int month) {
    static constexpr std::array<const char*, 12> kNames = {
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December"};
    return month >= 1 && month <= 12 ? kNames[static_cast<std::size_t>(month - 1)] : "?";
}

std::string day_name(int day_of_week) {
    static constexpr std::array<const char*, 7> kNames = {
        "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
    return day_of_week >= 0 && day_of_week <= 6 ? kNames[static_cast<std::size_t>(day_of_week)]
                                                : "?";
}

std::string and_list(const std::vector<std::string>& words) {
    std::string text;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (i > 0)
            text += i + 1 == words.size() ? " and " : ", ";
        text += words[i];
    }
    return text;
}

std::string run_list(const std::vector<int>& values, std::string_view to,
                     const std::function<std::string(int)>& name) {
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < values.size();) {
        std::size_t j = i;
        while (j + 1 < values.size() && values[j + 1] == values[j] + 1)
            ++j;
        if (j - i >= 2) {
            parts.push_back(name(values[i]) + std::string(to) + name(values[j]));
        } else {
            for (std::size_t k = i; k <= j; ++k)
                parts.push_back(name(values[k]));
        }
        i = j + 1;
    }
    return and_list(parts);
}

std::string number_list(const std::vector<int>& numbers) {
    return run_list(numbers, "-", [](int n) { return std::to_string(n); });
}

std::vector<int> values_of(std::uint64_t set, int first, int last) {
    std::vector<int> values;
    for (int n = first; n <= last; ++n)
        if (((set >> n) & 1U) != 0)
            values.push_back(n);
    return values;
}

std::string clock_time(int hour, int minute) {
    char text[8];
    std::snprintf(text, sizeof text, "%02d:%02d", hour, minute);
    return text;
}

}  // namespace backup_host::cron_words
