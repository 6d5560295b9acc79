// How the plugin shows certificates to people (text) and to scripts (JSON): one place, so
// list, show, backup reports and restore plans agree on names and formats.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/binding.hpp"
#include "core/certificate.hpp"
#include "core/snapshot.hpp"

namespace certbackup::plugin {

// "2027-01-31" (UTC).
std::string format_date(std::int64_t unix_seconds);
// Whole days from now until `not_after`; negative when expired.
std::int64_t days_left(std::int64_t not_after);
// "in 364 days", "today", "expired 3 days ago".
std::string describe_days_left(std::int64_t not_after);
// "database/db1, master_key/db1/corp" or "(unused)".
std::string join_bindings(const std::vector<Binding>& bindings);
// "RSA 2048", "EC P-256".
std::string describe_key(const CertificateInfo& info);
// "1.5 KiB", "3.2 MiB".
std::string format_bytes(std::uint64_t bytes);

// The kind shown for a certificate: its first binding's kind, or "unused".
std::string kind_label(const std::vector<Binding>& sorted_bindings);

nlohmann::json bindings_json(const std::vector<Binding>& bindings);
// Subject, issuer, serial, validity, key, thumbprints, SANs.
nlohmann::json info_json(const CertificateInfo& info);

// Where a snapshot comes from, said first by every restore and verify so that an older set put
// in place of a newer one (a rollback) is seen: "snapshot <id>, made 2026-11-30T17:53:15Z on
// host <name> from store <identity>". The JSON form has snapshot_id, created_utc, source_host
// and source_store.
std::string describe_snapshot_origin(const SnapshotManifest& manifest);
nlohmann::json snapshot_origin_json(const SnapshotManifest& manifest);

}  // namespace certbackup::plugin
