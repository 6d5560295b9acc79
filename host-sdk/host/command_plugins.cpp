// backup-host plugins [--json]: the installed plugins with id, version, ABI, format version,
// jobs and actions; plugins that do not load and configuration tables that do not fit are
// reported on standard error (and under "problems" with --json).
#include <memory>

#include "host-sdk/host/commands.hpp"
#include "host-sdk/host/host_output.hpp"

namespace certbackup::host {
namespace {

std::string join(const std::vector<std::string>& words, const char* separator) {
    std::string text;
    for (const std::string& word : words)
        text += (text.empty() ? "" : separator) + word;
    return text;
}

// The configuration's [plugins.<id>] tables that do not fit what is installed, for people to
// fix before a job needs them. The listing itself does not depend on the configuration.
std::vector<std::string> configuration_problems(HostSession& session,
                                                const backup_host::PluginScan& scan) {
    std::vector<std::string> problems;
    auto config = session.config();
    if (!config)
        return {config.error().message};
    for (const PluginDefaults& defaults : (*config)->plugins) {
        auto plugin = scan.find(defaults.plugin_id);
        if (!plugin) {
            problems.push_back(defaults.where + ": [plugins." + defaults.plugin_id +
                               "] names a plugin that is not installed");
            continue;
        }
        if (auto checked = check_plugin_defaults(defaults, plugin->description()); !checked)
            problems.push_back(checked.error().message);
    }
    return problems;
}

int run_plugins(HostSession& session, bool json) {
    auto scan = session.plugins();
    if (!scan)
        return session.report(scan.error());
    const std::vector<std::string> config_problems = configuration_problems(session, **scan);
    for (const std::string& problem : config_problems)
        session.logger().warn("{}", problem);
    if (json) {
        nlohmann::json plugins = nlohmann::json::array();
        for (const backup_host::LoadedPlugin& plugin : (*scan)->plugins)
            plugins.push_back(plugin_json(plugin.description()));
        nlohmann::json problems = nlohmann::json::array();
        for (const backup_host::Failure& problem : (*scan)->problems)
            problems.push_back(problem.message);
        for (const std::string& problem : config_problems)
            problems.push_back(problem);
        print_json(stdout, {{"directory", (*scan)->directory.string()},
                            {"plugins", std::move(plugins)},
                            {"problems", std::move(problems)}});
        return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const backup_host::LoadedPlugin& plugin : (*scan)->plugins) {
        const backup_host::PluginDescription& description = plugin.description();
        std::vector<std::string> jobs;
        for (backup_host::JobKind kind : backup_host::all_job_kinds)
            if (description.supports(kind) && kind != backup_host::JobKind::action)
                jobs.push_back(backup_host::to_string(kind));
        std::vector<std::string> actions;
        for (const backup_host::ActionDescription& action : description.actions)
            actions.push_back(action.name);
        rows.push_back(
            {description.id, description.version,
             std::to_string(description.abi_major) + "." + std::to_string(description.abi_minor),
             std::to_string(description.format_version), join(jobs, ","),
             actions.empty() ? "-" : join(actions, ",")});
    }
    print_table({"ID", "VERSION", "ABI", "FORMAT", "JOBS", "ACTIONS"}, std::move(rows));
    return 0;
}

}  // namespace

Command add_plugins_command(CLI::App& app) {
    auto json = std::make_shared<bool>(false);
    CLI::App* command = app.add_subcommand(
        "plugins",
        "List the installed plugins: id, version, ABI, format version, jobs, actions "
        "(backup-host PLUGIN --help shows one plugin's options and actions)");
    command->add_flag("--json", *json, "print JSON");
    return {command, [json](HostSession& session) { return run_plugins(session, *json); }};
}

}  // namespace certbackup::host
