#include "host-sdk/host/managed_jobs.hpp"

#include <optional>
#include <vector>

#include "host-sdk/management/run_state_store.hpp"

namespace certbackup::host {

void add_state_dir_flag(CLI::App& command, StateDirFlag& flag) {
    flag.option = command.add_option(
        "--state-dir", flag.directory,
        "where run states and job locks are kept; default: $STATE_DIRECTORY, else "
        "<config>.state beside the configuration file, else /var/lib/backup-host");
}

backup_host::Result<const HostConfig*> checked_job_config(HostSession& session) {
    auto config = session.config();
    if (!config)
        return std::unexpected(config.error());
    if ((*config)->jobs.empty())
        return *config;
    auto scan = session.plugins();
    if (!scan)
        return std::unexpected(scan.error());
    std::vector<backup_host::KnownPlugin> known;
    for (const backup_host::LoadedPlugin& plugin : (*scan)->plugins) {
        backup_host::KnownPlugin entry{plugin.id(), {}};
        for (const backup_host::OptionDescription& option : plugin.description().options)
            entry.options.push_back(option.name);
        known.push_back(std::move(entry));
    }
    if (auto checked = backup_host::check_job_plugins((*config)->jobs, known); !checked)
        return backup_host::fail(backup_host::Status::bad_usage, checked.error().message);
    return *config;
}

std::filesystem::path state_directory(const HostConfig& config, const StateDirFlag& flag) {
    if (flag.option != nullptr && flag.option->count() > 0)
        return std::filesystem::absolute(flag.directory);
    return backup_host::default_state_directory(config.file);
}

}  // namespace certbackup::host
