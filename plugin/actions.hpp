// The certificate manager's actions (CLI.md): `backup-host certificates ACTION [ARGS...]`.
// Each parses its own arguments (with --help), works on the store, and writes text for people
// or, with --json, one JSON document.
#pragma once

#include <backup_host/plugin.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "plugin_options.hpp"

namespace certbackup::plugin {

backup_host::Result<void> run_action(const backup_host::Host& host,
                                     const CertificatesOptions& options, std::string_view name,
                                     const std::vector<std::string>& args);

// One function per action, of this type; `args` without the action name.
using ActionFunction = backup_host::Result<void>(const backup_host::Host&,
                                                 const CertificatesOptions&,
                                                 const std::vector<std::string>&);
ActionFunction action_list;
ActionFunction action_show;
ActionFunction action_delete_unused;
ActionFunction action_import;
ActionFunction action_export;
ActionFunction action_settings;

}  // namespace certbackup::plugin
