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

// One function per action; `args` without the action name.
backup_host::Result<void> action_list(const backup_host::Host&, const CertificatesOptions&,
                                      const std::vector<std::string>&);
backup_host::Result<void> action_show(const backup_host::Host&, const CertificatesOptions&,
                                      const std::vector<std::string>&);
backup_host::Result<void> action_delete_unused(const backup_host::Host&, const CertificatesOptions&,
                                               const std::vector<std::string>&);
backup_host::Result<void> action_import(const backup_host::Host&, const CertificatesOptions&,
                                        const std::vector<std::string>&);
backup_host::Result<void> action_export(const backup_host::Host&, const CertificatesOptions&,
                                        const std::vector<std::string>&);
backup_host::Result<void> action_settings(const backup_host::Host&, const CertificatesOptions&,
                                          const std::vector<std::string>&);

}  // namespace certbackup::plugin
