#include "host-sdk/management/cron_expression.hpp"

#include <array>
#include <cctype>
#include <optional>
#include <vector>

#include "host-sdk/management/cron_words.hpp"

namespace backup_host {
namespace {

using certbackup::ErrorCode;
using certbackup::fail;

struct FieldSpec {
    const char* name;
    int min;
    int max;
    const std::array<const char*, 12>* names;  // 3-letter names, or nullptr
    int first_named;                           // the value of names[0]
};

constexpr std::array<const char*, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                     "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<const char*, 12> kDayNames = {
    "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", nullptr, nullptr, nullptr, nullptr, nullptr};

constexpr FieldSpec kFields[5] = {
    {"minute", 0, 59, nullptr, 0},        {"hour", 0, 23, nullptr, 0},
    {"day-of-month", 1, 31, nullptr, 0},  {"month", 1, 12, &kMonthNames, 1},
    {"day-of-week", 0, 7, &kDayNames, 0},
};
constexpr int kDayOfWeekField = 4;

struct Shortcut {
    std::string_view name;
    std::string_view fields;
};
constexpr Shortcut kShortcuts[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

std::string upper(std::string_view text) {
    std::string result(text);
    for (char& c : result)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return result;
}

std::string lower(std::string_view text) {
    std::string result(text);
    for (char& c : result)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return result;
}

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

std::vector<std::string_view> split_fields(std::string_view text) {
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_blank(text[i]))
            ++i;
        const std::size_t start = i;
        while (i < text.size() && !is_blank(text[i]))
            ++i;
        if (i > start)
            fields.push_back(text.substr(start, i - start));
    }
    return fields;
}

class FieldParser {
  public:
    FieldParser(std::string_view schedule, const FieldSpec& spec, std::string_view field)
        : schedule_(schedule), spec_(spec), field_(field) {}

    certbackup::Result<std::uint64_t> parse() {
        std::uint64_t set = 0;
        std::size_t start = 0;
        while (true) {
            const std::size_t comma = field_.find(',', start);
            const std::string_view item = field_.substr(
                start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
            if (item.empty())
                return error("an empty list entry (a stray comma)");
            auto added = parse_item(item, set);
            if (!added)
                return std::unexpected(added.error());
            if (comma == std::string_view::npos)
                break;
            start = comma + 1;
        }
        return set;
    }

  private:
    std::unexpected<certbackup::Error> error(const std::string& what) const {
        return fail(ErrorCode::invalid_argument, "schedule '" + std::string(schedule_) +
                                                     "': " + spec_.name + " field '" +
                                                     std::string(field_) + "': " + what);
    }

    std::string range_text() const {
        std::string text = std::to_string(spec_.min) + "-" + std::to_string(spec_.max);
        if (spec_.names != nullptr) {
            text += " or ";
            text += (*spec_.names)[0];
            text += "-";
            text += spec_.names == &kMonthNames ? "DEC" : "SAT";
        }
        return text;
    }

    // A number or (where the field has them) a name. `is_range_end` lets SUN close a range as 7.
    certbackup::Result<int> parse_value(std::string_view text, bool is_range_end) const {
        if (text.empty())
            return error("a value is missing");
        if (std::isdigit(static_cast<unsigned char>(text.front())) != 0) {
            int value = 0;
            for (char c : text) {
                if (std::isdigit(static_cast<unsigned char>(c)) == 0)
                    return error("'" + std::string(text) + "' is not a number");
                value = value * 10 + (c - '0');
                if (value > 1000)
                    break;
            }
            if (value < spec_.min || value > spec_.max)
                return error(std::string(text) + " is out of range " + range_text());
            return value;
        }
        if (spec_.names != nullptr) {
            const std::string name = upper(text);
            for (std::size_t i = 0; i < spec_.names->size(); ++i) {
                const char* candidate = (*spec_.names)[i];
                if (candidate != nullptr && name == candidate) {
                    const int value = spec_.first_named + static_cast<int>(i);
                    // SUN-SAT is 0-6, but FRI-SUN means Friday to Sunday: 5-7.
                    return (is_range_end && &spec_ == &kFields[kDayOfWeekField] && value == 0)
                               ? 7
                               : value;
                }
            }
            return error("unknown name '" + std::string(text) + "' (use " + range_text() + ")");
        }
        return error("'" + std::string(text) + "' is not a number");
    }

    certbackup::Result<void> parse_item(std::string_view item, std::uint64_t& set) const {
        std::string_view range = item;
        std::optional<int> step;
        if (const std::size_t slash = item.find('/'); slash != std::string_view::npos) {
            range = item.substr(0, slash);
            const std::string_view step_text = item.substr(slash + 1);
            if (step_text.empty() ||
                step_text.find_first_not_of("0123456789") != std::string_view::npos)
                return error("the step in '" + std::string(item) + "' is not a number");
            if (step_text.size() > 3)
                return error("the step in '" + std::string(item) + "' is too large");
            step = std::stoi(std::string(step_text));
            if (*step == 0)
                return error("a step of 0 in '" + std::string(item) + "' (steps start at 1)");
        }
        int low = spec_.min;
        int high = &spec_ == &kFields[kDayOfWeekField] ? 6 : spec_.max;
        if (range != "*") {
            if (const std::size_t dash = range.find('-'); dash != std::string_view::npos) {
                auto first = parse_value(range.substr(0, dash), false);
                if (!first)
                    return std::unexpected(first.error());
                auto last = parse_value(range.substr(dash + 1), true);
                if (!last)
                    return std::unexpected(last.error());
                if (*first > *last)
                    return error("the range '" + std::string(range) +
                                 "' runs backwards (write the smaller value first)");
                low = *first;
                high = *last;
            } else {
                auto value = parse_value(range, false);
                if (!value)
                    return std::unexpected(value.error());
                low = *value;
                // "5/10" is "5-59/10" (cronie); a plain value is itself.
                high = step ? spec_.max : *value;
            }
        }
        for (int value = low; value <= high; value += step.value_or(1)) {
            const int stored = (&spec_ == &kFields[kDayOfWeekField] && value == 7) ? 0 : value;
            set |= std::uint64_t{1} << stored;
        }
        return {};
    }

    std::string_view schedule_;
    const FieldSpec& spec_;
    std::string_view field_;
};

constexpr int kLongestMonth[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

// The five fields of `text` (trimmed): the fields a shortcut such as @daily stands for, or
// `text` itself.
certbackup::Result<std::string_view> fields_of(std::string_view text) {
    if (text.empty() || text.front() != '@')
        return text;
    const std::string name = lower(text);
    for (const Shortcut& shortcut : kShortcuts)
        if (shortcut.name == name)
            return std::string_view(shortcut.fields);
    return fail(ErrorCode::invalid_argument,
                "schedule '" + std::string(text) +
                    "': unknown shortcut (use @hourly, @daily, @midnight, @weekly, "
                    "@monthly, @yearly or @annually, or 5 cron fields)");
}

// Refuses a schedule whose days of the month occur in none of its months (e.g. 30 February).
certbackup::Result<void> check_day_occurs(std::string_view text, std::uint64_t days_of_month,
                                          std::uint64_t months) {
    for (int month = 1; month <= 12; ++month) {
        if (!CronExpression::bit(months, month))
            continue;
        for (int day = 1; day <= kLongestMonth[month]; ++day)
            if (CronExpression::bit(days_of_month, day))
                return {};
    }
    std::vector<int> days;
    for (int day = 1; day <= 31; ++day)
        if (CronExpression::bit(days_of_month, day))
            days.push_back(day);
    std::vector<std::string> month_names;
    for (int month = 1; month <= 12; ++month)
        if (CronExpression::bit(months, month))
            month_names.push_back(cron_words::month_name(month));
    return fail(ErrorCode::invalid_argument,
                "schedule '" + std::string(text) +
                    "' never runs: " + (days.size() == 1 ? "day " : "days ") +
                    cron_words::number_list(days) + (days.size() == 1 ? " does" : " do") +
                    " not occur in " + cron_words::and_list(month_names));
}

}  // namespace

certbackup::Result<CronExpression> CronExpression::parse(std::string_view text) {
    while (!text.empty() && is_blank(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_blank(text.back()))
        text.remove_suffix(1);
    CronExpression expression;
    expression.text_ = std::string(text);

    auto fields_text = fields_of(text);
    if (!fields_text)
        return std::unexpected(fields_text.error());
    const std::vector<std::string_view> fields = split_fields(*fields_text);
    if (fields.size() != 5)
        return fail(ErrorCode::invalid_argument,
                    "schedule '" + std::string(text) + "' has " + std::to_string(fields.size()) +
                        (fields.size() == 1 ? " field" : " fields") +
                        "; a schedule is 5 fields (minute hour day-of-month month day-of-week, "
                        "e.g. '0 2 * * *') or a shortcut such as @daily");

    std::uint64_t* sets[5] = {&expression.minutes_, &expression.hours_, &expression.days_of_month_,
                              &expression.months_, &expression.days_of_week_};
    for (int i = 0; i < 5; ++i) {
        auto set = FieldParser(text, kFields[i], fields[static_cast<std::size_t>(i)]).parse();
        if (!set)
            return std::unexpected(set.error());
        *sets[i] = *set;
    }
    expression.day_of_month_star_ = fields[2].front() == '*';
    expression.day_of_week_star_ = fields[4].front() == '*';

    // With both day fields restricted, any listed weekday makes a run possible. Otherwise the
    // day of month must exist in one of the months (every date falls on every weekday within
    // the 400-year Gregorian cycle, so the weekday never makes a date impossible).
    if (expression.day_of_month_star_ || expression.day_of_week_star_) {
        if (auto occurs = check_day_occurs(text, expression.days_of_month_, expression.months_);
            !occurs)
            return std::unexpected(occurs.error());
    }
    return expression;
}

bool CronExpression::matches_date(std::chrono::year_month_day date) const noexcept {
    if (!bit(months_, static_cast<int>(static_cast<unsigned>(date.month()))))
        return false;
    const bool day_of_month =
        bit(days_of_month_, static_cast<int>(static_cast<unsigned>(date.day())));
    const bool day_of_week =
        bit(days_of_week_,
            static_cast<int>(std::chrono::weekday(std::chrono::sys_days(date)).c_encoding()));
    if (day_of_month_star_ || day_of_week_star_)
        return day_of_month && day_of_week;
    return day_of_month || day_of_week;
}

}  // namespace backup_host
