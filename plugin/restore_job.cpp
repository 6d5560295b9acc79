#include <nlohmann/json.hpp>

#include "certificate_view.hpp"
#include "core/snapshot_reader.hpp"
#include "core/snapshot_selection.hpp"
#include "core/store_import.hpp"
#include "host_items.hpp"
#include "job_support.hpp"
#include "jobs.hpp"
#include "json_object.hpp"
#include "plugin_errors.hpp"

namespace certbackup::plugin {
namespace {

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts)
        out += (out.empty() ? "" : ",") + p;
    return out;
}

std::string plan_text(const ImportReport& report, const SnapshotManifest& manifest,
                      const std::filesystem::path& target, bool dry_run) {
    std::string out =
        (dry_run ? "Dry run: nothing is changed. Restoring into " + target.string() + " from "
                 : "Restored into " + target.string() + " from ") +
        describe_snapshot_origin(manifest) + (dry_run ? " would:\n" : ":\n");
    for (const auto& a : report.actions) {
        out += "  " + std::string(to_string(a.kind)) + "  " + join_bindings(a.bindings) + "  " +
               a.thumbprint.substr(0, 16) + "  " + a.subject + "\n";
        for (const auto& d : a.details)
            out += "      " + d + "\n";
    }
    out += "Summary: " + std::to_string(report.count(ImportAction::Kind::create)) + " created, " +
           std::to_string(report.count(ImportAction::Kind::skip)) + " skipped, " +
           std::to_string(report.count(ImportAction::Kind::bind) +
                          report.count(ImportAction::Kind::add_key)) +
           " completed, " + std::to_string(report.count(ImportAction::Kind::replace)) +
           " replaced, " + std::to_string(report.count(ImportAction::Kind::conflict)) +
           " conflicts.\n";
    if (!manifest.excluded.empty()) {
        out += "Not in this backup:\n";
        for (const auto& x : manifest.excluded)
            out += "  " + join_bindings(x.bindings) + "  " +
                   x.certificate.info.sha256_hex.substr(0, 16) + ": " + x.reason_text + "\n";
    }
    return out;
}

// The plan or outcome as the job's result, written action by action (json_object.hpp).
std::string plan_json(const ImportReport& report, const SnapshotManifest& manifest,
                      const std::filesystem::path& target, bool dry_run) {
    nlohmann::json members = snapshot_origin_json(manifest);
    members.update(
        {{"target_store", target.string()}, {"dry_run", dry_run}, {"committed", report.committed}});
    const auto action = [&report](std::size_t i) {
        const auto& a = report.actions[i];
        return nlohmann::json{{"action", to_string(a.kind)},
                              {"sha256", a.thumbprint},
                              {"subject", a.subject},
                              {"bindings", bindings_json(a.bindings)},
                              {"details", a.details}};
    };
    const auto excluded = [&manifest](std::size_t i) {
        const auto& x = manifest.excluded[i];
        return nlohmann::json{{"bindings", bindings_json(x.bindings)},
                              {"sha256", x.certificate.info.sha256_hex},
                              {"reason", to_string(x.reason)},
                              {"what_to_do", x.reason_text}};
    };
    return json_object(members, {{"actions", report.actions.size(), action},
                                 {"not_in_backup", manifest.excluded.size(), excluded}});
}

// The certificates of the snapshot that `restore` selects, each checked (every payload's digest,
// each read once; every payload holding a selected entry opened and matched against the
// manifest) and encoded as it comes, in manifest order:
// a restore of thousands never holds them decoded at once.
backup_host::Result<std::vector<ImportCandidate>> checked_candidates(
    const backup_host::Host& host, SnapshotReader& reader,
    const backup_host::RestoreOptions& restore) {
    auto selection = parse_selection(join(restore.selection), reader.manifest());
    if (!selection)
        return lift_error(selection.error());
    const auto& entries = reader.manifest().entries;
    std::vector<std::optional<EncodedCertificate>> encoded(entries.size());
    auto read = reader.read_each(
        *selection, work_hooks(host, "restore 1/3: opening PFX files", "certificates"),
        [&encoded](std::size_t index, Certificate certificate) -> Result<void> {
            auto file_form = encode_certificate(certificate);
            if (!file_form)
                return std::unexpected(file_form.error());
            encoded[index] = std::move(*file_form);  // on this thread, each place once
            return {};
        });
    if (!read)
        return lift_error(read.error());
    std::vector<ImportCandidate> candidates;
    for (std::size_t i = 0; i < entries.size(); ++i)
        if (encoded[i])
            candidates.push_back({std::move(*encoded[i]), entries[i].bindings});
    return candidates;
}

// The plan or outcome for people (text) and for --json (the job's result).
backup_host::Result<void> report_plan(const backup_host::Host& host, const ImportReport& report,
                                      const SnapshotManifest& manifest,
                                      const std::filesystem::path& target, bool dry_run) {
    if (auto shown = host.output(plan_text(report, manifest, target, dry_run)); !shown)
        return shown;
    return host.set_result(plan_json(report, manifest, target, dry_run));
}

}  // namespace

backup_host::Result<void> run_restore(const backup_host::Host& host,
                                      const CertificatesOptions& options,
                                      const backup_host::RestoreOptions& restore) {
    const auto target = restore.target ? restore.target : options.store;
    if (!target)
        return backup_host::fail(
            backup_host::Status::bad_usage,
            "no store to restore into: use -o target_store=DIR (or -o store=DIR)");
    // Every check happens before the store is even opened: password, MAC, item digests, and
    // every payload opened and matched against the manifest.
    auto snapshot = open_job_snapshot(host);
    if (!snapshot)
        return std::unexpected(snapshot.error());
    auto candidates = checked_candidates(host, *snapshot->reader, restore);
    if (!candidates)
        return std::unexpected(candidates.error());
    // The candidates carry what the import needs of each entry: the report needs only what the
    // manifest says of the snapshot, so its entries are not held while the store is written.
    const SnapshotManifest about = std::move(*snapshot->reader).release_manifest_without_entries();
    snapshot->reader.reset();

    // A real restore makes a store only in a missing or empty directory, never in a directory
    // that holds something else; a dry run into such a directory creates nothing.
    auto store = open_target_store(*target, "target_store", "restore", restore.dry_run);
    if (!store)
        return std::unexpected(store.error());
    if (!*store)
        return report_plan(host, plan_into_new_store(*candidates), about, *target, true);
    ImportOptions import_options;
    import_options.overwrite = restore.overwrite == backup_host::Overwrite::replace
                                   ? OverwritePolicy::replace
                                   : OverwritePolicy::skip;
    import_options.dry_run = restore.dry_run;
    import_options.cancelled = [host] { return host.cancelled(); };
    import_options.staging_progress =
        work_hooks(host, "restore 2/3: staging certificates").progress;
    import_options.commit_progress = work_hooks(host, "restore 3/3: writing the store").progress;
    if (auto cancelled = host.check_cancelled(); !cancelled)
        return cancelled;
    auto report = import_certificates(**store, std::move(*candidates), import_options);
    if (!report)
        return lift_error(report.error());
    return report_plan(host, *report, about, *target, restore.dry_run);
}

}  // namespace certbackup::plugin
