#include <array>

#include "actions.hpp"

namespace certbackup::plugin {
namespace {

struct ActionEntry {
    std::string_view name;
    ActionFunction* run;
};

// Name -> function, in the order of the declared actions (plugin_options.hpp, kActions).
constexpr std::array<ActionEntry, 6> kActionTable{{
    {"list", &action_list},
    {"show", &action_show},
    {"delete-unused", &action_delete_unused},
    {"import", &action_import},
    {"export", &action_export},
    {"settings", &action_settings},
}};
static_assert(kActionTable.size() == detail::kActions.size(), "an action without a function");

}  // namespace

backup_host::Result<void> run_action(const backup_host::Host& host,
                                     const CertificatesOptions& options, std::string_view name,
                                     const std::vector<std::string>& args) {
    std::string names;
    for (const ActionEntry& entry : kActionTable) {
        if (entry.name == name)
            return entry.run(host, options, args);
        names += (names.empty() ? "" : ", ") + std::string(entry.name);
    }
    return backup_host::fail(
        backup_host::Status::bad_usage,
        "certificates has no action '" + std::string(name) + "'; actions: " + names);
}

}  // namespace certbackup::plugin
