#include <nlohmann/json.hpp>

#include "certificate_view.hpp"
#include "core/snapshot_writer.hpp"
#include "host_items.hpp"
#include "job_support.hpp"
#include "jobs.hpp"
#include "json_object.hpp"
#include "plugin_errors.hpp"

namespace certbackup::plugin {
namespace {

std::string summary_text(const SnapshotSummary& summary) {
    const auto& m = summary.manifest;
    std::string out = "Backed up " + std::to_string(m.entries.size()) + " certificate" +
                      (m.entries.size() == 1 ? "" : "s") + " in " +
                      std::to_string(summary.items_written.size() - 1) +
                      (m.per_certificate_files ? " PFX files" : " PFX file") + " (" +
                      format_bytes(summary.bytes_written) + ", profile " +
                      std::string(to_string(m.profile.name)) + ", " +
                      std::to_string(m.profile.iterations) + " iterations).\n";
    for (const auto& e : m.entries)
        out += "  " + kind_label(e.bindings) + "  " + join_bindings(e.bindings) + "  " +
               e.certificate.info.sha256_hex.substr(0, 16) + "  -> " + e.payload_item + "\n";
    if (!m.excluded.empty()) {
        out += "Not backed up:\n";
        for (const auto& x : m.excluded)
            out += "  " + kind_label(x.bindings) + "  " + join_bindings(x.bindings) + "  " +
                   x.certificate.info.sha256_hex.substr(0, 16) + ": " + x.reason_text + "\n";
    }
    if (!m.warnings.empty()) {
        out += "Warnings:\n";
        for (const auto& w : m.warnings)
            out += "  " + w + "\n";
    }
    return out;
}

// The job's result, written entry by entry (json_object.hpp).
std::string summary_json(const SnapshotSummary& summary) {
    const auto& m = summary.manifest;
    const nlohmann::json members = {{"bytes", summary.bytes_written},
                                    {"certificates", m.entries.size()},
                                    {"items", summary.items_written.size()},
                                    {"iterations", m.profile.iterations},
                                    {"per_certificate_files", m.per_certificate_files},
                                    {"profile", to_string(m.profile.name)},
                                    {"snapshot_id", m.snapshot_id},
                                    {"warnings", m.warnings}};
    const auto entry = [&m](std::size_t i) {
        const auto& e = m.entries[i];
        return nlohmann::json{{"kind", kind_label(e.bindings)},
                              {"bindings", bindings_json(e.bindings)},
                              {"sha256", e.certificate.info.sha256_hex},
                              {"subject", e.certificate.info.subject},
                              {"payload", e.payload_item}};
    };
    const auto excluded = [&m](std::size_t i) {
        const auto& x = m.excluded[i];
        return nlohmann::json{{"kind", kind_label(x.bindings)},
                              {"bindings", bindings_json(x.bindings)},
                              {"sha256", x.certificate.info.sha256_hex},
                              {"reason", to_string(x.reason)},
                              {"what_to_do", x.reason_text}};
    };
    return json_object(
        members, {{"entries", m.entries.size(), entry}, {"excluded", m.excluded.size(), excluded}});
}

}  // namespace

backup_host::Result<void> run_backup(const backup_host::Host& host,
                                     const CertificatesOptions& options) {
    auto store = open_existing_store(host, options.store);
    if (!store)
        return std::unexpected(store.error());
    auto snapshot = snapshot_options(options, **store);
    if (!snapshot)
        return std::unexpected(snapshot.error());
    auto password = job_password(host, backup_host::SecretUse::new_secret);
    if (!password)
        return std::unexpected(password.error());

    // The key derivations need the password only: they run while the store is read.
    SnapshotWriter writer(*snapshot, work_hooks(host, "making PFX files"));
    auto keys = writer.start_keys(*password);
    if (!keys)
        return lift_error(keys.error());
    // Each certificate is read while its bag or file is made, and dropped afterwards.
    auto candidates = deferred_snapshot_candidates(**store, options.scope);
    if (!candidates)
        return std::unexpected(candidates.error());
    HostItemSink sink(host);
    auto summary = writer.write(*candidates, *password, std::move(*keys), sink);
    if (!summary)
        return lift_error(summary.error());

    // The items are written: the store and its candidates (thousands of names and paths) are freed
    // before the report of every certificate is made, so that the two are never in memory
    // together.
    candidates->clear();
    candidates->shrink_to_fit();
    store->reset();
    for (const auto& w : summary->manifest.warnings)
        host.warn(w);
    if (auto shown = host.output(summary_text(*summary)); !shown)
        return shown;
    return host.set_result(summary_json(*summary));
}

}  // namespace certbackup::plugin
