// SPDX-License-Identifier: AGPL-3.0-only (see bacula/LICENSE)
//
// The bridge's FileSet line, parsed: what Bacula passes as the plugin string of a job.
//
//   Plugin = "backup-host:plugin=ID[:config=FILE][:plugin_dir=DIR][:password_file=FILE]
//             [:KEY=VALUE...]"
//
// Segments are separated by ':' (so no value can contain one); each is KEY=VALUE. `plugin` is
// required and names the backup-host plugin; `config`, `plugin_dir` and `password_file` are
// the bridge's own keys (absolute paths, each at most once); every other KEY=VALUE is an option
// of the plugin, as `-o KEY=VALUE` of backup-host, in the order written.
//
// The string comes from the director's configuration at backup time and from the catalog at
// restore time: it is checked as hostile input. Errors are Status::bad_usage naming the
// segment. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <backup_host/host/option_validation.hpp>
#include <backup_host/status.hpp>

namespace certbackup::bacula {

// The name Bacula knows the bridge by: the file backup-host-fd.so, the string's first segment.
inline constexpr std::string_view kBridgeName = "backup-host";

struct BridgeCommand {
    std::string text;  // the whole plugin string, as Bacula gave it
    std::string plugin_id;
    std::optional<std::string> config_file;
    std::optional<std::string> plugin_dir;
    std::optional<std::string> password_file;
    backup_host::OptionAssignments options;  // the plugin's KEY=VALUE, in order
};

backup_host::Result<BridgeCommand> parse_bridge_command(std::string_view text);

// Where the set of `plugin_id` appears in Bacula: "/@backup-host/<plugin_id>".
std::string virtual_root(std::string_view plugin_id);

}  // namespace certbackup::bacula
