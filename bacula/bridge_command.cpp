// SPDX-License-Identifier: AGPL-3.0-only (see bacula/LICENSE)
#include "bridge_command.hpp"

#include <array>
#include <utility>

namespace certbackup::bacula {
namespace {

using backup_host::Status;

constexpr std::size_t kMaxCommandLength = 8192;

std::unexpected<backup_host::Failure> refuse(std::string_view text, const std::string& why) {
    return backup_host::fail(Status::bad_usage,
                             "plugin string \"" + std::string(text) + "\": " + why);
}

bool is_plugin_id(std::string_view id) {
    if (id.empty() || id.size() > 64)
        return false;
    for (const char c : id)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    return true;
}

bool has_control_character(std::string_view text) {
    for (const char c : text)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return true;
    return false;
}

// The bridge's own keys, each a path that must be absolute (the file daemon's working
// directory is nothing the user chose).
struct PathKey {
    std::string_view name;
    std::optional<std::string> BridgeCommand::*field;
};
constexpr std::array<PathKey, 3> kPathKeys{{
    {"config", &BridgeCommand::config_file},
    {"plugin_dir", &BridgeCommand::plugin_dir},
    {"password_file", &BridgeCommand::password_file},
}};

// Takes one KEY=VALUE segment into `command`.
backup_host::Result<void> take_segment(std::string_view text, std::string_view segment,
                                       BridgeCommand& command) {
    auto assignment = backup_host::parse_assignment(segment);
    if (!assignment)
        return refuse(text, "segment '" + std::string(segment) + "' is not KEY=VALUE");
    auto& [key, value] = *assignment;
    if (key == "plugin") {
        if (!command.plugin_id.empty())
            return refuse(text, "plugin= is given twice");
        if (!is_plugin_id(value))
            return refuse(
                text, "'" + value + "' is not a plugin id (lower-case letters, digits, '-', '_')");
        command.plugin_id = value;
        return {};
    }
    for (const PathKey& path_key : kPathKeys) {
        if (key != path_key.name)
            continue;
        auto& field = command.*(path_key.field);
        if (field)
            return refuse(text, key + "= is given twice");
        if (value.empty() || value.front() != '/')
            return refuse(text, key + "= needs an absolute path, not '" + value + "'");
        field = value;
        return {};
    }
    command.options.emplace_back(std::move(key), std::move(value));
    return {};
}

}  // namespace

backup_host::Result<BridgeCommand> parse_bridge_command(std::string_view text) {
    if (text.size() > kMaxCommandLength)
        return backup_host::fail(
            Status::bad_usage,
            "the plugin string is longer than " + std::to_string(kMaxCommandLength) + " bytes");
    if (has_control_character(text))
        return refuse(text, "it contains a control character");
    BridgeCommand command;
    command.text = text;
    std::string_view rest = text;
    std::size_t colon = rest.find(':');
    if (rest.substr(0, colon) != kBridgeName)
        return refuse(text, "it does not begin with \"" + std::string(kBridgeName) + ":\"");
    while (colon != std::string_view::npos) {
        rest.remove_prefix(colon + 1);
        colon = rest.find(':');
        const std::string_view segment = rest.substr(0, colon);
        if (segment.empty())
            return refuse(text, "it has an empty segment (\"::\" or a trailing ':')");
        if (auto taken = take_segment(text, segment, command); !taken)
            return std::unexpected(taken.error());
    }
    if (command.plugin_id.empty())
        return refuse(text, "it names no plugin: add plugin=ID (see: backup-host plugins)");
    return command;
}

std::string virtual_root(std::string_view plugin_id) {
    return "/@" + std::string(kBridgeName) + "/" + std::string(plugin_id);
}

}  // namespace certbackup::bacula
