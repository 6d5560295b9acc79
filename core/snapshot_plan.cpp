#include "core/snapshot_plan.hpp"

#include <algorithm>
#include <set>
#include <tuple>

namespace certbackup {
namespace {

// Unused certificates sort after every kind.
constexpr int kUnusedRank = 100;

std::string scope_of(std::span<const Binding> sorted_bindings) {
    return sorted_bindings.empty() ? std::string("unbound") : sorted_bindings.front().scope();
}

// Item names must stay plain file names of at most 255 bytes on every target (ext4, tar's
// ustar name field is 100): the scope part is cut; the thumbprint part keeps names unique.
constexpr std::size_t kMaxScopeInItemName = 60;

auto order_key(const PlannedCertificate& p) {
    return std::make_tuple(p.kind ? static_cast<int>(*p.kind) : kUnusedRank, scope_of(p.bindings),
                           p.candidate->sha256_hex());
}

std::optional<ExclusionReason> exclusion_for(const PlannedCertificate& p,
                                             const SnapshotOptions& options) {
    if (p.bindings.empty() && !options.include_unused)
        return ExclusionReason::unused_not_requested;
    const bool only_ssl = !p.bindings.empty() &&
                          std::all_of(p.bindings.begin(), p.bindings.end(), [](const Binding& b) {
                              return b.kind == CertificateKind::ssl;
                          });
    if (only_ssl && !options.include_ssl)
        return ExclusionReason::ssl_not_requested;
    if (!p.candidate->has_key())
        return ExclusionReason::no_private_key;
    return std::nullopt;
}

}  // namespace

void sort_bindings(std::vector<Binding>& bindings) {
    std::sort(bindings.begin(), bindings.end(), [](const Binding& a, const Binding& b) {
        return std::make_tuple(static_cast<int>(a.kind), a.to_string()) <
               std::make_tuple(static_cast<int>(b.kind), b.to_string());
    });
    bindings.erase(std::unique(bindings.begin(), bindings.end()), bindings.end());
}

std::string payload_item_name(std::span<const Binding> sorted_bindings,
                              std::string_view sha256_hex) {
    const std::string kind = sorted_bindings.empty()
                                 ? std::string("unused")
                                 : std::string(to_string(sorted_bindings.front().kind));
    return kind + "-" + scope_of(sorted_bindings).substr(0, kMaxScopeInItemName) + "-" +
           std::string(sha256_hex.substr(0, 16)) + ".pfx";
}

Result<SnapshotPlan> plan_snapshot(std::span<const SnapshotCandidate> candidates,
                                   const SnapshotOptions& options) {
    SnapshotPlan plan;
    std::set<std::string> seen;
    std::vector<PlannedCertificate> all;
    all.reserve(candidates.size());
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const SnapshotCandidate& candidate = candidates[i];
        if (candidate.empty())
            return fail(ErrorCode::invalid_argument,
                        "snapshot candidate " + std::to_string(i) + " has no certificate");
        if (!seen.insert(candidate.sha256_hex()).second)
            return fail(ErrorCode::invalid_argument,
                        "certificate " + candidate.sha256_hex() +
                            " is passed twice; pass each certificate once with all its bindings");
        PlannedCertificate p;
        p.candidate = &candidate;
        p.certificate = candidate.certificate;
        p.bindings = candidate.bindings;
        sort_bindings(p.bindings);
        if (!p.bindings.empty())
            p.kind = p.bindings.front().kind;
        all.push_back(std::move(p));
    }
    std::sort(all.begin(), all.end(), [](const PlannedCertificate& a, const PlannedCertificate& b) {
        return order_key(a) < order_key(b);
    });
    for (auto& p : all) {
        p.exclusion = exclusion_for(p, options);
        if (p.exclusion) {
            plan.excluded.push_back(std::move(p));
        } else {
            p.payload_item = options.per_certificate_files
                                 ? payload_item_name(p.bindings, p.candidate->sha256_hex())
                                 : std::string(kBundleItem);
            plan.included.push_back(std::move(p));
        }
    }
    return plan;
}

}  // namespace certbackup
