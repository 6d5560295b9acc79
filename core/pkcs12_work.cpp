#include "core/pkcs12_work.hpp"

#include <openssl/objects.h>

#include <memory>

#include "certbackup/base/ossl.hpp"
#include "core/pkcs12_algorithms.hpp"

namespace certbackup::pkcs12_detail {
namespace {

using Pbe2ParamPtr = std::unique_ptr<PBE2PARAM, ossl::Deleter<PBE2PARAM, PBE2PARAM_free>>;

const char* const kReexportHint =
    "re-export the file with PBKDF2 and AES (for example `openssl pkcs12 -export`, whose "
    "OpenSSL 3 defaults are PBES2 with PBKDF2 and AES-256-CBC)";

// The PKCS#12 PBE algorithms (RFC 7292 appendix C): keys from the PKCS#12 KDF.
bool is_pkcs12_pbe(int nid) {
    switch (nid) {
        case NID_pbe_WithSHA1And128BitRC4:
        case NID_pbe_WithSHA1And40BitRC4:
        case NID_pbe_WithSHA1And3_Key_TripleDES_CBC:
        case NID_pbe_WithSHA1And2_Key_TripleDES_CBC:
        case NID_pbe_WithSHA1And128BitRC2_CBC:
        case NID_pbe_WithSHA1And40BitRC2_CBC:
            return true;
        default:
            return false;
    }
}

// "scrypt (OID 1.3.6.1.4.1.11591.4.11)".
std::string name_and_oid(const ASN1_OBJECT* oid) {
    if (oid == nullptr)
        return "(no algorithm)";
    char dotted[128] = {};
    OBJ_obj2txt(dotted, sizeof dotted, oid, 1);
    const int nid = OBJ_obj2nid(oid);
    if (nid == NID_undef)
        return std::string("an unknown algorithm (OID ") + dotted + ")";
    return std::string(OBJ_nid2ln(nid)) + " (OID " + dotted + ")";
}

Error refused_kdf(std::string_view what, const std::string& kdf, const std::string& origin) {
    return Error{ErrorCode::corrupt, origin + ": " + std::string(what) + " is protected with " +
                                         kdf +
                                         ", a key derivation certbackup refuses: only PBKDF2 "
                                         "(PBES2) and the PKCS#12 KDF are accepted, whose work "
                                         "is bounded; " +
                                         kReexportHint};
}

Result<DerivationCost> bounded(std::int64_t iterations, std::string_view what,
                               const std::string& origin) {
    if (iterations > kMaxIterations)
        return fail(ErrorCode::corrupt,
                    origin + ": " + std::string(what) + " asks for " + std::to_string(iterations) +
                        " iterations, more than the " + std::to_string(kMaxIterations) +
                        " certbackup accepts; re-export the file with fewer");
    if (iterations <= 0)
        return fail(ErrorCode::corrupt, origin + ": the key derivation parameters of " +
                                            std::string(what) + " cannot be read");
    return DerivationCost{iterations, std::nullopt};
}

}  // namespace

Result<DerivationCost> derivation_cost(const X509_ALGOR* algorithm, std::string_view what,
                                       const std::string& origin) {
    const ASN1_OBJECT* oid = nullptr;
    if (algorithm != nullptr)
        X509_ALGOR_get0(&oid, nullptr, nullptr, algorithm);
    const int nid = OBJ_obj2nid(oid);
    if (nid == NID_pbes2) {
        Pbe2ParamPtr pbe2(algorithm->parameter == nullptr
                              ? nullptr
                              : static_cast<PBE2PARAM*>(ASN1_TYPE_unpack_sequence(
                                    ASN1_ITEM_rptr(PBE2PARAM), algorithm->parameter)));
        ossl::clear_errors();
        if (!pbe2 || pbe2->keyfunc == nullptr || pbe2->encryption == nullptr)
            return fail(ErrorCode::corrupt, origin + ": the PBES2 parameters of " +
                                                std::string(what) + " cannot be read");
        if (OBJ_obj2nid(pbe2->keyfunc->algorithm) != NID_id_pbkdf2)
            return std::unexpected(
                refused_kdf(what, "PBES2 with " + name_and_oid(pbe2->keyfunc->algorithm), origin));
        auto cost = bounded(pbe_iterations(algorithm), what, origin);
        if (cost)
            cost->shared = pbes2_key_id(algorithm);
        return cost;
    }
    if (is_pkcs12_pbe(nid))
        return bounded(pbe_iterations(algorithm), what, origin);
    return std::unexpected(refused_kdf(what, name_and_oid(oid), origin));
}

Result<DerivationCost> mac_derivation_cost(std::int64_t iterations, const std::string& origin) {
    return bounded(iterations, "the file's integrity check (MAC)", origin);
}

Result<void> DerivationBudget::charge(const DerivationCost& cost) {
    if (cost.shared && !shared_.insert(*cost.shared).second)
        return {};  // the cache has this key already
    total_ += cost.iterations;
    if (total_ <= limit_)
        return {};
    return fail(ErrorCode::corrupt,
                origin_ + ": opening the file needs more than " + std::to_string(limit_) +
                    " key-derivation iterations in total (its MAC, encrypted safes and private "
                    "keys each ask for their own), more than certbackup runs for one file; "
                    "re-export it with fewer iterations or with one encryption for all keys "
                    "(for example `openssl pkcs12 -export`)");
}

}  // namespace certbackup::pkcs12_detail
