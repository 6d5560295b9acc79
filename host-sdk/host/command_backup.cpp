// backup-host backup PLUGIN --to TARGET [-o KEY=VALUE]... [password] [--json]: one backup set of
// one plugin; prints the set id (on standard error when the set itself goes to standard
// output). The plugin's report for people goes to standard error.
#include <memory>

#include "host-sdk/host/commands.hpp"
#include "host-sdk/host/host_output.hpp"
#include "host-sdk/storage/storage_target.hpp"

namespace certbackup::host {
namespace {

struct BackupArguments {
    std::string plugin;
    std::string target;
    std::vector<std::string> options;
    PasswordFlags password;
    bool json = false;
};

nlohmann::json report_json(const BackupReport& report) {
    nlohmann::json plugins = nlohmann::json::array();
    for (const PluginOutcome& outcome : report.plugins)
        plugins.push_back(outcome_json(outcome));
    nlohmann::json json = {
        {"status",
         backup_host::to_string(report.failure ? report.failure->status : backup_host::Status::ok)},
        {"destination", report.destination},
        {"plugins", std::move(plugins)},
    };
    if (report.failure) {
        json["error"] = report.failure->message;
    } else {
        json["set"] = set_json(report.record);
        json["set_id"] = report.record.set_id();
    }
    return json;
}

// The options of `backup`, bound to `arguments`.
void declare_backup_options(CLI::App& command, BackupArguments& arguments) {
    command.description("Back up with one plugin into a new backup set; prints the set id");
    command.add_option("PLUGIN", arguments.plugin, "the plugin (see: backup-host plugins)")
        ->required();
    command
        .add_option("--to", arguments.target,
                    "where the set goes: a directory (the set becomes its subdirectory named by "
                    "the set id), FILE.tar, or - (a tar stream on standard output)")
        ->type_name("TARGET")
        ->required();
    add_option_flag(command, arguments.options,
                    "a plugin option (see: backup-host PLUGIN --help); after the defaults of "
                    "[plugins.PLUGIN] in the configuration");
    add_password_flags(command, arguments.password);
    command.add_flag("--json", arguments.json,
                     "print the set and each plugin's result as JSON instead of the set id");
}

int run_backup_command(HostSession& session, const BackupArguments& arguments) {
    const bool to_stream =
        backup_host::parse_target(arguments.target).kind == backup_host::TargetKind::tar_stream;
    if (to_stream && arguments.json)
        return session.report(backup_host::Failure{
            backup_host::Status::bad_usage,
            "--json and --to - cannot go together: standard output carries the backup set"});
    auto password_options = arguments.password.options();
    if (!password_options)
        return session.report(password_options.error());
    if (password_options->none)
        return session.report(backup_host::Failure{
            backup_host::Status::bad_usage,
            "--no-password cannot be used for a backup: a backup is always protected by a "
            "password; give it with --password-file, --password-fd or --password-stdin"});
    auto plugin = session.find_plugin(arguments.plugin, true);
    if (!plugin)
        return session.report(plugin.error());
    auto job = session.plugin_job(*plugin, backup_host::JobKind::backup, arguments.options);
    if (!job)
        return session.report(job.error());

    JobPassword password(std::move(*password_options));
    // Standard output is the set id's (or the JSON's, or the set's itself): a plugin's report
    // goes to standard error, so that `id=$(backup-host backup ...)` works.
    HostContext context = session.job_context(password, stderr);
    BackupRequest request;
    request.job_name = plugin->id();
    request.plugins.push_back(std::move(*job));
    request.target = arguments.target;
    const BackupReport report = run_backup(context, request);

    if (arguments.json)
        print_json(stdout, report_json(report));
    if (report.failure)
        return session.report(*report.failure);
    session.logger().info("set {} written to {} ({} items, {} bytes)", report.record.set_id(),
                          report.destination, report.record.items_size(),
                          report.record.total_size());
    if (!arguments.json) {
        std::FILE* out = to_stream ? stderr : stdout;
        std::fprintf(out, "%s\n", report.record.set_id().c_str());
        std::fflush(out);
    }
    return 0;
}

}  // namespace

Command add_backup_command(CLI::App& app) {
    return add_command(app, "backup", declare_backup_options, run_backup_command);
}

}  // namespace certbackup::host
