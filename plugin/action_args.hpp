// Argument parsing for actions, with CLI11: --help prints the usage through the host, bad
// arguments are bad usage (exit 2) with CLI11's message.
#pragma once

#include <CLI/CLI.hpp>
#include <backup_host/plugin.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace certbackup::plugin {

// Parses `args` into `app`. Returns:
//   true          - parsed, run the action
//   false         - help was printed, the action is done
//   Failure       - bad usage
inline backup_host::Result<bool> parse_action_args(const backup_host::Host& host, CLI::App& app,
                                                   const std::vector<std::string>& args) {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 consumes from the back
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        if (auto shown = host.output(app.help()); !shown)
            return std::unexpected(shown.error());
        return false;
    } catch (const CLI::ParseError& e) {
        return backup_host::fail(
            backup_host::Status::bad_usage,
            "certificates " + app.get_name() + ": " + e.what() + " (see --help)");
    }
    return true;
}

}  // namespace certbackup::plugin
