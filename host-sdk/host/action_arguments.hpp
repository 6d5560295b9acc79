// `backup-host PLUGIN ACTION [ARGS...]`: the host takes its own flags out of ARGS (the password
// flags of CLI.md and -o KEY=VALUE) and passes the rest, in order, to the plugin's action, which
// parses its own flags (--store, --json, --help, ...).
//
// Host flags: --password-file F, --password-fd N, --password-stdin, --no-password (one of them
// at most),
// -o KEY=VALUE / -oKEY=VALUE / --option KEY=VALUE, each also as --flag=VALUE. A "--" ends the
// host's flags: it and everything after it go to the plugin unchanged.
#pragma once

#include <string>
#include <vector>

#include <backup_host/status.hpp>

#include "host-sdk/host/password_source.hpp"

namespace certbackup::host {

struct ActionArguments {
    PasswordOptions password;
    std::vector<std::string> assignments;  // the -o texts, in order
    std::vector<std::string> plugin_args;  // everything else, in order
};

// bad_usage when a host flag lacks its value, --password-fd is not a descriptor number, or
// several password sources are given.
backup_host::Result<ActionArguments> split_action_arguments(const std::vector<std::string>& args);

// bad_usage unless at most one password source is set.
backup_host::Result<void> check_one_password_source(const PasswordOptions& password);

}  // namespace certbackup::host
