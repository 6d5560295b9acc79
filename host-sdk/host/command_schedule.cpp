// backup-host schedule [--preview N] [--from TIME] [--json] [--state-dir DIR]: every configured
// job with its schedule in words, whether it is enabled (and why not), and its next N run times
// on the local clock (docs/SCHEDULING.md).
#include <chrono>
#include <cstdio>
#include <memory>

#include "certbackup/base/printable_text.hpp"
#include "host-sdk/host/commands.hpp"
#include "host-sdk/host/host_output.hpp"
#include "host-sdk/host/managed_jobs.hpp"
#include "host-sdk/management/run_state_store.hpp"

namespace certbackup::host {
namespace {

struct ScheduleArguments {
    std::size_t preview = 5;
    std::string from;
    CLI::Option* from_option = nullptr;
    bool json = false;
    StateDirFlag state_dir;
};

// One job as `schedule` shows it.
struct JobView {
    const backup_host::JobConfig* job = nullptr;
    std::string words;   // the schedule in words, or why it has none
    std::string status;  // "enabled" or "disabled: why"
    bool enabled = true;
    std::vector<backup_host::SystemTime> next;
};

backup_host::Result<JobView> view_of(const backup_host::JobConfig& job,
                                     const backup_host::RunStateStore& store,
                                     backup_host::SystemTime from, std::size_t preview) {
    JobView view;
    view.job = &job;
    view.words = job.schedule ? job.schedule->describe() : "no schedule: runs only by `run`";
    auto state = store.load(job.name);
    if (!state)
        return backup_host::fail(backup_host::Status::failed, state.error().message);
    if (!job.enabled) {
        view.enabled = false;
        view.status = "disabled: enabled = false in the configuration";
    } else if (backup_host::is_disabled(*state, backup_host::configuration_hash(job))) {
        view.enabled = false;
        view.status = "disabled: " + state->disabled->reason;
    } else {
        view.status = "enabled";
    }
    if (job.schedule)
        view.next = job.schedule->next_runs(from, preview);
    return view;
}

nlohmann::json view_json(const JobView& view) {
    nlohmann::json next = nlohmann::json::array();
    for (const backup_host::SystemTime time : view.next)
        next.push_back(backup_host::format_local_rfc3339(time));
    nlohmann::json json = {
        {"name", view.job->name},
        {"plugins", view.job->plugins},
        {"location", view.job->location.string()},
        {"description", view.words},
        {"enabled", view.enabled},
        {"status", view.status},
        {"next_runs", std::move(next)},
    };
    json["schedule"] = view.job->schedule_text ? nlohmann::json(*view.job->schedule_text)
                                               : nlohmann::json(nullptr);
    return json;
}

void print_view(const JobView& view) {
    const backup_host::JobConfig& job = *view.job;
    std::string plugins;
    for (const std::string& plugin : job.plugins)
        plugins += (plugins.empty() ? "" : ", ") + plugin;
    // The state file's status message and the configuration's text are escaped for the terminal.
    std::printf("%s\n", printable(job.name).c_str());
    std::printf("  schedule: %s%s\n", printable(view.words).c_str(),
                job.schedule_text ? printable(" (" + *job.schedule_text + ")").c_str() : "");
    std::printf("  plugins:  %s\n  location: %s\n  status:   %s\n", printable(plugins).c_str(),
                printable(job.location.string()).c_str(), printable(view.status).c_str());
    if (job.schedule && view.next.empty())
        std::printf("  next:     none (the schedule's window has ended)\n");
    for (std::size_t i = 0; i < view.next.size(); ++i)
        std::printf("  %s %s\n", i == 0 ? "next:    " : "         ",
                    backup_host::format_local_for_people(view.next[i]).c_str());
}

// The options of `schedule`, bound to `arguments`.
void declare_schedule_options(CLI::App& command, ScheduleArguments& arguments) {
    command.description("Show the configured jobs, their schedules in words and next run times");
    command.add_option("--preview", arguments.preview, "how many next run times (default 5)")
        ->check(CLI::Range(0, 1000));
    arguments.from_option = command.add_option(
        "--from", arguments.from,
        "list run times after this local time (YYYY-MM-DDTHH:MM[:SS], or with an offset); "
        "default: now");
    command.add_flag("--json", arguments.json, "print the jobs as JSON");
    add_state_dir_flag(command, arguments.state_dir);
}

int run_schedule_command(HostSession& session, const ScheduleArguments& arguments) {
    auto config = checked_job_config(session);
    if (!config)
        return session.report(config.error());
    backup_host::SystemTime from = std::chrono::system_clock::now();
    if (arguments.from_option->count() > 0) {
        auto parsed = backup_host::parse_time_argument(arguments.from);
        if (!parsed)
            return session.report(to_failure(parsed.error(), ArgumentSource::user));
        from = *parsed;
    }
    const backup_host::RunStateStore store(Env::posix(),
                                           state_directory(**config, arguments.state_dir));
    std::vector<JobView> views;
    for (const backup_host::JobConfig& job : (*config)->jobs) {
        auto view = view_of(job, store, from, arguments.preview);
        if (!view)
            return session.report(view.error());
        views.push_back(std::move(*view));
    }
    if (arguments.json) {
        nlohmann::json jobs = nlohmann::json::array();
        for (const JobView& view : views)
            jobs.push_back(view_json(view));
        print_json(stdout, jobs);
        return 0;
    }
    if (views.empty()) {
        std::printf("no jobs configured (add [[job]] entries to the configuration file)\n");
        return 0;
    }
    for (std::size_t i = 0; i < views.size(); ++i) {
        if (i > 0)
            std::printf("\n");
        print_view(views[i]);
    }
    std::fflush(stdout);
    return 0;
}

}  // namespace

Command add_schedule_command(CLI::App& app) {
    return add_command(app, "schedule", declare_schedule_options, run_schedule_command);
}

}  // namespace certbackup::host
