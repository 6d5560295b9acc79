// Which jobs the daemon runs now, and when it next has to wake up (docs/SCHEDULING.md "Missed
// runs").
//
// A job is due at `now` when its latest scheduled time at or before `now` (Schedule::latest_run,
// within its start/end window) is later than the time its state says the schedule is served
// until (run_state.hpp). It is then due ONCE, for that latest time, however many scheduled
// times passed since: a run missed while the daemon was down (or while the job was still
// running) runs once, at the daemon's start, not once per missed time. A job never seen before
// owes nothing before the moment it is first seen (apply_configuration records it).
//
// Not due: jobs without a schedule (they run only by `run`), jobs with enabled = false, jobs
// disabled after failed runs. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "host-sdk/management/schedule.hpp"

namespace backup_host {

// One job as due_jobs sees it: from its configuration and its run state.
struct DueCheck {
    std::string job;
    const Schedule* schedule = nullptr;      // nullptr: runs only by `run`; borrowed
    bool enabled = true;                     // the configuration's `enabled`
    bool disabled = false;                   // is_disabled(state, configuration_hash(job))
    std::optional<SystemTime> served_until;  // the state's; nullopt: nothing owed before `now`
};

struct DueRun {
    std::string job;
    SystemTime slot;           // the scheduled time this run serves (the latest passed one)
    SystemTime first_pending;  // the earliest unserved scheduled time; before `slot` when
                               // several were missed and are served by this one run
    bool missed(SystemTime now, std::chrono::seconds grace = std::chrono::seconds(60)) const {
        return first_pending < slot || now - slot > grace;
    }
};

// The jobs due at `now`, earliest slot first (then by name).
std::vector<DueRun> due_jobs(SystemTime now, std::span<const DueCheck> jobs);

// The earliest time after which some job will be due: `now` when one is due already; nullopt
// when no job has a future run.
std::optional<SystemTime> next_wakeup(SystemTime now, std::span<const DueCheck> jobs);

}  // namespace backup_host
