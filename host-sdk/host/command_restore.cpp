// backup-host restore SOURCE [--plugin P]... [-o KEY=VALUE]... [--dry-run] [password] [--json]:
// gives a set's items back to its plugins, which write the data where their options say. With
// several plugins in the set and no --plugin, every one restores, in the set's order, stopping at
// the first failure.
#include <memory>

#include "host-sdk/host/commands.hpp"
#include "host-sdk/host/host_output.hpp"

namespace certbackup::host {
namespace {

struct RestoreArguments {
    std::string source;
    std::vector<std::string> plugins;
    std::vector<std::string> options;
    bool dry_run = false;
    PasswordFlags password;
    bool json = false;
};

// The options of `restore`, bound to `arguments`.
void declare_restore_options(CLI::App& command, RestoreArguments& arguments) {
    command.description(
        "Restore a backup set through its plugins (every item's digest is checked)");
    add_source_option(command, arguments.source);
    command.add_option("--plugin", arguments.plugins,
                       "restore only this plugin's part of the set; repeat for several "
                       "(default: every plugin of the set, in order; a set written without a "
                       "password restores only the plugins named here)");
    add_option_flag(command, arguments.options,
                    "a plugin option, e.g. -o target=DIR (see: backup-host PLUGIN --help); after "
                    "the defaults of [plugins.PLUGIN] in the configuration");
    command.add_flag("--dry-run", arguments.dry_run,
                     "report what would be created, skipped or replaced; write nothing");
    add_password_flags(command, arguments.password);
    command.add_flag("--json", arguments.json,
                     "print each plugin's result as JSON (plugins' text goes to standard error)");
}

int run_restore_command(HostSession& session, const RestoreArguments& arguments) {
    auto opened = open_set_jobs(session, {arguments.source, arguments.plugins, arguments.options,
                                          arguments.password, backup_host::JobKind::restore});
    if (!opened)
        return session.report(opened.error());
    const backup_host::SetReader& set = *opened->set;

    JobPassword password(std::move(opened->password));
    HostContext context = session.job_context(password, arguments.json ? stderr : stdout);
    const RestoreReport report = run_restore(
        context, set, {std::move(opened->jobs), !arguments.plugins.empty(), arguments.dry_run});

    if (arguments.json) {
        nlohmann::json json = set_report_json(set, report.failure, report.plugins);
        json["dry_run"] = arguments.dry_run;
        if (report.record_authenticated)
            json["record_authenticated"] = *report.record_authenticated;
        print_json(stdout, json);
    }
    if (report.failure)
        return session.report(*report.failure);
    session.logger().info("{} set {} ({})", arguments.dry_run ? "checked a restore of" : "restored",
                          set.origin(), plugin_list(set.record()));
    return 0;
}

}  // namespace

Command add_restore_command(CLI::App& app) {
    return add_command(app, "restore", declare_restore_options, run_restore_command);
}

}  // namespace certbackup::host
