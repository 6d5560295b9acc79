#include <openssl/x509.h>

#include <nlohmann/json.hpp>

#include "core/snapshot_plan.hpp"
#include "job_support.hpp"
#include "jobs.hpp"
#include "plugin_errors.hpp"

namespace certbackup::plugin {
namespace {

// Approximate PKCS#12 size of one certificate: its DER, its chain's DER and its key's DER,
// plus the fixed overhead of bags, attributes, encryption and MAC (measured: ~300 bytes).
std::uint64_t approximate_pfx_bytes(const Certificate& c) {
    std::uint64_t bytes = c.der().size() + 300;
    for (const auto& issuer : c.chain())
        bytes += static_cast<std::uint64_t>(i2d_X509(issuer.get(), nullptr));
    if (c.has_key())
        bytes += static_cast<std::uint64_t>(i2d_PrivateKey(c.key(), nullptr)) + 64;
    return bytes;
}

// Manifest bytes per entry (facts, bindings, names and digests) and for the envelope.
constexpr std::uint64_t kManifestBytesPerEntry = 700;
constexpr std::uint64_t kManifestBytesFixed = 400;

}  // namespace

backup_host::Result<backup_host::Estimate> run_estimate(const backup_host::Host& host,
                                                        const CertificatesOptions& options) {
    auto selection = select_snapshot(host, options);
    if (!selection)
        return std::unexpected(selection.error());
    auto plan = plan_snapshot(selection->candidates, selection->options);
    if (!plan)
        return lift_error(plan.error());

    backup_host::Estimate estimate;
    estimate.bytes = kManifestBytesFixed;
    for (const auto& p : plan->included)
        estimate.bytes += approximate_pfx_bytes(*p.certificate) + kManifestBytesPerEntry;
    estimate.items =
        1 + (selection->options.per_certificate_files ? plan->included.size()
                                                      : (plan->included.empty() ? 0 : 1));
    const std::string text = "A backup would hold " + std::to_string(plan->included.size()) +
                             " certificates in " + std::to_string(estimate.items) +
                             " items, about " + std::to_string(estimate.bytes) + " bytes; " +
                             std::to_string(plan->excluded.size()) + " left out.\n";
    if (auto shown = host.output(text); !shown)
        return std::unexpected(shown.error());
    if (auto set = host.set_result(nlohmann::json{
            {"certificates", plan->included.size()},
            {"excluded", plan->excluded.size()},
            {"items", estimate.items},
            {"bytes", estimate.bytes}}.dump());
        !set)
        return std::unexpected(set.error());
    return estimate;
}

}  // namespace certbackup::plugin
