// backup-host run JOB [--state-dir DIR]: runs a configured job now (docs/SCHEDULING.md).
//
// All of the job's plugins go into ONE set at the job's location (the runner puts each plugin's
// items under its own prefix and commits only when every plugin succeeded). Options: the
// configuration's [plugins.<id>] defaults, then the job's [job.options.<id>]. The password comes
// from password_file or $CREDENTIALS_DIRECTORY/<password_credential>. The run holds the job's
// lock (a second run of a running job says so, exit 1), is recorded in the job's run state, and
// after a success applies retention (a non-timestamped job: the job's earlier sets are deleted
// once the new set is committed). Prints the set id.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "host-sdk/host/commands.hpp"
#include "host-sdk/host/managed_jobs.hpp"
#include "host-sdk/management/prune.hpp"
#include "host-sdk/management/run_state_store.hpp"

namespace certbackup::host {
namespace {

struct RunArguments {
    std::string job;
    StateDirFlag state_dir;
};

// The job's [job.options.<id>] as -o texts, after the configured defaults. A relative path
// option is anchored at the configuration file's directory, as [plugins.<id>] values are.
std::vector<std::string> job_assignments(const backup_host::JobConfig& job,
                                         const backup_host::PluginDescription& plugin) {
    std::vector<std::string> texts;
    const backup_host::JobPluginOptions* options = job.options_for(plugin.id);
    if (options == nullptr)
        return texts;
    for (const backup_host::JobOption& option : options->options) {
        std::string value = option.text;
        const backup_host::OptionDescription* declared = plugin.find_option(option.key);
        if (declared != nullptr && declared->type == backup_host::OptionType::path &&
            !value.empty() && std::filesystem::path(value).is_relative()) {
            std::error_code error;
            const auto base = std::filesystem::absolute(job.file, error).parent_path();
            if (!error)
                value = (base / value).lexically_normal().string();
        }
        texts.push_back(option.key + "=" + value);
    }
    return texts;
}

// Runs the job's backup; fills `result` (outcome, status, message, set, warnings).
void run_job_backup(HostSession& session, const backup_host::JobConfig& job,
                    backup_host::RunResult& result) {
    const auto failed = [&](const backup_host::Failure& failure) {
        result.outcome =
            session.cancel().requested() || failure.status == backup_host::Status::cancelled
                ? backup_host::RunOutcome::cancelled
                : backup_host::RunOutcome::failed;
        result.status = backup_host::to_string(failure.status);
        result.exit_code = session.exit_code(failure.status);
        result.message = failure.message;
    };
    auto password_file = backup_host::password_file_path(job);
    if (!password_file)
        return failed({backup_host::Status::bad_usage, password_file.error().message});
    BackupRequest request;
    request.job_name = job.name;
    request.target = job.location.string();
    for (const std::string& id : job.plugins) {
        auto plugin = session.find_plugin(id, true);
        if (!plugin)
            return failed(plugin.error());
        auto plugin_job = session.plugin_job(*plugin, backup_host::JobKind::backup,
                                             job_assignments(job, plugin->description()));
        if (!plugin_job)
            return failed(plugin_job.error());
        request.plugins.push_back(std::move(*plugin_job));
    }
    std::error_code error;
    std::filesystem::create_directories(job.location, error);
    if (error)
        return failed(
            {backup_host::Status::failed,
             "cannot create the job's location " + job.location.string() + ": " + error.message()});
    PasswordOptions password_options;
    password_options.file = password_file->string();
    JobPassword password(std::move(password_options));
    HostContext context = session.job_context(password, stderr);
    const BackupReport report = run_backup(context, request);
    for (const PluginOutcome& outcome : report.plugins)
        for (const std::string& warning : outcome.warnings)
            result.warnings.push_back(outcome.plugin_id + ": " + warning);
    if (report.failure)
        return failed(*report.failure);
    result.outcome = backup_host::RunOutcome::succeeded;
    result.status = "ok";
    result.exit_code = 0;
    result.set_id = report.record.set_id();
}

// Retention after a successful run; problems become warnings of the run (the backup itself
// succeeded and is kept).
void apply_retention_after_run(HostSession& session, const backup_host::JobConfig& job,
                               backup_host::RunResult& result) {
    certbackup::Result<backup_host::PruneReport> report =
        job.timestamped ? backup_host::prune_job(Env::posix(), job.location, job.name,
                                                 backup_host::effective_retention(job),
                                                 std::chrono::system_clock::now(), false)
                        : backup_host::delete_replaced_sets(Env::posix(), job.location, job.name,
                                                            *result.set_id);
    if (!report) {
        result.warnings.push_back("retention: " + report.error().message);
        session.logger().warn("job {}: retention failed: {}", job.name, report.error().message);
        return;
    }
    for (const backup_host::RetentionDecision& deleted : report->deleted) {
        result.deleted_sets.push_back(deleted.id);
        session.logger().info("job {}: deleted set {} ({})", job.name, deleted.id, deleted.reason);
    }
    for (const backup_host::PruneFailure& failure : report->failures)
        result.warnings.push_back("retention: cannot delete set " + failure.id + ": " +
                                  failure.error.message);
}

}  // namespace

int run_configured_job(HostSession& session, const backup_host::JobConfig& job,
                       backup_host::RunStateStore& store, backup_host::RunTrigger trigger,
                       std::optional<backup_host::SystemTime> slot) {
    auto lock = store.lock(job.name);
    if (!lock)
        // "job 'X' is already running (pid N)": the job did not run (exit 1).
        return session.report(to_failure(lock.error()));
    auto state = store.load(job.name);
    if (!state)
        return session.report(to_failure(state.error()));
    const auto now = std::chrono::system_clock::now();
    if (auto recovered = backup_host::recover_interrupted_run(*state, now))
        session.logger().warn(
            "job {}: an earlier run (pid {}) ended without a result; recorded "
            "as failed",
            job.name, recovered->start.pid);
    backup_host::apply_configuration(*state, backup_host::configuration_hash(job), now);
    if (auto started = backup_host::record_start(
            *state, backup_host::RunStart{trigger, slot, now, static_cast<int>(::getpid())});
        !started)
        return session.report(to_failure(started.error()));
    if (auto saved = store.save(*lock, *state); !saved)
        return session.report(to_failure(saved.error()));

    session.logger().info("job {}: started ({})", job.name, backup_host::to_string(trigger));
    backup_host::RunResult result;
    run_job_backup(session, job, result);
    if (result.outcome == backup_host::RunOutcome::succeeded)
        apply_retention_after_run(session, job, result);

    auto recorded = backup_host::record_result(*state, result, std::chrono::system_clock::now());
    if (!recorded)
        return session.report(to_failure(recorded.error()));
    if (auto saved = store.save(*lock, *state); !saved)
        return session.report(to_failure(saved.error()));
    if (recorded->re_enabled)
        session.logger().warn("job {}: enabled again after a successful run", job.name);
    if (recorded->disabled_now)
        session.logger().error("job {}: {}", job.name, state->disabled->reason);

    if (result.outcome != backup_host::RunOutcome::succeeded) {
        session.logger().error("job {}: {}", job.name, result.message);
        return result.exit_code == 0 ? 1 : result.exit_code;
    }
    session.logger().info("job {}: set {} written to {}", job.name, *result.set_id,
                          job.location.string());
    std::printf("%s\n", result.set_id->c_str());
    std::fflush(stdout);
    return 0;
}

namespace {

// The options of `run`, bound to `arguments`.
void declare_run_options(CLI::App& command, RunArguments& arguments) {
    command.description("Run a configured job now; prints the set id");
    command.add_option("JOB", arguments.job, "the job's name (see: backup-host schedule)")
        ->required();
    add_state_dir_flag(command, arguments.state_dir);
}

int run_run_command(HostSession& session, const RunArguments& arguments) {
    auto config = checked_job_config(session);
    if (!config)
        return session.report(config.error());
    const backup_host::JobConfig* job = backup_host::find_job((*config)->jobs, arguments.job);
    if (job == nullptr) {
        std::string names;
        for (const backup_host::JobConfig& candidate : (*config)->jobs)
            names += (names.empty() ? "" : ", ") + candidate.name;
        return session.report(backup_host::Failure{
            backup_host::Status::bad_usage,
            "no job '" + arguments.job + "' in the configuration" +
                ((*config)->file ? " " + (*config)->file->string() : std::string()) +
                " (jobs: " + (names.empty() ? "none" : names) + ")"});
    }
    backup_host::RunStateStore store(Env::posix(), state_directory(**config, arguments.state_dir));
    return run_configured_job(session, *job, store, backup_host::RunTrigger::manual, std::nullopt);
}

}  // namespace

Command add_run_command(CLI::App& app) {
    return add_command(app, "run", declare_run_options, run_run_command);
}

}  // namespace certbackup::host
