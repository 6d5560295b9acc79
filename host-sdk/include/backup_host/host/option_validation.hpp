// backup_host/host/option_validation.hpp: from "KEY=VALUE" text to the typed, checked options a
// plugin instance is created with, and from those to the restore options.
//
// Rules: an unknown key is refused, naming the key and the accepted ones; a key the plugin
// declares but does not read in this job kind is refused too, naming the kinds that read it
// (a host that merges configuration sections meant for several kinds filters them with
// OptionDescription::used_by first); a value of the wrong type or outside the choices is
// refused; declared defaults fill in what is not given; for a key given twice the last value
// wins. Path values are made absolute against the working directory. All failures are
// Status::bad_usage. Pure functions; thread-safe.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "backup_host/host/plugin_description.hpp"
#include "backup_host/status.hpp"
#include "backup_host/types.hpp"

namespace backup_host {

// Options as given (configuration first, then -o KEY=VALUE), in order.
using OptionAssignments = std::vector<std::pair<std::string, std::string>>;

// Splits "KEY=VALUE" at the first '='; the value may be empty, the key may not.
inline Result<std::pair<std::string, std::string>> parse_assignment(std::string_view text) {
    const std::size_t equals = text.find('=');
    if (equals == std::string_view::npos || equals == 0)
        return fail(Status::bad_usage,
                    "'" + std::string(text) + "' is not an option assignment: write KEY=VALUE");
    return std::pair<std::string, std::string>(std::string(text.substr(0, equals)),
                                               std::string(text.substr(equals + 1)));
}

// Checks `text` against `option` and returns the typed value.
inline Result<OptionValue> parse_option_value(const PluginDescription& plugin,
                                              const OptionDescription& option,
                                              std::string_view text, bool is_default) {
    const std::string what = "option '" + option.name + "' of plugin '" + plugin.id + "'";
    OptionValue value;
    value.name = option.name;
    value.type = option.type;
    value.is_default = is_default;
    switch (option.type) {
        case OptionType::string:
            if (!option.choices.empty() && std::find(option.choices.begin(), option.choices.end(),
                                                     text) == option.choices.end()) {
                std::string accepted;
                for (std::size_t i = 0; i < option.choices.size(); ++i)
                    accepted += (i == 0                           ? ""
                                 : i + 1 == option.choices.size() ? " or "
                                                                  : ", ") +
                                option.choices[i];
                return fail(Status::bad_usage,
                            what + " accepts " + accepted + ", not '" + std::string(text) + "'");
            }
            value.text = text;
            break;
        case OptionType::boolean: {
            const auto parsed = detail::parse_bool(text);
            if (!parsed)
                return fail(Status::bad_usage,
                            what + " is true or false, not '" + std::string(text) + "'");
            value.boolean = *parsed;
            value.text = *parsed ? "true" : "false";
            break;
        }
        case OptionType::integer: {
            const auto parsed = detail::parse_int(text);
            if (!parsed)
                return fail(Status::bad_usage,
                            what + " is a whole number, not '" + std::string(text) + "'");
            value.integer = *parsed;
            value.text = std::to_string(*parsed);
            break;
        }
        case OptionType::path: {
            if (text.empty())
                return fail(Status::bad_usage, what + " needs a path, not an empty value");
            std::error_code error;
            const auto absolute = std::filesystem::absolute(std::filesystem::path(text), error);
            if (error)
                return fail(Status::bad_usage, what + ": cannot make '" + std::string(text) +
                                                   "' absolute: " + error.message());
            value.text = absolute.string();
            break;
        }
    }
    return value;
}

// The options of `plugin` for a job of `kind`, in declared order: the given ones checked and
// typed, the declared defaults of the others.
inline Result<OptionValues> validate_options(const PluginDescription& plugin, JobKind kind,
                                             const OptionAssignments& given) {
    std::vector<OptionValue> values;
    for (const auto& [key, text] : given) {
        const OptionDescription* option = plugin.find_option(key);
        if (option == nullptr)
            return fail(Status::bad_usage, "plugin '" + plugin.id + "' has no option '" + key +
                                               "'; its options are: " + plugin.option_names());
        if (!option->used_by(kind))
            return fail(Status::bad_usage, "option '" + key + "' of plugin '" + plugin.id +
                                               "' is not used by " + to_string(kind) +
                                               " jobs (only by: " + job_names(option->jobs) + ")");
        auto value = parse_option_value(plugin, *option, text, false);
        if (!value)
            return std::unexpected(value.error());
        std::erase_if(values, [&](const OptionValue& v) { return v.name == key; });
        values.push_back(std::move(*value));
    }
    std::vector<OptionValue> ordered;
    for (const OptionDescription& option : plugin.options) {
        const auto given_value = std::find_if(values.begin(), values.end(),
                                              [&](const auto& v) { return v.name == option.name; });
        if (given_value != values.end()) {
            ordered.push_back(std::move(*given_value));
        } else if (option.used_by(kind) && option.default_value) {
            auto value = parse_option_value(plugin, option, *option.default_value, true);
            if (!value)
                return std::unexpected(value.error());
            ordered.push_back(std::move(*value));
        }
    }
    return OptionValues(std::move(ordered));
}

// The restore options from the options with a restore role, plus the --dry-run flag.
inline RestoreOptions restore_options_for(const PluginDescription& plugin,
                                          const OptionValues& options, bool dry_run) {
    RestoreOptions restore;
    restore.dry_run = dry_run;
    for (const OptionDescription& option : plugin.options) {
        const OptionValue* value = options.find(option.name);
        if (value == nullptr)
            continue;
        switch (option.role) {
            case OptionRole::none:
                break;
            case OptionRole::restore_target:
                restore.target = std::filesystem::path(value->text);
                break;
            case OptionRole::overwrite:
                restore.overwrite = value->text == "replace" ? Overwrite::replace : Overwrite::skip;
                break;
            case OptionRole::selection: {
                std::string_view rest = value->text;
                while (!rest.empty()) {
                    const std::size_t comma = rest.find(',');
                    std::string_view entry = rest.substr(0, comma);
                    rest = comma == std::string_view::npos ? std::string_view{}
                                                           : rest.substr(comma + 1);
                    while (!entry.empty() && entry.front() == ' ')
                        entry.remove_prefix(1);
                    while (!entry.empty() && entry.back() == ' ')
                        entry.remove_suffix(1);
                    if (!entry.empty())
                        restore.selection.emplace_back(entry);
                }
                break;
            }
        }
    }
    return restore;
}

}  // namespace backup_host
