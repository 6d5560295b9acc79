// The persistent state of one job: its runs, its consecutive failures, whether it is disabled,
// and up to which time its schedule has been served (docs/SCHEDULING.md "Run state").
//
// This header holds the values and the pure functions that change them; run_state_store.hpp
// reads and writes them (one JSON file per job) and job_lock.hpp keeps one run of a job at a
// time. The order a runner follows, holding the job's lock throughout:
//
//     auto lock = store.lock(job);                    // conflict: "job X is already running"
//     auto state = store.load(job);
//     recover_interrupted_run(*state, now);           // a run whose process died
//     apply_configuration(*state, hash, now);         // first seen / changed configuration
//     record_start(*state, {trigger, slot, now, pid}); store.save(*lock, *state);
//     ... run ...
//     record_result(*state, result, finished);        store.save(*lock, *state);
//
// Failure rule: a run that fails (scheduled or by `run` alike; also a run whose process died)
// adds one to the consecutive failures; a success resets them; a cancelled run (SIGTERM,
// Ctrl-C) changes neither. At kFailuresBeforeDisable in a row the job is disabled: the daemon
// no longer runs it, `schedule` says so. It is enabled again by a successful `run JOB`, or when
// its configuration changes (apply_configuration with another hash).
//
// Served time: every run that finished (succeeded or failed) serves the schedule up to its
// start: scheduled times at or before it are not owed any more. A cancelled run serves nothing,
// so the daemon runs it again when it next starts (missed-run rule, due_jobs.hpp).
//
// Pure values and functions; thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certbackup/base/error.hpp"
#include "host-sdk/management/local_time.hpp"

namespace backup_host {

inline constexpr unsigned kFailuresBeforeDisable = 5;
inline constexpr std::size_t kHistoryLimit = 100;

enum class RunTrigger { schedule, manual };
enum class RunOutcome { succeeded, failed, cancelled };

// "schedule" / "manual"; "succeeded" / "failed" / "cancelled".
const char* to_string(RunTrigger trigger) noexcept;
const char* to_string(RunOutcome outcome) noexcept;

// What a run ended with, as the runner reports it.
struct RunResult {
    RunOutcome outcome = RunOutcome::succeeded;
    std::string status;  // the SDK status name: "ok", "failed", "wrong_password", ...
    int exit_code = 0;   // CLI.md: 0, 1, 2, 3, 4, 130
    std::string message;
    std::optional<std::string> set_id;      // the set the run committed
    std::vector<std::string> warnings;      // the plugins' warnings
    std::vector<std::string> deleted_sets;  // sets retention deleted after the run
};

struct RunStart {
    RunTrigger trigger = RunTrigger::manual;
    std::optional<SystemTime> slot;  // the scheduled time a scheduled run serves
    SystemTime started;
    int pid = 0;
};

// One finished run.
struct RunRecord {
    RunStart start;
    SystemTime finished;
    std::chrono::milliseconds duration{0};
    RunResult result;
};

struct DisabledMark {
    SystemTime since;
    std::string reason;
    std::string config_hash;  // the configuration it was disabled under
};

struct JobState {
    std::string job;
    std::string config_hash;                 // the configuration last applied; "" never
    std::optional<SystemTime> served_until;  // scheduled times <= it are not owed
    unsigned consecutive_failures = 0;
    std::optional<DisabledMark> disabled;
    std::optional<RunStart> running;  // a run in progress (or one whose process died)
    std::vector<RunRecord> history;   // oldest first, at most kHistoryLimit

    const RunRecord* last_run() const noexcept {
        return history.empty() ? nullptr : &history.back();
    }
};

// Whether the daemon must leave the job alone: disabled after failures under the configuration
// `config_hash` (a disabled mark from another configuration does not count).
bool is_disabled(const JobState& state, std::string_view config_hash) noexcept;

enum class ConfigurationChange {
    none,               // the same configuration as before
    first_seen,         // the job had no state: nothing before `now` is owed
    changed,            // another configuration: failures reset, nothing before `now` is owed
    changed_reenabled,  // as changed, and the job was disabled: it is enabled again
};
ConfigurationChange apply_configuration(JobState& state, std::string_view config_hash,
                                        SystemTime now);

// A `running` mark found by a process that holds the job's lock means its process died (a
// living one would hold the lock): turn it into a failed run record finishing at `now`, as
// record_result does, and return that record. Nothing to do: nullopt.
std::optional<RunRecord> recover_interrupted_run(JobState& state, SystemTime now);

// Marks a run as started. conflict when a run is marked running (recover it first), and for a
// scheduled run of a disabled job (is_disabled with the state's configuration).
certbackup::Result<void> record_start(JobState& state, const RunStart& start);

struct RecordedRun {
    bool disabled_now = false;  // this run disabled the job
    bool re_enabled = false;    // this run (a success) enabled the disabled job again
    unsigned consecutive_failures = 0;
};

// Records the end of the running run: a history record (the oldest dropped beyond
// kHistoryLimit), the failure count, the disabled mark, the served time. invalid_argument when
// no run is marked running.
certbackup::Result<RecordedRun> record_result(JobState& state, const RunResult& result,
                                              SystemTime finished);

// The reason stored with a disabled mark (and printed by `schedule` and in the log).
std::string disabled_reason(std::string_view job, unsigned failures, std::string_view last_message);

}  // namespace backup_host
