// The certificate snapshot (DESIGN §4, docs/FORMAT.md): what goes in, what the manifest
// records, and what a writer reports. SnapshotWriter (core/snapshot_writer.hpp) makes one,
// SnapshotReader (core/snapshot_reader.hpp) checks and reads one.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certbackup/base/parallel_tasks.hpp"
#include "core/binding.hpp"
#include "core/certificate.hpp"
#include "core/pkcs12.hpp"

namespace certbackup {

// The format this code writes and the only one it reads.
inline constexpr std::uint32_t kSnapshotFormatVersion = 1;
// Item names (docs/FORMAT.md). Per-certificate payloads are "<kind>-<scope>-<sha256[0:16]>.pfx".
inline constexpr std::string_view kManifestItem = "manifest.pb";
// A manifest.pb larger than this is refused (corrupt) before it is read whole: a manifest of
// 100000 certificates stays far below, and it is read before it is authenticated.
inline constexpr std::size_t kMaxManifestBytes = std::size_t{64} << 20;
inline constexpr std::string_view kBundleItem = "certificates.pfx";
// Bounds on the key-derivation iterations a snapshot may ask for; the upper one keeps a
// tampered manifest from making a reader spin for hours.
inline constexpr std::uint32_t kMinKdfIterations = 1;
inline constexpr std::uint32_t kMaxKdfIterations = 10'000'000;

// One certificate of the chosen scope, as the store has it. The caller passes every
// certificate of the scope, required (with bindings) and unused (no binding) alike; the
// writer decides what is included and records what it leaves out.
//
// A candidate is either in memory (`certificate`) or deferred (`deferred`, with `certificate`
// null): then the writer knows its thumbprint and whether it has a key without reading it, and
// loads it only while its PFX bag or file is made, so that a backup of a large store holds one
// decoded key at a time per thread rather than all of them.
struct SnapshotCandidate {
    // A certificate read when the writer needs it. `load` must be safe to call from several
    // threads at once (per-certificate mode exports in parallel) and gives the certificate with
    // its key when `has_key`.
    struct Deferred {
        std::string sha256_hex;
        bool has_key = false;
        std::function<Result<Certificate>()> load;
    };

    const Certificate* certificate = nullptr;  // not owned; outlives the write
    std::vector<Binding> bindings;             // empty: the certificate is unused
    std::optional<Deferred> deferred = std::nullopt;  // used when `certificate` is null

    // Null `certificate` and no `deferred`: no certificate at all.
    bool empty() const noexcept { return certificate == nullptr && !deferred; }
    const std::string& sha256_hex() const {
        return certificate ? certificate->sha256_hex() : deferred->sha256_hex;
    }
    bool has_key() const { return certificate ? certificate->has_key() : deferred->has_key; }
    // The certificate: a copy sharing the in-memory one's objects, or the deferred one loaded.
    Result<Certificate> get() const {
        return certificate ? Result<Certificate>(certificate->clone()) : deferred->load();
    }
};

struct SnapshotOptions {
    bool per_certificate_files = false;  // one PFX per certificate instead of one bundle
    bool include_ssl = false;            // SSL certificates are left out unless asked for
    bool include_unused = false;         // unused certificates are left out unless asked for
    Pkcs12Profile profile{};             // also gives the manifest's KDF iterations
    unsigned threads = 0;                // PFX exports in parallel; 0: one per core
    int expiry_warning_days = 30;        // warn about certificates expiring within this
    // Identity, recorded in the manifest for the disaster-recovery reader.
    std::string host_name;
    std::string plugin_id;
    std::string plugin_version;
    std::string store_identity;
    std::string scope = "all";  // "all" or a database name
};

// Cancellation and progress of a write or a read. Progress counts certificates: packed into
// the bundle, or one per PFX file made in per-certificate mode; a read counts PFX files opened.
using SnapshotHooks = WorkHooks;

enum class ExclusionReason { ssl_not_requested, unused_not_requested, no_private_key };

// "ssl_not_requested", ... (stable, for JSON).
std::string_view to_string(ExclusionReason reason) noexcept;
// What a person should know and do ("recreate it on the new server ...").
std::string_view describe(ExclusionReason reason) noexcept;

// What the manifest records about one certificate.
struct CertificateFacts {
    CertificateInfo info;
    std::string friendly_name;
    unsigned chain_length = 0;  // issuer certificates kept with it
};

// One included certificate.
struct ManifestEntry {
    std::optional<CertificateKind> kind;  // of the first binding; nullopt: unused
    std::vector<Binding> bindings;        // sorted by kind, then text
    CertificateFacts certificate;
    bool private_key_included = false;
    std::string payload_item;    // the item holding its PFX
    std::string payload_sha256;  // lower-case hex of the whole payload item
    std::uint64_t payload_size = 0;
};

// One certificate of the scope that the snapshot does not contain, and why.
struct ExcludedCertificate {
    std::optional<CertificateKind> kind;
    std::vector<Binding> bindings;
    CertificateFacts certificate;
    ExclusionReason reason{};
    std::string reason_text;  // describe(reason), as written
};

// The decoded manifest.
struct SnapshotManifest {
    std::string snapshot_id;        // 32 lower-case hex digits, random
    std::int64_t created_time = 0;  // Unix seconds, UTC
    std::string host_name;
    std::string plugin_id;
    std::string plugin_version;
    std::string store_identity;
    std::string scope;
    bool per_certificate_files = false;
    bool include_ssl = false;
    bool include_unused = false;
    Pkcs12Profile profile{};
    std::vector<ManifestEntry> entries;  // sorted by kind, scope, SHA-256 thumbprint
    std::vector<ExcludedCertificate> excluded;
    std::vector<std::string> warnings;

    // The distinct payload item names, in entry order.
    std::vector<std::string> payload_items() const;
};

// What a writer did.
struct SnapshotSummary {
    SnapshotManifest manifest;               // entries, excluded with reasons, warnings
    std::vector<std::string> items_written;  // in write order; manifest.pb is last
    std::uint64_t bytes_written = 0;         // all items, manifest included
};

}  // namespace certbackup
