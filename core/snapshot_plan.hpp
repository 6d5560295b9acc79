// Which certificates of a scope go into a snapshot, in which order and under which item name
// (DESIGN §4): the selection step of SnapshotWriter, usable alone for an estimate or a
// preview because it exports nothing.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/snapshot.hpp"

namespace certbackup {

struct PlannedCertificate {
    const SnapshotCandidate* candidate = nullptr;  // not owned
    const Certificate* certificate = nullptr;      // the candidate's; null for a deferred one
    std::optional<CertificateKind> kind;           // of the first binding; nullopt: unused
    std::vector<Binding> bindings;                 // sorted by kind, then text
    std::string payload_item;                      // included ones only
    std::optional<ExclusionReason> exclusion;      // excluded ones only
};

// Both lists are in the snapshot's deterministic order: by kind (ssl, server_encryption,
// database, master_key, discovery_service, password_reset, then unused), by scope, by SHA-256
// thumbprint. The same candidates and options always give the same plan.
struct SnapshotPlan {
    std::vector<PlannedCertificate> included;
    std::vector<PlannedCertificate> excluded;
};

// Rules, in this order: unused (no binding) without include_unused -> unused_not_requested;
// only SSL bindings without include_ssl -> ssl_not_requested; no private key ->
// no_private_key; otherwise included. Fails with invalid_argument on a null certificate or a
// certificate passed twice.
Result<SnapshotPlan> plan_snapshot(std::span<const SnapshotCandidate> candidates,
                                   const SnapshotOptions& options);

// "<kind>-<scope>-<sha256[0:16]>.pfx" from the first binding ("database-db1-0a1b...pfx");
// "unused-unbound-<sha256[0:16]>.pfx" for a certificate without bindings. The scope part is cut
// to 60 characters so that names stay short plain file names on every storage target.
std::string payload_item_name(std::span<const Binding> sorted_bindings,
                              std::string_view sha256_hex);

// Orders bindings by kind, then canonical text: the first one names the entry's kind.
void sort_bindings(std::vector<Binding>& bindings);

}  // namespace certbackup
