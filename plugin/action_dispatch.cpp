#include "actions.hpp"

namespace certbackup::plugin {

backup_host::Result<void> run_action(const backup_host::Host& host,
                                     const CertificatesOptions& options, std::string_view name,
                                     const std::vector<std::string>& args) {
    if (name == "list")
        return action_list(host, options, args);
    if (name == "show")
        return action_show(host, options, args);
    if (name == "delete-unused")
        return action_delete_unused(host, options, args);
    if (name == "import")
        return action_import(host, options, args);
    if (name == "export")
        return action_export(host, options, args);
    if (name == "settings")
        return action_settings(host, options, args);
    return backup_host::fail(backup_host::Status::bad_usage,
                             "certificates has no action '" + std::string(name) +
                                 "'; actions: list, show, delete-unused, import, export, settings");
}

}  // namespace certbackup::plugin
