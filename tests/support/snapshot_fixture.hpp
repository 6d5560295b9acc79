// Certificates and options shared by the snapshot tests: one certificate of every kind (an SSL
// certificate with a chain, server encryption, database, master key, discovery service, password
// reset), an unused one and one without a private key. Made once per test process.
#pragma once

#include <string_view>
#include <vector>

#include "core/certificate.hpp"
#include "core/snapshot.hpp"
#include "core/snapshot_items.hpp"

namespace certbackup::testing {

inline constexpr std::string_view kSnapshotPassword = "correct horse battery staple";
// Low, so that every derivation in the tests is quick; the default is not under test here.
inline constexpr int kTestIterations = 1000;

struct SampleCertificates {
    std::vector<Certificate> certificates;  // CA first
    std::vector<SnapshotCandidate> candidates;
    const Certificate& by_friendly_name(std::string_view name) const;
};

// Every certificate of a store with two databases; each candidate points into `certificates`.
const SampleCertificates& sample_certificates();

// Options with kTestIterations and two threads.
SnapshotOptions test_options(bool per_certificate_files);

// The sample certificates written as a snapshot with test_options and kSnapshotPassword, in
// memory. Throws when the writer fails.
MemoryItems write_sample_snapshot(bool per_certificate_files);

}  // namespace certbackup::testing
