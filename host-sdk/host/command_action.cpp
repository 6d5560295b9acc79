// backup-host PLUGIN ACTION [ARGS...]: a plugin's own action (e.g. `certificates list`), and
// backup-host PLUGIN --help: the plugin's options and actions.
#include "host-sdk/host/action_arguments.hpp"
#include "host-sdk/host/commands.hpp"
#include "host-sdk/host/host_output.hpp"

namespace certbackup::host {
namespace {

using backup_host::Status;

std::string plugin_help(const backup_host::PluginDescription& plugin) {
    std::string text;
    if (plugin.supports(backup_host::JobKind::action))
        text += "Usage: backup-host [OPTIONS] " + plugin.id + " ACTION [ARGS...]\n\n";
    text += plugin.id + " " + plugin.version + " (ABI " + std::to_string(plugin.abi_major) + "." +
            std::to_string(plugin.abi_minor) + ", item format " +
            std::to_string(plugin.format_version) + "): " + plugin.description + "\n";
    text += "Jobs: " + backup_host::job_names(plugin.jobs) + "\n";
    if (!plugin.options.empty()) {
        text += "\nOptions (-o KEY=VALUE; defaults can be set in [plugins." + plugin.id +
                "] of the configuration):\n";
        std::vector<std::vector<std::string>> rows;
        for (const backup_host::OptionDescription& option : plugin.options) {
            std::string type = backup_host::to_string(option.type);
            if (!option.choices.empty()) {
                type.clear();
                for (const std::string& choice : option.choices)
                    type += (type.empty() ? "" : "|") + choice;
            }
            std::string jobs;
            for (backup_host::JobKind kind : backup_host::all_job_kinds)
                if (option.used_by(kind))
                    jobs += (jobs.empty() ? "" : ",") + std::string(backup_host::to_string(kind));
            // Descriptions that already say what the default is are left as they are.
            const bool says_default = option.description.find("default") != std::string::npos;
            rows.push_back({"  " + option.name, type, jobs,
                            option.description + (option.default_value && !says_default
                                                      ? " (default: " + *option.default_value + ")"
                                                      : std::string())});
        }
        text += format_table(rows);
    }
    if (!plugin.actions.empty()) {
        text += "\nActions (backup-host " + plugin.id + " ACTION --help for details):\n";
        std::vector<std::vector<std::string>> rows;
        for (const backup_host::ActionDescription& action : plugin.actions)
            rows.push_back({"  " + action.name, action.summary});
        text += format_table(rows);
        text +=
            "\nThe host takes --password-file F, --password-fd N, --password-stdin and "
            "-o KEY=VALUE\nout of an action's arguments; the action gets the rest.\n";
    }
    return text;
}

std::string action_names(const backup_host::PluginDescription& plugin) {
    std::string names;
    for (const backup_host::ActionDescription& action : plugin.actions)
        names += (names.empty() ? "" : ", ") + action.name;
    return names;
}

}  // namespace

int run_plugin_action(HostSession& session, const std::vector<std::string>& words,
                      const std::string& commands) {
    const std::string& id = words.front();
    auto plugin = session.find_plugin(id, true);
    if (!plugin) {
        if (plugin.error().status == Status::bad_usage)
            return session.report(backup_host::Failure{
                Status::bad_usage, "'" + id + "' is neither a command (" + commands +
                                       ") nor an installed plugin: " + plugin.error().message});
        return session.report(plugin.error());
    }
    const backup_host::PluginDescription& description = plugin->description();
    if (words.size() >= 2 && (words[1] == "--help" || words[1] == "-h")) {
        std::fputs(plugin_help(description).c_str(), stdout);
        std::fflush(stdout);
        return 0;
    }
    if (!description.supports(backup_host::JobKind::action))
        return session.report(backup_host::Failure{
            Status::bad_usage, "plugin '" + id + "' has no actions (it does " +
                                   backup_host::job_names(description.jobs) +
                                   " jobs; see: backup-host " + id + " --help)"});
    if (words.size() < 2 || description.find_action(words[1]) == nullptr) {
        std::fputs(plugin_help(description).c_str(), stderr);
        return session.report(backup_host::Failure{
            Status::bad_usage,
            (words.size() < 2 ? "an action of plugin '" + id + "' is needed"
                              : "plugin '" + id + "' has no action '" + words[1] + "'") +
                " (its actions: " + action_names(description) + ")"});
    }
    auto split = split_action_arguments(std::vector<std::string>(words.begin() + 2, words.end()));
    if (!split)
        return session.report(split.error());
    auto job = session.plugin_job(*plugin, backup_host::JobKind::action, split->assignments);
    if (!job)
        return session.report(job.error());
    JobPassword password(std::move(split->password));
    HostContext context = session.job_context(password, stdout);
    const PluginOutcome outcome = run_action(context, *job, words[1], split->plugin_args);
    if (outcome.status != Status::ok)
        return session.report(backup_host::Failure{outcome.status, outcome.message});
    return 0;
}

}  // namespace certbackup::host
