// What several commands share: the password flags, -o, opening a set, tables.
#include <unistd.h>

#include <algorithm>

#include "host-sdk/host/action_arguments.hpp"
#include "host-sdk/host/commands.hpp"
#include "host-sdk/host/host_failure.hpp"
#include "host-sdk/host/host_output.hpp"
#include "host-sdk/host/read_limits.hpp"

namespace certbackup::host {

backup_host::Result<PasswordOptions> PasswordFlags::options() const {
    PasswordOptions options;
    if (file_option != nullptr && file_option->count() > 0)
        options.file = file;
    if (fd_option != nullptr && fd_option->count() > 0)
        options.fd = fd;
    options.from_stdin = from_stdin;
    options.none = none;
    if (auto one = check_one_password_source(options); !one)
        return std::unexpected(one.error());
    return options;
}

void add_password_flags(CLI::App& command, PasswordFlags& flags) {
    flags.file_option = command.add_option(
        "--password-file", flags.file,
        "read the password from FILE (a trailing newline is not part of it); default: the file "
        "$BACKUP_HOST_PASSWORD_FILE names, else a prompt on the terminal");
    flags.fd_option = command
                          .add_option("--password-fd", flags.fd,
                                      "read the password from the open file descriptor N")
                          ->check(CLI::NonNegativeNumber);
    command.add_flag("--password-stdin", flags.from_stdin, "read the password from standard input");
    command.add_flag("--no-password", flags.none,
                     "the data is protected by no password (only for reading; a backup or an "
                     "export always needs one)");
    command.get_option("--password-file")->group("Password (never on the command line)");
    flags.fd_option->group("Password (never on the command line)");
    command.get_option("--password-stdin")->group("Password (never on the command line)");
    command.get_option("--no-password")->group("Password (never on the command line)");
}

void add_source_option(CLI::App& command, std::string& source) {
    command
        .add_option("SOURCE", source,
                    "a set directory, FILE.tar, or - (a tar stream on standard input)")
        ->required();
}

void add_option_flag(CLI::App& command, std::vector<std::string>& assignments,
                     const std::string& what) {
    command.add_option("-o,--option", assignments, what)
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
}

backup_host::Result<backup_host::StorageOptions> reading_options_for(HostSession& session,
                                                                     const std::string& source) {
    backup_host::StorageOptions options;
    if (backup_host::parse_target(source).kind == backup_host::TargetKind::directory)
        return options;
    auto config = session.config();
    if (!config)
        return std::unexpected(config.error());
    options.tar_limits = tar_limits((*config)->limits);
    return options;
}

backup_host::Result<std::unique_ptr<backup_host::SetReader>> open_source(
    const std::string& source, const PasswordOptions& password,
    const backup_host::StorageOptions& options) {
    const backup_host::Target target = backup_host::parse_target(source);
    if (target.kind == backup_host::TargetKind::tar_stream && password.from_stdin)
        return backup_host::fail(backup_host::Status::bad_usage,
                                 "standard input carries the set (SOURCE -): give the password "
                                 "with --password-file or --password-fd");
    auto set = backup_host::open_set(backup_host::StorageIo::posix(), target, options);
    if (!set)
        return std::unexpected(to_failure(set.error()));
    return std::move(*set);
}

backup_host::Result<std::vector<backup_host::LoadedPlugin>> plugins_of_set(
    HostSession& session, const backup_host::SetReader& set, const std::vector<std::string>& only) {
    for (const std::string& named : only) {
        const auto& recorded = set.record().plugins();
        if (std::none_of(recorded.begin(), recorded.end(),
                         [&named](const auto& plugin) { return plugin.id() == named; }))
            return backup_host::fail(backup_host::Status::bad_usage,
                                     "set " + set.origin() + " holds nothing of plugin '" + named +
                                         "' (its plugins: " + plugin_list(set.record()) + ")");
    }
    std::vector<std::string> ids;
    for (const auto& plugin : set.record().plugins())
        if (only.empty() || std::find(only.begin(), only.end(), plugin.id()) != only.end())
            ids.push_back(plugin.id());
    if (ids.empty())
        return backup_host::fail(backup_host::Status::bad_usage,
                                 "set " + set.origin() + " lists no plugin");
    std::vector<backup_host::LoadedPlugin> plugins;
    for (const std::string& id : ids) {
        auto plugin = session.find_plugin(id, false);
        if (!plugin)
            return backup_host::fail(
                plugin.error().status,
                "set " + set.origin() + " needs plugin '" + id + "': " + plugin.error().message);
        plugins.push_back(std::move(*plugin));
    }
    return plugins;
}

backup_host::Result<std::vector<PluginJob>> jobs_for(
    HostSession& session, const std::vector<backup_host::LoadedPlugin>& plugins,
    backup_host::JobKind kind, const std::vector<std::string>& assignments) {
    std::vector<std::vector<std::string>> given(plugins.size());
    for (const std::string& text : assignments) {
        auto assignment = backup_host::parse_assignment(text);
        if (!assignment)
            return backup_host::fail(backup_host::Status::bad_usage,
                                     "-o " + assignment.error().message);
        bool taken = false;
        for (std::size_t i = 0; i < plugins.size(); ++i) {
            const auto* option = plugins[i].description().find_option(assignment->first);
            if (plugins.size() == 1 || (option != nullptr && option->used_by(kind))) {
                given[i].push_back(text);
                taken = true;
            }
        }
        if (!taken)
            return backup_host::fail(backup_host::Status::bad_usage,
                                     "no plugin of the set takes option '" + assignment->first +
                                         "' in " + backup_host::to_string(kind) + " jobs");
    }
    std::vector<PluginJob> jobs;
    for (std::size_t i = 0; i < plugins.size(); ++i) {
        auto job = session.plugin_job(plugins[i], kind, given[i]);
        if (!job)
            return std::unexpected(job.error());
        jobs.push_back(std::move(*job));
    }
    return jobs;
}

void print_table(const std::vector<std::string>& header,
                 std::vector<std::vector<std::string>> rows) {
    if (!header.empty() && ::isatty(STDOUT_FILENO) == 1)
        rows.insert(rows.begin(), header);
    std::fputs(format_table(rows).c_str(), stdout);
    std::fflush(stdout);
}

backup_host::Result<SetJobs> open_set_jobs(HostSession& session, const SetJobsRequest& request) {
    auto password = request.password.options();
    if (!password)
        return std::unexpected(password.error());
    auto options = reading_options_for(session, request.source);
    if (!options)
        return std::unexpected(options.error());
    auto set = open_source(request.source, *password, *options);
    if (!set)
        return std::unexpected(set.error());
    auto plugins = plugins_of_set(session, **set, request.plugins);
    if (!plugins)
        return std::unexpected(plugins.error());
    auto jobs = jobs_for(session, *plugins, request.kind, request.assignments);
    if (!jobs)
        return std::unexpected(jobs.error());
    return SetJobs{std::move(*password), std::move(*set), std::move(*jobs)};
}

nlohmann::json set_report_json(const backup_host::SetReader& set,
                               const std::optional<backup_host::Failure>& failure,
                               const std::vector<PluginOutcome>& plugins) {
    nlohmann::json outcomes = nlohmann::json::array();
    for (const PluginOutcome& outcome : plugins)
        outcomes.push_back(outcome_json(outcome));
    nlohmann::json json = {
        {"status", backup_host::to_string(failure ? failure->status : backup_host::Status::ok)},
        {"set_id", set.record().set_id()},
        {"source", set.origin()},
        {"plugins", std::move(outcomes)},
    };
    if (failure)
        json["error"] = failure->message;
    return json;
}

}  // namespace certbackup::host
