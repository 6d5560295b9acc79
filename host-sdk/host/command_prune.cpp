// backup-host prune [JOB] [--dry-run]: applies each job's retention to its location (or JOB's
// only); prints every set it deletes (or would delete) and why. Never the newest complete set of
// a job, never a set of another job, never a set being written (management/retention.hpp).
#include <chrono>
#include <cstdio>
#include <memory>

#include "certbackup/base/printable_text.hpp"
#include "host-sdk/host/commands.hpp"
#include "host-sdk/host/managed_jobs.hpp"
#include "host-sdk/management/prune.hpp"

namespace certbackup::host {
namespace {

struct PruneArguments {
    std::string job;
    bool dry_run = false;
};

// The options of `prune`, bound to `arguments`.
void declare_prune_options(CLI::App& command, PruneArguments& arguments) {
    command.description(
        "Apply the jobs' retention (keep_last, max_age_days); prints what it deletes");
    command.add_option("JOB", arguments.job, "only this job (default: every job)");
    command.add_flag("--dry-run", arguments.dry_run, "only print what would be deleted");
}

int run_prune_command(HostSession& session, const PruneArguments& arguments) {
    auto config = checked_job_config(session);
    if (!config)
        return session.report(config.error());
    if (!arguments.job.empty() && backup_host::find_job((*config)->jobs, arguments.job) == nullptr)
        return session.report(backup_host::Failure{
            backup_host::Status::bad_usage,
            "no job '" + arguments.job + "' in the configuration (see: backup-host schedule)"});
    int exit_code = 0;
    const auto now = std::chrono::system_clock::now();
    for (const backup_host::JobConfig& job : (*config)->jobs) {
        if (!arguments.job.empty() && job.name != arguments.job)
            continue;
        const backup_host::RetentionPolicy policy = backup_host::effective_retention(job);
        if (policy.empty()) {
            std::printf("%s: no retention configured, nothing to prune\n",
                        printable(job.name).c_str());
            continue;
        }
        auto report = backup_host::prune_job(Env::posix(), job.location, job.name, policy, now,
                                             arguments.dry_run);
        if (!report) {
            session.report(to_failure(report.error()));
            exit_code = 1;
            continue;
        }
        const auto& listed = arguments.dry_run ? report->plan.remove : report->deleted;
        for (const backup_host::RetentionDecision& decision : listed)
            std::printf("%s: %s %s (%s)\n", printable(job.name).c_str(),
                        arguments.dry_run ? "would delete" : "deleted",
                        printable(decision.id).c_str(), printable(decision.reason).c_str());
        if (listed.empty())
            std::printf("%s: nothing to delete (%zu sets kept)\n", printable(job.name).c_str(),
                        report->plan.keep.size());
        for (const backup_host::PruneFailure& failure : report->failures) {
            session.report(backup_host::Failure{backup_host::Status::failed,
                                                "job " + job.name + ": cannot delete set " +
                                                    failure.id + ": " + failure.error.message});
            exit_code = 1;
        }
    }
    std::fflush(stdout);
    return exit_code;
}

}  // namespace

Command add_prune_command(CLI::App& app) {
    return add_command(app, "prune", declare_prune_options, run_prune_command);
}

}  // namespace certbackup::host
