// backup-host daemon [--state-dir DIR]: runs the configured jobs when they are due, until SIGTERM
// or SIGINT (docs/SCHEDULING.md).
//
// At start every scheduled job's configuration is applied to its run state (a new job owes
// nothing before now; a changed one is enabled again). Then, in a loop: the due jobs run one
// after the other (management/due_jobs.hpp: a run missed while the daemon was down runs once, at
// start; disabled jobs and jobs with enabled = false never run), each with its lock held
// (run_configured_job); then the daemon waits until the next job is due. A stop request is
// seen within a fraction of a second while waiting; during a run it cancels the running job
// (the runner aborts its set, the run is recorded as cancelled and is owed again). After a
// clean stop the exit code is 0.
//
// "Now" is the daemon's clock (daemon_clock.hpp): the system clock, unless a test set it.
#include <chrono>
#include <memory>
#include <thread>

#include "host-sdk/host/commands.hpp"
#include "host-sdk/host/daemon_clock.hpp"
#include "host-sdk/host/managed_jobs.hpp"
#include "host-sdk/management/due_jobs.hpp"

namespace certbackup::host {
namespace {

// How often a waiting daemon looks at the stop request and the clock: the signal watch sets a
// flag and offers no wake-up, so the wait is sliced.
constexpr auto kWaitSlice = std::chrono::milliseconds(200);

struct DaemonArguments {
    StateDirFlag state_dir;
};

// Records each scheduled job's configuration in its state (under its lock). A job whose lock
// is held (running elsewhere) is left as it is.
void apply_configurations(HostSession& session, const HostConfig& config,
                          backup_host::RunStateStore& store, const DaemonClock& clock) {
    for (const backup_host::JobConfig& job : config.jobs) {
        if (!job.schedule)
            continue;
        auto lock = store.lock(job.name);
        if (!lock) {
            session.logger().warn("job {}: {}", job.name, lock.error().message);
            continue;
        }
        auto state = store.load(job.name);
        if (!state) {
            session.logger().error("job {}: {}", job.name, state.error().message);
            continue;
        }
        const auto change = backup_host::apply_configuration(
            *state, backup_host::configuration_hash(job), clock.now());
        if (change == backup_host::ConfigurationChange::changed_reenabled)
            session.logger().warn("job {}: enabled again: its configuration changed", job.name);
        if (auto saved = store.save(*lock, *state); !saved)
            session.logger().error("job {}: {}", job.name, saved.error().message);
    }
}

// The jobs as due_jobs sees them, from their current states.
std::vector<backup_host::DueCheck> due_checks(HostSession& session, const HostConfig& config,
                                              const backup_host::RunStateStore& store,
                                              const DaemonClock& clock) {
    std::vector<backup_host::DueCheck> checks;
    for (const backup_host::JobConfig& job : config.jobs) {
        auto state = store.load(job.name);
        if (!state) {
            session.logger().error("job {}: {}", job.name, state.error().message);
            continue;
        }
        const std::string hash = backup_host::configuration_hash(job);
        backup_host::DueCheck check;
        check.job = job.name;
        check.schedule = job.schedule ? &*job.schedule : nullptr;
        check.enabled = job.enabled;
        check.disabled = backup_host::is_disabled(*state, hash);
        // A state written under another configuration owes nothing (apply_configuration).
        check.served_until = state->config_hash == hash ? state->served_until : clock.now();
        checks.push_back(std::move(check));
    }
    return checks;
}

// The options of `daemon`, bound to `arguments`.
void declare_daemon_options(CLI::App& command, DaemonArguments& arguments) {
    command.description("Run the configured jobs when they are due, until SIGTERM");
    add_state_dir_flag(command, arguments.state_dir);
}

int run_daemon_command(HostSession& session, const DaemonArguments& arguments) {
    auto config = checked_job_config(session);
    if (!config)
        return session.report(config.error());
    auto clock = DaemonClock::from_environment();
    if (!clock)
        return session.report(to_failure(clock.error(), ArgumentSource::user));
    if (clock->is_set())
        session.logger().warn("the daemon's clock is set by {}: it is now {}", kDaemonClockVariable,
                              backup_host::format_local_for_people(clock->now()));
    backup_host::RunStateStore store(Env::posix(), state_directory(**config, arguments.state_dir));
    apply_configurations(session, **config, store, *clock);
    session.logger().info("daemon started: {} jobs, state in {}", (*config)->jobs.size(),
                          store.directory().string());
    for (const backup_host::JobConfig& job : (*config)->jobs) {
        auto state = store.load(job.name);
        if (state && backup_host::is_disabled(*state, backup_host::configuration_hash(job)))
            session.logger().error("job {}: {}", job.name, state->disabled->reason);
    }
    while (!session.cancel().requested()) {
        const auto checks = due_checks(session, **config, store, *clock);
        for (const backup_host::DueRun& due : backup_host::due_jobs(clock->now(), checks)) {
            if (session.cancel().requested())
                break;
            const backup_host::JobConfig* job = backup_host::find_job((*config)->jobs, due.job);
            if (due.missed(clock->now()))
                session.logger().info("job {}: running a missed run (due {})", due.job,
                                      backup_host::format_local_for_people(due.slot));
            run_configured_job(session, *job, store, backup_host::RunTrigger::schedule, due.slot);
        }
        const auto next =
            backup_host::next_wakeup(clock->now(), due_checks(session, **config, store, *clock));
        while (!session.cancel().requested() && (!next || clock->now() < *next))
            std::this_thread::sleep_for(kWaitSlice);
    }
    session.logger().info("daemon stopped");
    return 0;
}

}  // namespace

Command add_daemon_command(CLI::App& app) {
    return add_command(app, "daemon", declare_daemon_options, run_daemon_command);
}

}  // namespace certbackup::host
