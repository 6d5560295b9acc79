// backup-host history [JOB] [--json] [--state-dir DIR]: the recorded runs of every configured
// job (or JOB's), oldest first: start, trigger, result, duration, set id, warnings.
#include <cstdio>
#include <memory>

#include "host-sdk/host/commands.hpp"
#include "host-sdk/host/host_output.hpp"
#include "host-sdk/host/managed_jobs.hpp"

namespace certbackup::host {
namespace {

struct HistoryArguments {
    std::string job;
    bool json = false;
    StateDirFlag state_dir;
};

nlohmann::json record_json(const std::string& job, const backup_host::RunRecord& record) {
    return {
        {"job", job},
        {"trigger", backup_host::to_string(record.start.trigger)},
        {"started", backup_host::format_local_rfc3339(record.start.started)},
        {"finished", backup_host::format_local_rfc3339(record.finished)},
        {"duration_ms", record.duration.count()},
        {"outcome", backup_host::to_string(record.result.outcome)},
        {"status", record.result.status},
        {"exit_code", record.result.exit_code},
        {"message", record.result.message},
        {"set_id",
         record.result.set_id ? nlohmann::json(*record.result.set_id) : nlohmann::json(nullptr)},
        {"warnings", record.result.warnings},
        {"deleted_sets", record.result.deleted_sets},
    };
}

// The options of `history`, bound to `arguments`.
void declare_history_options(CLI::App& command, HistoryArguments& arguments) {
    command.description("List the recorded runs of the jobs, with their results");
    command.add_option("JOB", arguments.job, "only this job (default: every configured job)");
    command.add_flag("--json", arguments.json, "print the runs as JSON");
    add_state_dir_flag(command, arguments.state_dir);
}

int run_history_command(HostSession& session, const HistoryArguments& arguments) {
    auto config = session.config();
    if (!config)
        return session.report(config.error());
    std::vector<std::string> names;
    if (!arguments.job.empty())
        names.push_back(arguments.job);
    else
        for (const backup_host::JobConfig& job : (*config)->jobs)
            names.push_back(job.name);
    const backup_host::RunStateStore store(Env::posix(),
                                           state_directory(**config, arguments.state_dir));
    nlohmann::json all = nlohmann::json::array();
    std::vector<std::vector<std::string>> rows;
    for (const std::string& name : names) {
        auto state = store.load(name);
        if (!state)
            return session.report(to_failure(state.error(), ArgumentSource::user));
        for (const backup_host::RunRecord& record : state->history) {
            all.push_back(record_json(name, record));
            std::string result = backup_host::to_string(record.result.outcome);
            if (!record.result.message.empty())
                result += ": " + record.result.message;
            rows.push_back({name, backup_host::format_local_for_people(record.start.started),
                            backup_host::to_string(record.start.trigger),
                            std::to_string(record.duration.count()) + " ms",
                            record.result.set_id.value_or("-"),
                            std::to_string(record.result.warnings.size()) + " warning(s)", result});
        }
    }
    if (arguments.json) {
        print_json(stdout, all);
        return 0;
    }
    if (rows.empty()) {
        std::printf("no runs recorded\n");
        return 0;
    }
    print_table({"JOB", "STARTED", "TRIGGER", "DURATION", "SET", "WARNINGS", "RESULT"},
                std::move(rows));
    return 0;
}

}  // namespace

Command add_history_command(CLI::App& app) {
    return add_command(app, "history", declare_history_options, run_history_command);
}

}  // namespace certbackup::host
