#include <nlohmann/json.hpp>

#include "certificate_view.hpp"
#include "core/snapshot_reader.hpp"
#include "host_items.hpp"
#include "job_support.hpp"
#include "jobs.hpp"
#include "plugin_errors.hpp"

namespace certbackup::plugin {

backup_host::Result<void> run_verify(const backup_host::Host& host) {
    auto snapshot = open_job_snapshot(host);
    if (!snapshot)
        return std::unexpected(snapshot.error());
    SnapshotReader& reader = *snapshot->reader;
    auto restored =
        reader.read_certificates({}, work_hooks(host, "opening PFX files", "certificates"));
    if (!restored)
        return lift_error(restored.error());

    const auto& m = reader.manifest();
    std::string text = "Verified " + describe_snapshot_origin(m) + ": " +
                       std::to_string(restored->size()) + " certificate" +
                       (restored->size() == 1 ? "" : "s") + " in " +
                       std::to_string(m.payload_items().size()) + " PFX file" +
                       (m.payload_items().size() == 1 ? "" : "s") +
                       " open with the password and match the manifest.\n";
    for (const auto& r : *restored)
        text += "  ok  " + join_bindings(r.entry.bindings) + "  " +
                r.entry.certificate.info.sha256_hex.substr(0, 16) +
                (r.entry.private_key_included ? "  key matches" : "  no key") + "\n";
    for (const auto& x : m.excluded)
        text += "  not in backup  " + join_bindings(x.bindings) + ": " + x.reason_text + "\n";
    if (auto shown = host.output(text); !shown)
        return shown;
    nlohmann::json result = snapshot_origin_json(m);
    result.update({{"certificates", restored->size()},
                   {"payloads", m.payload_items().size()},
                   {"excluded", m.excluded.size()}});
    return host.set_result(result.dump());
}

}  // namespace certbackup::plugin
