#include "host-sdk/management/run_state.hpp"

#include <algorithm>
#include <cstddef>
#include <iterator>

namespace backup_host {
namespace {

using certbackup::ErrorCode;
using certbackup::fail;

void serve_until(JobState& state, SystemTime time) {
    if (!state.served_until || *state.served_until < time)
        state.served_until = time;
}

RecordedRun finish(JobState& state, RunRecord record) {
    RecordedRun recorded;
    const RunOutcome outcome = record.result.outcome;
    if (outcome != RunOutcome::cancelled)
        serve_until(state, record.start.started);
    if (outcome == RunOutcome::succeeded) {
        state.consecutive_failures = 0;
        if (state.disabled) {
            state.disabled.reset();
            recorded.re_enabled = true;
        }
    } else if (outcome == RunOutcome::failed) {
        ++state.consecutive_failures;
        if (state.consecutive_failures >= kFailuresBeforeDisable && !state.disabled) {
            state.disabled = DisabledMark{
                record.finished,
                disabled_reason(state.job, state.consecutive_failures, record.result.message),
                state.config_hash};
            recorded.disabled_now = true;
        }
    }
    recorded.consecutive_failures = state.consecutive_failures;
    state.running.reset();
    state.history.push_back(std::move(record));
    if (state.history.size() > kHistoryLimit)
        state.history.erase(state.history.begin(),
                            state.history.begin() +
                                static_cast<std::ptrdiff_t>(state.history.size() - kHistoryLimit));
    return recorded;
}

std::chrono::milliseconds elapsed(SystemTime from, SystemTime to) {
    return to > from ? std::chrono::duration_cast<std::chrono::milliseconds>(to - from)
                     : std::chrono::milliseconds(0);
}

}  // namespace

const char* to_string(RunTrigger trigger) noexcept {
    return trigger == RunTrigger::schedule ? "schedule" : "manual";
}

const char* to_string(RunOutcome outcome) noexcept {
    // Indexed by the value: the outcomes are numbered from 0 in this order.
    static constexpr const char* names[] = {"succeeded", "failed", "cancelled"};
    static_assert(static_cast<std::size_t>(RunOutcome::cancelled) == std::size(names) - 1);
    const auto index = static_cast<std::size_t>(outcome);
    return index < std::size(names) ? names[index] : "unknown";
}

bool is_disabled(const JobState& state, std::string_view config_hash) noexcept {
    return state.disabled && state.disabled->config_hash == config_hash;
}

ConfigurationChange apply_configuration(JobState& state, std::string_view config_hash,
                                        SystemTime now) {
    if (state.config_hash == config_hash)
        return ConfigurationChange::none;
    const bool first = state.config_hash.empty();
    state.config_hash = std::string(config_hash);
    serve_until(state, now);
    if (first)
        return ConfigurationChange::first_seen;
    state.consecutive_failures = 0;
    if (state.disabled) {
        state.disabled.reset();
        return ConfigurationChange::changed_reenabled;
    }
    return ConfigurationChange::changed;
}

std::optional<RunRecord> recover_interrupted_run(JobState& state, SystemTime now) {
    if (!state.running)
        return std::nullopt;
    RunRecord record;
    record.start = *state.running;
    record.finished = std::max(now, record.start.started);
    record.duration = elapsed(record.start.started, record.finished);
    record.result.outcome = RunOutcome::failed;
    record.result.status = "failed";
    record.result.exit_code = 1;
    record.result.message = "interrupted: the backup-host process (pid " +
                            std::to_string(record.start.pid) +
                            ") ended during the run without recording a result (killed, crashed "
                            "or the machine stopped); any set it was writing was not completed";
    finish(state, record);
    return record;
}

certbackup::Result<void> record_start(JobState& state, const RunStart& start) {
    if (state.running)
        return fail(ErrorCode::conflict,
                    "job '" + state.job + "' is marked as running (pid " +
                        std::to_string(state.running->pid) +
                        "); recover_interrupted_run must be called under the job's lock first");
    if (start.trigger == RunTrigger::schedule && is_disabled(state, state.config_hash))
        return fail(ErrorCode::conflict,
                    "job '" + state.job + "' is disabled: " + state.disabled->reason);
    state.running = start;
    return {};
}

certbackup::Result<RecordedRun> record_result(JobState& state, const RunResult& result,
                                              SystemTime finished) {
    if (!state.running)
        return fail(ErrorCode::invalid_argument,
                    "job '" + state.job + "' has no run in progress to record a result for");
    RunRecord record;
    record.start = *state.running;
    record.finished = finished;
    record.duration = elapsed(record.start.started, finished);
    record.result = result;
    return finish(state, std::move(record));
}

std::string disabled_reason(std::string_view job, unsigned failures,
                            std::string_view last_message) {
    std::string reason = "disabled after " + std::to_string(failures) + " failed runs in a row";
    if (!last_message.empty())
        reason += " (the last: " + std::string(last_message) + ")";
    reason += "; re-enable it with a successful `backup-host run " + std::string(job) +
              "` or by changing its configuration";
    return reason;
}

}  // namespace backup_host
