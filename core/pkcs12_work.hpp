// The key-derivation work of one PFX import, bounded before it is done (internal to import).
//
// Why: a PFX names its own work factor. Every password-based structure (the MAC, each encrypted
// safe, each shrouded key) says which key derivation to run and how often; a crafted file can ask
// for scrypt with a huge cost, or for many structures each just under the per-structure limit.
// Import therefore accepts only the two derivations whose cost is one iteration count (PBKDF2 in
// PBES2, and the PKCS#12 KDF of the PKCS#12 PBE algorithms and the MAC), refuses any other before
// running anything, and adds up the iterations of the derivations a file needs against
// kMaxFileIterations (docs/FORMAT.md "Import of PFX files").
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "certbackup/base/error.hpp"
#include "core/pkcs12_algorithms.hpp"
#include "core/pkcs12_pbes2.hpp"

namespace certbackup::pkcs12_detail {

// The most PBKDF2 / PKCS#12-KDF iterations one import runs in total for one password: three
// derivations at the per-structure maximum (kMaxIterations). A file certbackup writes needs two
// (MAC and one shared encryption key) in the modern profile; a compat bundle one per key.
inline constexpr std::int64_t kMaxFileIterations = 3 * std::int64_t{kMaxIterations};

// What opening one password-based structure costs.
struct DerivationCost {
    std::int64_t iterations = 0;
    // Set when the import's key cache (Pbes2KeyCache) derives this key once for every structure
    // that shares it; such structures are counted once.
    std::optional<Pbes2KeyId> shared;
};

// The cost of opening a structure encrypted with `algorithm` (`what`: "a private key", "the
// file's encrypted contents"). Fails with corrupt (exit 4), naming `origin` and the algorithm,
// for a key derivation other than PBKDF2 (PBES2) or the PKCS#12 KDF (scrypt, PBES1, an unknown
// OID), for parameters that cannot be read, and for more than kMaxIterations iterations. Runs no
// derivation.
Result<DerivationCost> derivation_cost(const X509_ALGOR* algorithm, std::string_view what,
                                       const std::string& origin);

// The MAC's cost (always the PKCS#12 KDF): corrupt beyond kMaxIterations.
Result<DerivationCost> mac_derivation_cost(std::int64_t iterations, const std::string& origin);

// A running total of the derivations of one import. Not thread-safe.
class DerivationBudget {
  public:
    DerivationBudget(std::string origin, std::int64_t limit)
        : origin_(std::move(origin)), limit_(limit) {}

    // Counts `cost` (shared keys once) and fails with corrupt, naming the file, when the total
    // passes the limit: called before the derivation runs.
    Result<void> charge(const DerivationCost& cost);
    // A new password candidate: its keys are derived anew, so shared keys count again.
    void forget_shared_keys() { shared_.clear(); }

    std::int64_t total() const noexcept { return total_; }

  private:
    std::string origin_;
    std::int64_t limit_;
    std::int64_t total_ = 0;
    std::set<Pbes2KeyId> shared_;
};

}  // namespace certbackup::pkcs12_detail
