// Words for schedules: month and day names and lists in English, shared by the parser's
// messages and CronExpression::describe(). Internal to the management library.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace backup_host::cron_words {

// "January" for 1 ... "December" for 12.
std::string month_name(int month);
// "Sunday" for 0 ... "Saturday" for 6.
std::string day_name(int day_of_week);
// "a", "a and b", "a, b and c".
std::string and_list(const std::vector<std::string>& words);
// `values` (ascending) named by `name` as an and_list, runs of three or more consecutive
// values as "<first><to><last>": run_list({1,2,3,5}, " to ", day) is "Monday to Wednesday and
// Friday".
std::string run_list(const std::vector<int>& values, std::string_view to,
                     const std::function<std::string(int)>& name);
// Numbers as an and_list, runs of three or more as ranges: "1-5, 10 and 20".
std::string number_list(const std::vector<int>& numbers);
// The values n with bit n set in `set`, from `first` to `last`.
std::vector<int> values_of(std::uint64_t set, int first, int last);
// "02:05".
std::string clock_time(int hour, int minute);

}  // namespace backup_host::cron_words
