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
    // Every certificate is checked against its entry as it comes, and none is kept: a read that
    // succeeds has checked every entry.
    auto read = reader.read_each({}, work_hooks(host, "opening PFX files", "certificates"),
                                 [](std::size_t, Certificate) { return Result<void>{}; });
    if (!read)
        return lift_error(read.error());

    const auto& m = reader.manifest();
    const std::size_t checked = m.entries.size();
    std::string text = "Verified " + describe_snapshot_origin(m) + ": " + std::to_string(checked) +
                       " certificate" + (checked == 1 ? "" : "s") + " in " +
                       std::to_string(m.payload_items().size()) + " PFX file" +
                       (m.payload_items().size() == 1 ? "" : "s") +
                       " open with the password and match the manifest.\n";
    for (const auto& entry : m.entries)
        text += "  ok  " + join_bindings(entry.bindings) + "  " +
                entry.certificate.info.sha256_hex.substr(0, 16) +
                (entry.private_key_included ? "  key matches" : "  no key") + "\n";
    for (const auto& x : m.excluded)
        text += "  not in backup  " + join_bindings(x.bindings) + ": " + x.reason_text + "\n";
    if (auto shown = host.output(text); !shown)
        return shown;
    nlohmann::json result = snapshot_origin_json(m);
    result.update({{"certificates", checked},
                   {"payloads", m.payload_items().size()},
                   {"excluded", m.excluded.size()}});
    return host.set_result(result.dump());
}

}  // namespace certbackup::plugin
