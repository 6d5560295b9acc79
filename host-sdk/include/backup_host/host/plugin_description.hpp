// backup_host/host/plugin_description.hpp: a loaded plugin's descriptor, checked and copied
// into plain C++ values.
//
// describe_plugin() is the loader's check of everything a descriptor of this ABI major says
// beyond its header: id, strings, options, actions, function table. The copy holds no pointer
// into the library, so it may be kept after the library is unloaded. Immutable after creation;
// safe to share between threads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "backup_host/plugin_abi.h"
#include "backup_host/status.hpp"
#include "backup_host/types.hpp"

namespace backup_host {

struct OptionDescription {
    std::string name;
    OptionType type = OptionType::string;
    std::uint32_t jobs = 0;  // BH_JOBS_* mask of the kinds that read it
    OptionRole role = OptionRole::none;
    std::optional<std::string> default_value;
    std::vector<std::string> choices;  // string options: accepted values; empty: any
    std::string description;

    bool used_by(JobKind kind) const noexcept { return (jobs & job_bit(kind)) != 0; }
};

struct ActionDescription {
    std::string name;
    std::string summary;
    std::string usage;
};

struct PluginDescription {
    std::string id;
    std::string version;
    std::string description;
    unsigned abi_major = 0;
    unsigned abi_minor = 0;
    std::uint32_t format_version = 0;
    std::uint32_t jobs = 0;  // BH_JOBS_* mask
    std::vector<OptionDescription> options;
    std::vector<ActionDescription> actions;
    std::filesystem::path file;  // the library it was loaded from

    bool supports(JobKind kind) const noexcept { return (jobs & job_bit(kind)) != 0; }

    const OptionDescription* find_option(std::string_view name) const noexcept {
        for (const OptionDescription& option : options)
            if (option.name == name)
                return &option;
        return nullptr;
    }
    const ActionDescription* find_action(std::string_view name) const noexcept {
        for (const ActionDescription& action : actions)
            if (action.name == name)
                return &action;
        return nullptr;
    }
    // "path, target, overwrite": the declared option names, for messages.
    std::string option_names() const {
        std::string names;
        for (const OptionDescription& option : options)
            names += (names.empty() ? "" : ", ") + option.name;
        return names.empty() ? "(none)" : names;
    }
};

namespace detail {

inline bool is_lower_alnum(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// [a-z0-9] first, then [a-z0-9] or one of `more`; at most 64 characters.
inline bool is_identifier(std::string_view text, std::string_view more) noexcept {
    if (text.empty() || text.size() > 64 || !is_lower_alnum(text.front()))
        return false;
    for (char c : text)
        if (!is_lower_alnum(c) && more.find(c) == std::string_view::npos)
            return false;
    return true;
}

inline std::vector<std::string> split_choices(std::string_view text) {
    std::vector<std::string> choices;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t bar = text.find('|', start);
        const std::size_t end = bar == std::string_view::npos ? text.size() : bar;
        choices.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
    return choices;
}

// The text of a bool value: "true"/"false", or nullopt when `text` is none of the spellings
// true/false, yes/no, on/off, 1/0 (case-insensitive).
inline std::optional<bool> parse_bool(std::string_view text) {
    std::string lower(text);
    for (char& c : lower)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    if (lower == "true" || lower == "yes" || lower == "on" || lower == "1")
        return true;
    if (lower == "false" || lower == "no" || lower == "off" || lower == "0")
        return false;
    return std::nullopt;
}

inline std::optional<std::int64_t> parse_int(std::string_view text) {
    if (text.empty())
        return std::nullopt;
    std::size_t i = 0;
    const bool negative = text[0] == '-';
    if (negative || text[0] == '+')
        i = 1;
    if (i == text.size())
        return std::nullopt;
    // Accumulate as a negative number so that INT64_MIN parses too.
    std::int64_t value = 0;
    constexpr std::int64_t min = INT64_MIN;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c < '0' || c > '9')
            return std::nullopt;
        const int digit = c - '0';
        if (value < (min + digit) / 10)
            return std::nullopt;
        value = value * 10 - digit;
    }
    if (!negative) {
        if (value == min)
            return std::nullopt;
        value = -value;
    }
    return value;
}

// The role of `option` fits its type, choices and job kinds; `what` names it for messages.
inline Result<void> check_option_role(const OptionDescription& option, const std::string& what) {
    switch (option.role) {
        case OptionRole::none:
            break;
        case OptionRole::restore_target:
            if (option.type != OptionType::path)
                return fail(Status::failed, what + ": a restore target must be a path option");
            break;
        case OptionRole::overwrite: {
            const std::set<std::string> accepted(option.choices.begin(), option.choices.end());
            if (option.type != OptionType::string || option.choices.size() != 2 ||
                accepted != std::set<std::string>{"skip", "replace"})
                return fail(
                    Status::failed,
                    what + ": an overwrite option must be a string with choices skip|replace");
            break;
        }
        case OptionRole::selection:
            if (option.type != OptionType::string)
                return fail(Status::failed, what + ": a selection must be a string option");
            break;
    }
    if (option.role != OptionRole::none && (option.jobs & BH_JOBS_RESTORE) == 0)
        return fail(Status::failed, what +
                                        ": an option with a restore role must be used by "
                                        "restore jobs");
    return {};
}

// Whether `text` is a valid value of `option` (its type, and its choices if it has any).
inline bool is_valid_default(const OptionDescription& option, const std::string& text) {
    switch (option.type) {
        case OptionType::boolean:
            return parse_bool(text).has_value();
        case OptionType::integer:
            return parse_int(text).has_value();
        case OptionType::path:
            return !text.empty();
        case OptionType::string:
            return option.choices.empty() || std::find(option.choices.begin(), option.choices.end(),
                                                       text) != option.choices.end();
    }
    return true;
}

// Checks one declared option and copies it; `where` names the plugin for messages.
inline Result<OptionDescription> describe_option(const bh_option_spec& spec, std::uint32_t jobs,
                                                 const std::string& where) {
    if (spec.name == nullptr || !is_identifier(spec.name, "_"))
        return fail(Status::failed, where + " declares an option with an invalid name '" +
                                        std::string(spec.name ? spec.name : "(null)") +
                                        "' (lower-case letters, digits and '_')");
    OptionDescription option;
    option.name = spec.name;
    const std::string what = where + ", option '" + option.name + "'";
    if (spec.type < BH_OPTION_STRING || spec.type > BH_OPTION_PATH)
        return fail(Status::failed, what + ": unknown type " + std::to_string(spec.type));
    option.type = static_cast<OptionType>(spec.type);
    if (spec.jobs == 0 || (spec.jobs & ~jobs) != 0)
        return fail(Status::failed, what + ": its job kinds (" + job_names(spec.jobs) +
                                        ") are not among the plugin's (" + job_names(jobs) + ")");
    option.jobs = spec.jobs;
    if (spec.role > BH_ROLE_SELECTION)
        return fail(Status::failed, what + ": unknown role " + std::to_string(spec.role));
    option.role = static_cast<OptionRole>(spec.role);
    if (spec.choices != nullptr) {
        if (option.type != OptionType::string)
            return fail(Status::failed, what + ": only string options can have choices");
        option.choices = split_choices(spec.choices);
    }
    if (auto role = check_option_role(option, what); !role)
        return std::unexpected(role.error());
    if (spec.default_value != nullptr) {
        const std::string text = spec.default_value;
        if (!is_valid_default(option, text))
            return fail(Status::failed, what + ": its default '" + text + "' is not a valid " +
                                            to_string(option.type) + " value");
        option.default_value = text;
    }
    option.description = spec.description != nullptr ? spec.description : "";
    return option;
}

// The descriptor's option table, checked (each option, no name twice, no restore role twice)
// into plugin.options.
inline Result<void> describe_options(const bh_plugin_descriptor& descriptor,
                                     PluginDescription& plugin, const std::string& where) {
    if (descriptor.option_count > 0 && descriptor.options == nullptr)
        return fail(Status::failed, where + " declares options but gives no table");
    for (std::size_t i = 0; i < descriptor.option_count; ++i) {
        auto option = describe_option(descriptor.options[i], plugin.jobs, where);
        if (!option)
            return std::unexpected(option.error());
        if (plugin.find_option(option->name) != nullptr)
            return fail(Status::failed, where + " declares option '" + option->name + "' twice");
        for (const OptionDescription& other : plugin.options)
            if (option->role != OptionRole::none && other.role == option->role)
                return fail(Status::failed, where + ": options '" + other.name + "' and '" +
                                                option->name + "' have the same restore role");
        plugin.options.push_back(std::move(*option));
    }
    return {};
}

// The descriptor's action table, checked against the plugin's job kinds into plugin.actions.
inline Result<void> describe_actions(const bh_plugin_descriptor& descriptor,
                                     PluginDescription& plugin, const std::string& where) {
    const bool has_actions = (plugin.jobs & BH_JOBS_ACTION) != 0;
    if (has_actions != (descriptor.action_count > 0))
        return fail(Status::failed, where + (has_actions ? " supports actions but declares none"
                                                         : " declares actions but does not "
                                                           "support action jobs"));
    if (descriptor.action_count > 0 && descriptor.actions == nullptr)
        return fail(Status::failed, where + " declares actions but gives no table");
    for (std::size_t i = 0; i < descriptor.action_count; ++i) {
        const bh_action_spec& spec = descriptor.actions[i];
        if (spec.name == nullptr || !is_identifier(spec.name, "-"))
            return fail(Status::failed, where + " declares an action with an invalid name '" +
                                            std::string(spec.name ? spec.name : "(null)") +
                                            "' (lower-case letters, digits and '-')");
        if (plugin.find_action(spec.name) != nullptr)
            return fail(Status::failed,
                        where + " declares action '" + std::string(spec.name) + "' twice");
        plugin.actions.push_back(ActionDescription{spec.name, spec.summary ? spec.summary : "",
                                                   spec.usage ? spec.usage : spec.name});
    }
    return {};
}

// The function table is of this ABI major and has every function the plugin's job kinds need.
inline Result<void> check_functions(const bh_plugin_functions* functions, std::uint32_t jobs,
                                    const std::string& where) {
    if (functions == nullptr || functions->struct_size < BH_PLUGIN_FUNCTIONS_SIZE_1_0)
        return fail(Status::failed, where + " has no function table of ABI " +
                                        std::to_string(BH_ABI_MAJOR) + ".0 or later (table of " +
                                        std::to_string(functions ? functions->struct_size : 0) +
                                        " bytes, at least " +
                                        std::to_string(BH_PLUGIN_FUNCTIONS_SIZE_1_0) + " needed)");
    const struct {
        bool present;
        const char* name;
        std::uint32_t needed_by;
    } required[] = {
        {functions->create != nullptr, "create", BH_JOBS_ALL},
        {functions->destroy != nullptr, "destroy", BH_JOBS_ALL},
        {functions->begin_job != nullptr, "begin_job", BH_JOBS_ALL},
        {functions->end_job != nullptr, "end_job", BH_JOBS_ALL},
        {functions->backup != nullptr, "backup", BH_JOBS_BACKUP},
        {functions->restore != nullptr, "restore", BH_JOBS_RESTORE},
        {functions->verify != nullptr, "verify", BH_JOBS_VERIFY},
        {functions->estimate != nullptr, "estimate", BH_JOBS_ESTIMATE},
        {functions->action != nullptr, "action", BH_JOBS_ACTION},
    };
    for (const auto& function : required)
        if (!function.present && (jobs & function.needed_by) != 0)
            return fail(Status::failed,
                        where + " has no '" + std::string(function.name) + "' function");
    return {};
}

// Checks everything of an ABI 1.x descriptor past its header. Call only after magic, major
// and struct_size were checked.
inline Result<PluginDescription> describe_plugin(const bh_plugin_descriptor& descriptor,
                                                 const std::filesystem::path& file) {
    if (descriptor.id == nullptr)
        return fail(Status::failed, "plugin " + file.string() + " has no id");
    const std::string where = "plugin '" + std::string(descriptor.id) + "' (" + file.string() + ")";
    PluginDescription plugin;
    plugin.id = descriptor.id;
    plugin.file = file;
    plugin.abi_major = descriptor.abi_major;
    plugin.abi_minor = descriptor.abi_minor;
    if (!is_identifier(plugin.id, "_-"))
        return fail(Status::failed, "plugin " + file.string() + " has an invalid id '" + plugin.id +
                                        "' (lower-case letters, digits, '-', '_')");
    if (descriptor.version == nullptr || *descriptor.version == '\0')
        return fail(Status::failed, where + " declares no version");
    plugin.version = descriptor.version;
    plugin.description = descriptor.description != nullptr ? descriptor.description : "";
    plugin.format_version = descriptor.format_version;
    if (descriptor.jobs == 0 || (descriptor.jobs & ~BH_JOBS_ALL) != 0)
        return fail(Status::failed, where + " declares an invalid set of job kinds (mask " +
                                        std::to_string(descriptor.jobs) + ")");
    plugin.jobs = descriptor.jobs;
    if (auto options = describe_options(descriptor, plugin, where); !options)
        return std::unexpected(options.error());
    if (auto actions = describe_actions(descriptor, plugin, where); !actions)
        return std::unexpected(actions.error());
    if (auto functions = check_functions(descriptor.functions, plugin.jobs, where); !functions)
        return std::unexpected(functions.error());
    return plugin;
}

}  // namespace detail
}  // namespace backup_host
