// A realistic certificate store for a password-manager server (DESIGN §1, §3), for demos,
// tests and scale runs: what `build/bin/sample-store` writes.
//
// Contents: a root CA and an issuing CA (not stored themselves) that sign the `ssl`
// certificate (so its chain has 2 certificates, and it has DNS names); `server_encryption`;
// per database `database/<db>`, `master_key/<db>/<domain>` for one or two AD domains,
// `discovery_service/<db>/<name>` and `password_reset/<db>/<name>`; `unused` certificates
// without a binding (left over from old installs); `extra` more EC P-256 certificates bound as
// `discovery_service/<db>/extra-<i>` for scale. Key types mix RSA 2048, RSA 4096 (only
// server_encryption: it is slow to make), EC P-256 and EC P-521; each appears in every store.
// Exactly one certificate expires within 30 days; the others stay valid for at least 90.
//
// The seed decides every choice (database names, domains, service names, key types,
// validity); keys and serial numbers are always fresh.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "certbackup/base/error.hpp"
#include "certificate_factory.hpp"
#include "core/binding.hpp"

namespace certbackup::samples {

struct SampleStoreOptions {
    unsigned databases = 2;
    unsigned unused = 2;
    unsigned extra = 0;
    std::uint64_t seed = 0;
    // Threads for key generation and for writing files (0: one per core, at least 2 writers
    // because writing is bound by fsync latency, not by the CPU).
    unsigned threads = 0;
};

// One certificate of the plan.
struct PlannedCertificate {
    CertificateSpec spec;
    std::optional<Binding> binding;  // nullopt: unused
    bool issued_by_ca = false;       // signed by the issuing CA (the ssl certificate)
};

struct SampleStorePlan {
    std::string host_name;  // the server's DNS name
    std::vector<std::string> databases;
    CertificateSpec root_ca;
    CertificateSpec issuing_ca;
    std::vector<PlannedCertificate> certificates;
    // The purpose of the certificate that expires within 30 days.
    std::string expiring_purpose;
};

// The deterministic part: the same options give the same plan. Errors: invalid_argument for
// `extra` without a database.
Result<SampleStorePlan> plan_sample_store(const SampleStoreOptions& options);

struct SampleStoreSummary {
    std::filesystem::path root;
    std::map<std::string, std::size_t> per_kind;  // "ssl", ..., "unused" -> count
    std::size_t total = 0;
    std::size_t extra = 0;
    std::vector<std::string> databases;
    std::string expiring_purpose;
    int expiring_in_days = 0;
    double generate_seconds = 0;  // making keys and certificates
    double write_seconds = 0;     // the store transaction
};

// Makes the certificates of `plan_sample_store(options)` and writes them to a new store at
// `root` in one transaction (all or nothing). `root` must not exist or be an empty directory:
// otherwise invalid_argument saying so and how to proceed.
Result<SampleStoreSummary> write_sample_store(const std::filesystem::path& root,
                                              const SampleStoreOptions& options);

}  // namespace certbackup::samples
