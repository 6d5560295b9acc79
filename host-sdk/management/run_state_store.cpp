#include "host-sdk/management/run_state_store.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "certbackup/base/utc_time.hpp"
#include "host-sdk/management/job_name.hpp"

namespace backup_host {
namespace {

using certbackup::ErrorCode;
using certbackup::fail;
using certbackup::Result;
using nlohmann::json;
namespace fs = std::filesystem;
namespace chr = std::chrono;

constexpr std::string_view kSystemConfigDirectory = "/etc/backup-host";
constexpr std::string_view kSystemStateDirectory = "/var/lib/backup-host";

// "2026-03-29T01:00:00Z", with ".250" before the Z when there are milliseconds.
std::string format_utc(SystemTime time) {
    const auto millis = chr::floor<chr::milliseconds>(time.time_since_epoch()).count();
    const std::time_t seconds =
        static_cast<std::time_t>(millis >= 0 ? millis / 1000 : (millis - 999) / 1000);
    const int fraction = static_cast<int>(millis - static_cast<std::int64_t>(seconds) * 1000);
    std::string text =
        certbackup::format_utc(static_cast<std::int64_t>(seconds), "%Y-%m-%dT%H:%M:%S");
    if (fraction != 0) {
        char milliseconds[8];
        std::snprintf(milliseconds, sizeof milliseconds, ".%03d", fraction);
        text += milliseconds;
    }
    return text + "Z";
}

// Thrown inside decode only, and turned into a corrupt Error at its edge.
struct DecodeError {
    std::string what;
};

SystemTime parse_utc(const std::string& text, const char* field) {
    // YYYY-MM-DDTHH:MM:SS[.fff]Z
    if (text.size() < 20 || text.back() != 'Z')
        throw DecodeError{std::string(field) + " '" + text + "' is not a UTC time"};
    std::string base = text.substr(0, 19);
    std::int64_t millis = 0;
    if (text.size() > 20) {
        if (text[19] != '.')
            throw DecodeError{std::string(field) + " '" + text + "' is not a UTC time"};
        const std::string digits = text.substr(20, text.size() - 21);
        if (digits.empty() || digits.size() > 9 ||
            digits.find_first_not_of("0123456789") != std::string::npos)
            throw DecodeError{std::string(field) + " '" + text + "' is not a UTC time"};
        millis = std::stoll((digits + "00").substr(0, 3));
    }
    auto instant = parse_time_argument(base + "Z");
    if (!instant)
        throw DecodeError{std::string(field) + " '" + text + "' is not a UTC time"};
    return *instant + chr::milliseconds(millis);
}

json optional_time(const std::optional<SystemTime>& time) {
    return time ? json(format_utc(*time)) : json(nullptr);
}

json encode_start(const RunStart& start) {
    return {{"trigger", to_string(start.trigger)},
            {"slot", optional_time(start.slot)},
            {"started", format_utc(start.started)},
            {"pid", start.pid}};
}

json encode_record(const RunRecord& record) {
    json value = encode_start(record.start);
    value["finished"] = format_utc(record.finished);
    value["duration_ms"] = record.duration.count();
    value["outcome"] = to_string(record.result.outcome);
    value["status"] = record.result.status;
    value["exit_code"] = record.result.exit_code;
    value["message"] = record.result.message;
    value["set_id"] = record.result.set_id ? json(*record.result.set_id) : json(nullptr);
    value["warnings"] = record.result.warnings;
    value["deleted_sets"] = record.result.deleted_sets;
    return value;
}

const json& member(const json& object, const char* key) {
    if (!object.is_object() || !object.contains(key))
        throw DecodeError{std::string("'") + key + "' is missing"};
    return object.at(key);
}

std::string text_member(const json& object, const char* key) {
    const json& value = member(object, key);
    if (!value.is_string())
        throw DecodeError{std::string("'") + key + "' is not a string"};
    return value.get<std::string>();
}

std::optional<SystemTime> optional_time_member(const json& object, const char* key) {
    const json& value = member(object, key);
    if (value.is_null())
        return std::nullopt;
    if (!value.is_string())
        throw DecodeError{std::string("'") + key + "' is not a time"};
    return parse_utc(value.get<std::string>(), key);
}

std::int64_t integer_member(const json& object, const char* key) {
    const json& value = member(object, key);
    if (!value.is_number_integer())
        throw DecodeError{std::string("'") + key + "' is not a whole number"};
    return value.get<std::int64_t>();
}

std::vector<std::string> text_list_member(const json& object, const char* key) {
    const json& value = member(object, key);
    if (!value.is_array())
        throw DecodeError{std::string("'") + key + "' is not a list"};
    std::vector<std::string> texts;
    for (const json& entry : value) {
        if (!entry.is_string())
            throw DecodeError{std::string("an entry of '") + key + "' is not a string"};
        texts.push_back(entry.get<std::string>());
    }
    return texts;
}

RunStart decode_start(const json& value) {
    RunStart start;
    const std::string trigger = text_member(value, "trigger");
    if (trigger == "schedule")
        start.trigger = RunTrigger::schedule;
    else if (trigger == "manual")
        start.trigger = RunTrigger::manual;
    else
        throw DecodeError{"unknown trigger '" + trigger + "'"};
    start.slot = optional_time_member(value, "slot");
    start.started = parse_utc(text_member(value, "started"), "started");
    start.pid = static_cast<int>(integer_member(value, "pid"));
    return start;
}

RunRecord decode_record(const json& value) {
    RunRecord record;
    record.start = decode_start(value);
    record.finished = parse_utc(text_member(value, "finished"), "finished");
    record.duration = chr::milliseconds(integer_member(value, "duration_ms"));
    const std::string outcome = text_member(value, "outcome");
    if (outcome == "succeeded")
        record.result.outcome = RunOutcome::succeeded;
    else if (outcome == "failed")
        record.result.outcome = RunOutcome::failed;
    else if (outcome == "cancelled")
        record.result.outcome = RunOutcome::cancelled;
    else
        throw DecodeError{"unknown outcome '" + outcome + "'"};
    record.result.status = text_member(value, "status");
    record.result.exit_code = static_cast<int>(integer_member(value, "exit_code"));
    record.result.message = text_member(value, "message");
    const json& set_id = member(value, "set_id");
    if (!set_id.is_null())
        record.result.set_id = text_member(value, "set_id");
    record.result.warnings = text_list_member(value, "warnings");
    record.result.deleted_sets = text_list_member(value, "deleted_sets");
    return record;
}

JobState decode(const json& document) {
    JobState state;
    state.job = text_member(document, "job");
    state.config_hash = text_member(document, "config_hash");
    state.served_until = optional_time_member(document, "served_until");
    const std::int64_t failures = integer_member(document, "consecutive_failures");
    if (failures < 0)
        throw DecodeError{"'consecutive_failures' is negative"};
    state.consecutive_failures = static_cast<unsigned>(failures);
    if (const json& disabled = member(document, "disabled"); !disabled.is_null())
        state.disabled =
            DisabledMark{parse_utc(text_member(disabled, "since"), "since"),
                         text_member(disabled, "reason"), text_member(disabled, "config_hash")};
    if (const json& running = member(document, "running"); !running.is_null())
        state.running = decode_start(running);
    const json& history = member(document, "history");
    if (!history.is_array())
        throw DecodeError{"'history' is not a list"};
    for (const json& entry : history)
        state.history.push_back(decode_record(entry));
    return state;
}

std::unexpected<certbackup::Error> invalid_job_name(std::string_view job) {
    return fail(
        ErrorCode::invalid_argument,
        "'" + std::string(job) + "' is not a job name (lower-case letters, digits, '-' and '_')");
}

}  // namespace

fs::path default_state_directory(const std::optional<fs::path>& config_file,
                                 const std::optional<std::string>& state_directory_variable) {
    if (state_directory_variable && !state_directory_variable->empty()) {
        // systemd joins several StateDirectory= entries with ':'.
        const std::string& value = *state_directory_variable;
        return fs::path(value.substr(0, value.find(':')));
    }
    if (config_file && config_file->parent_path() != fs::path(kSystemConfigDirectory)) {
        const fs::path directory =
            config_file->has_parent_path() ? config_file->parent_path() : fs::path(".");
        return directory / (config_file->stem().string() + ".state");
    }
    return fs::path(kSystemStateDirectory);
}

fs::path default_state_directory(const std::optional<fs::path>& config_file) {
    const char* variable = std::getenv("STATE_DIRECTORY");
    return default_state_directory(
        config_file, variable != nullptr ? std::optional<std::string>(variable) : std::nullopt);
}

std::string encode_run_state(const JobState& state) {
    json history = json::array();
    for (const RunRecord& record : state.history)
        history.push_back(encode_record(record));
    json document = {
        {"format_version", kRunStateFormatVersion},
        {"job", state.job},
        {"config_hash", state.config_hash},
        {"served_until", optional_time(state.served_until)},
        {"consecutive_failures", state.consecutive_failures},
        {"disabled", state.disabled ? json{{"since", format_utc(state.disabled->since)},
                                           {"reason", state.disabled->reason},
                                           {"config_hash", state.disabled->config_hash}}
                                    : json(nullptr)},
        {"running", state.running ? encode_start(*state.running) : json(nullptr)},
        {"history", std::move(history)},
    };
    return document.dump(2) + "\n";
}

Result<JobState> decode_run_state(std::string_view text, const fs::path& file) {
    const std::string advice =
        " (fix or remove the file: removing it forgets the job's history, "
        "failures and disabled mark)";
    const json document = json::parse(text, nullptr, false);
    if (document.is_discarded() || !document.is_object())
        return fail(ErrorCode::corrupt,
                    "the run state file " + file.string() + " is not a JSON object" + advice);
    try {
        const std::int64_t version = integer_member(document, "format_version");
        if (version > kRunStateFormatVersion)
            return fail(ErrorCode::unsupported,
                        "the run state file " + file.string() + " has format version " +
                            std::to_string(version) + "; this backup-host reads version " +
                            std::to_string(kRunStateFormatVersion) +
                            " (a newer backup-host wrote it)");
        if (version < 1)
            throw DecodeError{"'format_version' " + std::to_string(version) + " is not valid"};
        return decode(document);
    } catch (const DecodeError& error) {
        return fail(ErrorCode::corrupt,
                    "the run state file " + file.string() + " is damaged: " + error.what + advice);
    } catch (const json::exception& error) {
        return fail(ErrorCode::corrupt, "the run state file " + file.string() +
                                            " is damaged: " + error.what() + advice);
    }
}

fs::path RunStateStore::state_file(std::string_view job) const {
    return directory_ / (std::string(job) + ".json");
}

fs::path RunStateStore::lock_file(std::string_view job) const {
    return directory_ / (std::string(job) + ".lock");
}

Result<JobLock> RunStateStore::lock(std::string_view job) {
    if (!is_valid_job_name(job))
        return invalid_job_name(job);
    if (auto created = certbackup::create_dirs(env_, directory_, 0700); !created)
        return std::unexpected(created.error().with_context("cannot create the state directory " +
                                                            directory_.string()));
    return JobLock::acquire(lock_file(job), job);
}

Result<JobState> RunStateStore::load(std::string_view job) const {
    if (!is_valid_job_name(job))
        return invalid_job_name(job);
    const fs::path file = state_file(job);
    if (!env_.exists(file)) {
        JobState fresh;
        fresh.job = std::string(job);
        return fresh;
    }
    auto bytes = env_.read_file(file);
    if (!bytes)
        return std::unexpected(bytes.error());
    auto state = decode_run_state(
        std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()), file);
    if (state && state->job != job)
        return fail(ErrorCode::corrupt, "the run state file " + file.string() +
                                            " belongs to job '" + state->job + "', not '" +
                                            std::string(job) + "' (was it copied or renamed?)");
    return state;
}

Result<void> RunStateStore::save(const JobLock& lock, const JobState& state) {
    if (lock.job() != state.job || lock.path() != lock_file(state.job))
        return fail(ErrorCode::invalid_argument, "the state of job '" + state.job +
                                                     "' can only be saved while holding its "
                                                     "lock (" +
                                                     lock_file(state.job).string() + ")");
    const std::string text = encode_run_state(state);
    return certbackup::atomic_write(
        env_, state_file(state.job),
        std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), 0600);
}

Result<std::vector<std::string>> RunStateStore::jobs() const {
    std::vector<std::string> jobs;
    if (!env_.exists(directory_))
        return jobs;
    auto names = env_.list_dir(directory_);
    if (!names)
        return std::unexpected(names.error());
    for (const std::string& name : *names) {
        if (!name.ends_with(".json") || certbackup::is_temp_name(name))
            continue;
        const std::string job = name.substr(0, name.size() - 5);
        if (is_valid_job_name(job))
            jobs.push_back(job);
    }
    std::sort(jobs.begin(), jobs.end());
    return jobs;
}

}  // namespace backup_host
