// backup-host verify SOURCE [--plugin P] [password] [--json]: checks every item of a set against
// its record (size and SHA-256), then lets each plugin check its own items (e.g. the
// certificates plugin's manifest MAC and payloads). Changes nothing.
#include <memory>

#include "host-sdk/host/commands.hpp"
#include "host-sdk/host/host_output.hpp"

namespace certbackup::host {
namespace {

struct VerifyArguments {
    std::string source;
    std::vector<std::string> plugins;
    std::vector<std::string> options;
    PasswordFlags password;
    bool json = false;
};

// The options of `verify`, bound to `arguments`.
void declare_verify_options(CLI::App& command, VerifyArguments& arguments) {
    command.description(
        "Check every item and every payload of a backup set (host digests, then each plugin's "
        "own checks); changes nothing");
    add_source_option(command, arguments.source);
    command.add_option("--plugin", arguments.plugins,
                       "let only this plugin check its part (repeatable; the host still checks "
                       "every item)");
    add_option_flag(command, arguments.options,
                    "a plugin option for its verify job (see: backup-host PLUGIN --help)");
    add_password_flags(command, arguments.password);
    command.add_flag("--json", arguments.json, "print the result as JSON");
}

int run_verify_command(HostSession& session, const VerifyArguments& arguments) {
    auto opened = open_set_jobs(session, {arguments.source, arguments.plugins, arguments.options,
                                          arguments.password, backup_host::JobKind::verify});
    if (!opened)
        return session.report(opened.error());
    const backup_host::SetReader& set = *opened->set;

    JobPassword password(std::move(opened->password));
    HostContext context = session.job_context(password, arguments.json ? stderr : stdout);
    const VerifyReport report = run_verify(context, set, opened->jobs);

    if (arguments.json) {
        nlohmann::json json = set_report_json(set, report.failure, report.plugins);
        if (report.record_authenticated)
            json["record_authenticated"] = *report.record_authenticated;
        json["items_checked"] = report.items_checked;
        json["items"] = report.items;
        json["size"] = report.bytes;
        print_json(stdout, json);
    } else {
        std::vector<std::vector<std::string>> rows;
        if (report.record_authenticated)
            rows.push_back({"record", *report.record_authenticated
                                          ? "authenticated with the password"
                                          : "NOT authenticated (written without a password)"});
        if (report.items_checked)
            rows.push_back({"set " + set.record().set_id(),
                            std::to_string(report.items) + " items, " +
                                std::to_string(report.bytes) + " bytes: sizes and digests match"});
        for (const PluginOutcome& outcome : report.plugins)
            rows.push_back({"plugin " + outcome.plugin_id,
                            outcome.status == backup_host::Status::ok
                                ? std::string("ok")
                                : std::string(backup_host::to_string(outcome.status))});
        print_table({}, std::move(rows));
    }
    if (report.failure)
        return session.report(*report.failure);
    return 0;
}

}  // namespace

Command add_verify_command(CLI::App& app) {
    return add_command(app, "verify", declare_verify_options, run_verify_command);
}

}  // namespace certbackup::host
