#include "certificate_view.hpp"
#include "certbackup/base/utc_time.hpp"

#include <cstdio>
#include <ctime>

namespace certbackup::plugin {

std::string format_date(std::int64_t unix_seconds) {
    return format_utc(unix_seconds, "%Y-%m-%d");
}

std::string describe_snapshot_origin(const SnapshotManifest& manifest) {
    return "snapshot " + manifest.snapshot_id + ", made " +
           format_utc(manifest.created_time, "%Y-%m-%dT%H:%M:%SZ") + " on host " +
           manifest.host_name + " from store " + manifest.store_identity;
}

nlohmann::json snapshot_origin_json(const SnapshotManifest& manifest) {
    return {{"snapshot_id", manifest.snapshot_id},
            {"created_utc", format_utc(manifest.created_time, "%Y-%m-%dT%H:%M:%SZ")},
            {"source_host", manifest.host_name},
            {"source_store", manifest.store_identity}};
}

std::int64_t days_left(std::int64_t not_after) {
    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    const std::int64_t seconds = not_after - now;
    // Round towards minus infinity so that a certificate that expired an hour ago is "-1".
    return seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
}

std::string describe_days_left(std::int64_t not_after) {
    const std::int64_t days = days_left(not_after);
    if (days > 1)
        return "in " + std::to_string(days) + " days";
    if (days == 1)
        return "in 1 day";
    if (days == 0)
        return "today";
    return "expired " + std::to_string(-days) + (days == -1 ? " day ago" : " days ago");
}

std::string join_bindings(const std::vector<Binding>& bindings) {
    if (bindings.empty())
        return "(unused)";
    std::string out;
    for (const auto& b : bindings)
        out += (out.empty() ? "" : ", ") + b.to_string();
    return out;
}

std::string describe_key(const CertificateInfo& info) {
    if (info.key_algorithm == "EC" && !info.key_curve.empty())
        return "EC " + info.key_curve;
    return info.key_algorithm + " " + std::to_string(info.key_bits);
}

std::string format_bytes(std::uint64_t bytes) {
    char buf[32];
    if (bytes < 1024)
        return std::to_string(bytes) + " B";
    if (bytes < 1024 * 1024) {
        std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024.0);
    } else {
        std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    }
    return buf;
}

std::string kind_label(const std::vector<Binding>& sorted_bindings) {
    return sorted_bindings.empty() ? "unused"
                                   : std::string(to_string(sorted_bindings.front().kind));
}

nlohmann::json bindings_json(const std::vector<Binding>& bindings) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& b : bindings)
        out.push_back(b.to_string());
    return out;
}

nlohmann::json info_json(const CertificateInfo& info) {
    return nlohmann::json{
        {"subject", info.subject},
        {"issuer", info.issuer},
        {"serial", info.serial_hex},
        {"not_before", format_date(info.not_before)},
        {"not_after", format_date(info.not_after)},
        {"not_after_unix", info.not_after},
        {"days_left", days_left(info.not_after)},
        {"key_algorithm", info.key_algorithm},
        {"key_curve", info.key_curve},
        {"key_bits", info.key_bits},
        {"sha1", info.sha1_hex},
        {"sha256", info.sha256_hex},
        {"subject_alt_names", info.subject_alt_names},
    };
}

}  // namespace certbackup::plugin
