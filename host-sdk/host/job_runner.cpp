#include "host-sdk/host/job_runner.hpp"

#include <functional>
#include <utility>

#include <fmt/format.h>

#include "host-sdk/host/host_failure.hpp"
#include "host-sdk/host/record_authentication.hpp"

namespace certbackup::host {
namespace {

using backup_host::Failure;
using backup_host::JobKind;
using backup_host::Status;

using Work = std::function<backup_host::Result<void>(backup_host::PluginInstance&)>;

Failure cancelled_failure(const std::string& what) {
    return Failure{Status::cancelled, what + " was cancelled"};
}

// The options of `job` for a job of `kind`, after checking that the plugin does such jobs.
backup_host::Result<backup_host::OptionValues> job_options(const PluginJob& job, JobKind kind) {
    const backup_host::PluginDescription& plugin = job.plugin.description();
    if (!plugin.supports(kind))
        return backup_host::fail(
            Status::bad_usage, "plugin '" + plugin.id + "' does not do " +
                                   backup_host::to_string(kind) +
                                   " jobs (it does: " + backup_host::job_names(plugin.jobs) + ")");
    return backup_host::validate_options(plugin, kind, job.options);
}

// Runs one job of `kind` on a new instance: create, begin_job, work, end_job, destroy.
PluginOutcome run_instance(HostContext& context, const backup_host::LoadedPlugin& plugin,
                           const backup_host::OptionValues& options, JobKind kind,
                           HostJobServices& services, const Work& work) {
    PluginOutcome outcome;
    outcome.plugin_id = plugin.id();
    const auto failed = [&outcome](const Failure& failure) {
        outcome.status = failure.status;
        outcome.message = failure.message;
    };
    context.logger.debug("{} job of plugin '{}' begins", backup_host::to_string(kind), plugin.id());
    {
        auto instance = plugin.create(options, services);
        if (!instance) {
            failed(instance.error());
        } else if (auto begun = (*instance)->begin_job(kind); !begun) {
            failed(begun.error());
        } else {
            auto worked = work(**instance);
            // A backup that finished while the flag was set is thrown away by the caller: its
            // plugin hears `cancelled` so that it does not believe its data was kept.
            Status end_status = worked ? Status::ok : worked.error().status;
            if (context.cancel.requested() && (!worked || kind == JobKind::backup))
                end_status = Status::cancelled;
            auto ended = (*instance)->end_job(end_status);
            if (!worked)
                failed(worked.error());
            else if (!ended)
                failed(ended.error());
        }
        // The instance is destroyed here, before the outcome is reported.
    }
    context.progress.finish();
    if (outcome.status != Status::ok && context.cancel.requested())
        outcome.status = Status::cancelled;
    outcome.result = services.result();
    outcome.warnings = services.warnings();
    outcome.items = services.items_written();
    outcome.bytes = services.bytes_written();
    context.logger.debug("{} job of plugin '{}' ended: {}", backup_host::to_string(kind),
                         plugin.id(), backup_host::to_string(outcome.status));
    return outcome;
}

Failure failure_of(const PluginOutcome& outcome) {
    return Failure{outcome.status, outcome.message};
}

// The record of `plugin_id` in `set`, or nullptr.
const backup_host::proto::PluginRecord* find_plugin_record(const backup_host::SetReader& set,
                                                           const std::string& plugin_id) {
    for (const auto& plugin : set.record().plugins())
        if (plugin.id() == plugin_id)
            return &plugin;
    return nullptr;
}

std::string plugin_ids(const backup_host::SetReader& set) {
    std::string ids;
    for (const auto& plugin : set.record().plugins())
        ids += (ids.empty() ? "" : ", ") + plugin.id();
    return ids.empty() ? "none" : ids;
}

// Checks that `set` holds items of each job's plugin and each job's options for `kind`. Warns
// when the set was written in a newer item format than the installed plugin writes (the
// plugin itself decides whether it can read it).
backup_host::Result<std::vector<backup_host::OptionValues>> prepare_reading(
    HostContext& context, const backup_host::SetReader& set, const std::vector<PluginJob>& jobs,
    JobKind kind) {
    std::vector<backup_host::OptionValues> options;
    for (const PluginJob& job : jobs) {
        const auto* record = find_plugin_record(set, job.plugin.id());
        if (record == nullptr)
            return backup_host::fail(Status::not_found,
                                     "set " + set.origin() + " holds nothing of plugin '" +
                                         job.plugin.id() + "' (its plugins: " + plugin_ids(set) +
                                         ")");
        if (record->format_version() > job.plugin.description().format_version)
            context.logger.warn(
                "set {} was written by plugin '{}' {} in item format {}; the installed plugin "
                "({}) writes format {}",
                set.origin(), record->id(), record->version(), record->format_version(),
                job.plugin.description().version, job.plugin.description().format_version);
        auto values = job_options(job, kind);
        if (!values)
            return std::unexpected(values.error());
        options.push_back(std::move(*values));
    }
    return options;
}

// What each plugin of a restore will be given, before anything runs.
void print_restore_plan(HostContext& context, const backup_host::SetReader& set,
                        const std::vector<PluginJob>& jobs, bool dry_run) {
    std::string text = fmt::format("Restore plan for set {}{}:\n", set.record().set_id(),
                                   dry_run ? " (dry run: nothing is written)" : "");
    for (const PluginJob& job : jobs) {
        const auto* record = find_plugin_record(set, job.plugin.id());
        std::uint64_t items = 0;
        std::uint64_t bytes = 0;
        for (const auto& item : set.record().items())
            if (item.name().starts_with(record->item_prefix())) {
                ++items;
                bytes += item.size();
            }
        std::string options;
        for (const auto& [key, value] : job.options)
            options += (options.empty() ? "" : ", ") + key + "=" + value;
        text += fmt::format("  plugin {} {}: {} items ({} bytes) below \"{}\"; options: {}\n",
                            job.plugin.id(), record->version(), items, bytes, record->item_prefix(),
                            options.empty() ? "(defaults)" : options);
    }
    say(context, text);
}

// Authenticates the record of `set`; a set without authentication may restore only plugins
// that the operator named.
backup_host::Result<void> check_record(HostContext& context, const backup_host::SetReader& set,
                                       bool plugins_named, RestoreReport& report) {
    auto trust = authenticate_record(context, set);
    if (!trust)
        return std::unexpected(trust.error());
    report.record_authenticated = *trust == RecordTrust::authenticated;
    if (*trust == RecordTrust::unauthenticated && !plugins_named)
        return backup_host::fail(
            Status::bad_usage,
            "the record of set " + set.origin() +
                " is not authenticated (the backup had no password), so it cannot say which "
                "plugins may restore: name each one with --plugin (the record lists: " +
                plugin_ids(set) + ")");
    return {};
}

// What a reading job (restore, verify) of several plugins leaves: the first failure and one
// outcome per plugin that ran.
struct ReadingOutcome {
    std::optional<Failure> failure;
    std::vector<PluginOutcome> plugins;
};

// Runs a `kind` job of each of `plugins` on its part of `set`, in order; `work_for(i)` is the
// call into plugin i. With `stop_at_failure` the first failure ends the run (restore);
// otherwise every plugin runs (verify). Cancellation ends it before the next plugin.
ReadingOutcome run_reading_jobs(HostContext& context, const backup_host::SetReader& set,
                                const std::vector<PluginJob>& plugins,
                                const std::vector<backup_host::OptionValues>& options, JobKind kind,
                                const std::function<Work(std::size_t)>& work_for,
                                bool stop_at_failure) {
    ReadingOutcome result;
    for (std::size_t i = 0; i < plugins.size(); ++i) {
        if (context.cancel.requested()) {
            result.failure =
                cancelled_failure(kind == JobKind::restore ? "the restore" : "the verification");
            break;
        }
        const backup_host::LoadedPlugin& plugin = plugins[i].plugin;
        HostJobServices services(context, plugin.id());
        services.read_from(set, find_plugin_record(set, plugin.id())->item_prefix());
        PluginOutcome outcome =
            run_instance(context, plugin, options[i], kind, services, work_for(i));
        const bool ok = outcome.status == Status::ok;
        if (!ok && !result.failure)
            result.failure = failure_of(outcome);
        result.plugins.push_back(std::move(outcome));
        if (!ok && stop_at_failure)
            break;
    }
    return result;
}

// The restore job of each of `plugins` (dry run or not); stops at the first failure.
ReadingOutcome restore_each(HostContext& context, const backup_host::SetReader& set,
                            const std::vector<PluginJob>& plugins,
                            const std::vector<backup_host::OptionValues>& options, bool dry_run) {
    return run_reading_jobs(
        context, set, plugins, options, JobKind::restore,
        [&](std::size_t i) -> Work {
            const backup_host::RestoreOptions restore = backup_host::restore_options_for(
                plugins[i].plugin.description(), options[i], dry_run);
            return [restore](backup_host::PluginInstance& instance) {
                return instance.restore(restore);
            };
        },
        true);
}

std::string summary_of(const PluginOutcome& outcome) {
    return std::to_string(outcome.items) + (outcome.items == 1 ? " item, " : " items, ") +
           std::to_string(outcome.bytes) + (outcome.bytes == 1 ? " byte" : " bytes");
}

// The backup options of every plugin of `plugins`, in order; the first refusal.
backup_host::Result<std::vector<backup_host::OptionValues>> backup_options(
    const std::vector<PluginJob>& plugins) {
    std::vector<backup_host::OptionValues> options;
    for (const PluginJob& job : plugins) {
        auto values = job_options(job, JobKind::backup);
        if (!values)
            return std::unexpected(values.error());
        options.push_back(std::move(*values));
    }
    return options;
}

// The set record's entry for a plugin whose backup succeeded.
void add_plugin_record(backup_host::proto::BackupSet& record,
                       const backup_host::LoadedPlugin& plugin, const std::string& prefix,
                       const PluginOutcome& outcome) {
    auto& entry = *record.add_plugins();
    entry.set_id(plugin.id());
    entry.set_version(plugin.description().version);
    entry.set_format_version(plugin.description().format_version);
    entry.set_item_prefix(prefix);
    entry.set_summary(summary_of(outcome));
    for (const std::string& warning : outcome.warnings)
        entry.add_warnings(warning);
    if (outcome.result)
        entry.set_result_json(*outcome.result);
}

// Runs the backup job of each plugin into `set`, in order, until one fails or the backup is
// cancelled; each outcome goes to `report`, each success to `record`.
void back_up_each(HostContext& context, const BackupRequest& request,
                  const std::vector<backup_host::OptionValues>& options,
                  backup_host::SetWriter& set, backup_host::proto::BackupSet& record,
                  BackupReport& report) {
    for (std::size_t i = 0; i < request.plugins.size() && !report.failure; ++i) {
        const backup_host::LoadedPlugin& plugin = request.plugins[i].plugin;
        if (context.cancel.requested()) {
            report.failure = cancelled_failure("the backup");
            break;
        }
        const std::string prefix = item_prefix_for(plugin.id());
        HostJobServices services(context, plugin.id());
        services.store_into(set, prefix);
        PluginOutcome outcome =
            run_instance(context, plugin, options[i], JobKind::backup, services,
                         [](backup_host::PluginInstance& instance) { return instance.backup(); });
        if (outcome.status != Status::ok)
            report.failure = failure_of(outcome);
        else
            add_plugin_record(record, plugin, prefix, outcome);
        report.plugins.push_back(std::move(outcome));
    }
    if (!report.failure && context.cancel.requested())
        report.failure = cancelled_failure("the backup");
}

// Aborts the set of a failed backup and logs what became of it.
void discard_set(HostContext& context, backup_host::SetWriter& set,
                 const std::string& destination) {
    if (auto aborted = set.abort(); !aborted)
        context.logger.warn("the partial set {} could not be removed: {}", set.set_id(),
                            aborted.error().message);
    else
        context.logger.info("nothing was kept of set {} at {}", set.set_id(), destination);
}

}  // namespace

std::string item_prefix_for(const std::string& plugin_id) {
    return plugin_id + "/";
}

BackupReport run_backup(HostContext& context, const BackupRequest& request) {
    BackupReport report;
    auto options = backup_options(request.plugins);
    if (!options) {
        report.failure = options.error();
        return report;
    }

    // Derives the record's key beside the plugins' work when the password is at hand.
    RecordSealer sealer(context);
    if (sealer.early_failure()) {
        report.failure = *sealer.early_failure();
        return report;
    }
    const backup_host::StorageIo posix = backup_host::StorageIo::posix();
    backup_host::NewSet info;
    info.job = request.job_name;
    auto set = backup_host::create_set_writer(request.io ? *request.io : posix,
                                              backup_host::parse_target(request.target),
                                              std::move(info), request.storage);
    if (!set) {
        report.failure = to_failure(set.error());
        return report;
    }
    report.destination = (*set)->destination();
    context.logger.debug("set {} begins at {}", (*set)->set_id(), report.destination);

    backup_host::proto::BackupSet record;
    back_up_each(context, request, *options, **set, record, report);
    if (report.failure) {
        discard_set(context, **set, report.destination);
        return report;
    }
    auto key = sealer.key();
    if (!key) {
        report.failure = key.error();
        (void)(*set)->abort();
        return report;
    }
    record.set_status(backup_host::proto::SET_STATUS_COMPLETE);
    auto committed = (*set)->commit(std::move(record), *key ? &**key : nullptr);
    if (!committed) {
        report.failure = to_failure(committed.error());
        return report;
    }
    report.record = std::move(*committed);
    return report;
}

RestoreReport run_restore(HostContext& context, const backup_host::SetReader& set,
                          const RestoreRequest& request) {
    RestoreReport report;
    if (auto checked = check_record(context, set, request.plugins_named, report); !checked) {
        report.failure = checked.error();
        return report;
    }
    auto options = prepare_reading(context, set, request.plugins, JobKind::restore);
    if (!options) {
        report.failure = options.error();
        return report;
    }
    print_restore_plan(context, set, request.plugins, request.dry_run);
    // With several plugins, each one's own plan (its dry run) comes before the first writes.
    if (request.plugins.size() > 1 && !request.dry_run) {
        ReadingOutcome planned = restore_each(context, set, request.plugins, *options, true);
        if (planned.failure) {
            report.failure = std::move(planned.failure);
            report.plugins = std::move(planned.plugins);
            return report;
        }
        say(context, "Plan checked; restoring.\n");
    }
    ReadingOutcome restored =
        restore_each(context, set, request.plugins, *options, request.dry_run);
    report.failure = std::move(restored.failure);
    report.plugins = std::move(restored.plugins);
    return report;
}

VerifyReport run_verify(HostContext& context, const backup_host::SetReader& set,
                        const std::vector<PluginJob>& plugins) {
    VerifyReport report;
    const auto trust = authenticate_record(context, set);
    if (!trust) {
        report.failure = trust.error();
        return report;
    }
    report.record_authenticated = *trust == RecordTrust::authenticated;
    auto options = prepare_reading(context, set, plugins, JobKind::verify);
    if (!options) {
        report.failure = options.error();
        return report;
    }
    if (auto checked = set.verify(); !checked) {
        report.failure = to_failure(checked.error());
        return report;
    }
    report.items_checked = true;
    report.items = static_cast<std::uint64_t>(set.record().items_size());
    report.bytes = set.record().total_size();
    ReadingOutcome verified = run_reading_jobs(
        context, set, plugins, *options, JobKind::verify,
        [](std::size_t) -> Work {
            return [](backup_host::PluginInstance& instance) { return instance.verify(); };
        },
        false);
    report.failure = std::move(verified.failure);
    report.plugins = std::move(verified.plugins);
    return report;
}

PluginOutcome run_action(HostContext& context, const PluginJob& job, const std::string& action,
                         const std::vector<std::string>& args) {
    auto options = job_options(job, JobKind::action);
    if (!options) {
        PluginOutcome outcome;
        outcome.plugin_id = job.plugin.id();
        outcome.status = options.error().status;
        outcome.message = options.error().message;
        return outcome;
    }
    HostJobServices services(context, job.plugin.id());
    return run_instance(
        context, job.plugin, *options, JobKind::action, services,
        [&](backup_host::PluginInstance& instance) { return instance.action(action, args); });
}

}  // namespace certbackup::host
