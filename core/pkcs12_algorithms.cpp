#include "core/pkcs12_algorithms.hpp"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>

#include <cctype>
#include <climits>
#include <memory>

#include "certbackup/base/ossl.hpp"

namespace certbackup::pkcs12_detail {
namespace {

using Pbe2ParamPtr = std::unique_ptr<PBE2PARAM, ossl::Deleter<PBE2PARAM, PBE2PARAM_free>>;
using Pbkdf2ParamPtr = std::unique_ptr<PBKDF2PARAM, ossl::Deleter<PBKDF2PARAM, PBKDF2PARAM_free>>;
using PbeParamPtr = std::unique_ptr<PBEPARAM, ossl::Deleter<PBEPARAM, PBEPARAM_free>>;

DecryptionContext create_decryption_context() {
    DecryptionContext context;
    OSSL_LIB_CTX* libctx = OSSL_LIB_CTX_new();
    // Loading any provider into a context stops the implicit "default", so load it explicitly.
    if (libctx != nullptr && OSSL_PROVIDER_load(libctx, "default") != nullptr) {
        context.libctx = libctx;
        context.legacy_loaded = OSSL_PROVIDER_load(libctx, "legacy") != nullptr;
    } else {
        // Without a private context, decrypt in the default one: modern files still work and
        // old algorithms fail as unsupported.
        OSSL_LIB_CTX_free(libctx);
    }
    ossl::clear_errors();
    return context;
}

bool is_unsupported_reason(unsigned long code) {
    const int lib = ERR_GET_LIB(code);
    const int reason = ERR_GET_REASON(code);
    // The decoder framework says "unsupported" when no decoder accepted the input, which is
    // also what malformed input gets; the entries after it (EVP, EC, ...) tell the two apart.
    if (lib == ERR_LIB_OSSL_DECODER)
        return false;
    if (lib == ERR_LIB_EC)
        return reason == EC_R_UNKNOWN_GROUP;  // a named curve this OpenSSL does not know
    if (reason == ERR_R_UNSUPPORTED || reason == ERR_R_FETCH_FAILED)
        return true;
    if (lib == ERR_LIB_EVP) {
        switch (reason) {
            case EVP_R_UNKNOWN_PBE_ALGORITHM:
            case EVP_R_UNKNOWN_CIPHER:
            case EVP_R_UNKNOWN_DIGEST:
            case EVP_R_UNKNOWN_KEY_TYPE:
            case EVP_R_UNSUPPORTED_ALGORITHM:
            case EVP_R_UNSUPPORTED_CIPHER:
            case EVP_R_UNSUPPORTED_KEYLENGTH:
            case EVP_R_UNSUPPORTED_KEY_DERIVATION_FUNCTION:
            case EVP_R_UNSUPPORTED_KEY_SIZE:
            case EVP_R_UNSUPPORTED_KEY_TYPE:
            case EVP_R_UNSUPPORTED_PRF:
            case EVP_R_UNSUPPORTED_PRIVATE_KEY_ALGORITHM:
            case EVP_R_UNSUPPORTED_SALT_TYPE:
                return true;
            default:
                return false;
        }
    }
    if (lib == ERR_LIB_PKCS12)
        return reason == PKCS12_R_UNKNOWN_DIGEST_ALGORITHM ||
               reason == PKCS12_R_UNSUPPORTED_PKCS12_MODE;
    return false;
}

std::string upper_cipher_name(const ASN1_OBJECT* oid) {
    const int nid = OBJ_obj2nid(oid);
    if (nid == NID_undef)
        return describe_oid(oid);
    // OpenSSL's short cipher names are lower case ("aes-256-cbc"); print them as people write
    // them ("AES-256-CBC").
    std::string name = OBJ_nid2sn(nid);
    for (char& c : name)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
}

std::string describe_pbes2(const X509_ALGOR* algorithm) {
    const ASN1_TYPE* parameter = algorithm->parameter;
    Pbe2ParamPtr pbe2(parameter == nullptr ? nullptr
                                           : static_cast<PBE2PARAM*>(ASN1_TYPE_unpack_sequence(
                                                 ASN1_ITEM_rptr(PBE2PARAM), parameter)));
    if (!pbe2 || pbe2->keyfunc == nullptr || pbe2->encryption == nullptr) {
        ossl::clear_errors();
        return "PBES2 (with unreadable parameters)";
    }
    std::string kdf = describe_oid(pbe2->keyfunc->algorithm);
    if (OBJ_obj2nid(pbe2->keyfunc->algorithm) == NID_id_pbkdf2) {
        kdf = "PBKDF2";
        Pbkdf2ParamPtr pbkdf2(pbe2->keyfunc->parameter == nullptr
                                  ? nullptr
                                  : static_cast<PBKDF2PARAM*>(ASN1_TYPE_unpack_sequence(
                                        ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter)));
        if (pbkdf2) {
            // RFC 8018: an absent PRF means hmacWithSHA1.
            kdf += " with " + (pbkdf2->prf != nullptr ? describe_oid(pbkdf2->prf->algorithm)
                                                      : std::string("hmacWithSHA1"));
        }
    }
    ossl::clear_errors();
    return "PBES2 (" + kdf + ", " + upper_cipher_name(pbe2->encryption->algorithm) + ")";
}

}  // namespace

bool valid_iterations(int iterations) noexcept {
    return iterations >= kMinIterations && iterations <= kMaxIterations;
}

std::string iteration_range_text() {
    return "[" + std::to_string(kMinIterations) + ", " + std::to_string(kMaxIterations) + "]";
}

Result<PasswordArg> password_arg(std::string_view password) {
    if (password.size() > static_cast<std::size_t>(INT_MAX))
        return fail(ErrorCode::invalid_argument, "the password is too long for PKCS#12");
    return PasswordArg{password.empty() ? "" : password.data(), static_cast<int>(password.size())};
}

const DecryptionContext& decryption_context() {
    // A function-local static is initialised exactly once, also under concurrent first calls.
    static const DecryptionContext context = create_decryption_context();
    return context;
}

std::string describe_oid(const ASN1_OBJECT* oid) {
    if (oid == nullptr)
        return "(no algorithm)";
    const int nid = OBJ_obj2nid(oid);
    if (nid != NID_undef)
        return OBJ_nid2ln(nid);
    char dotted[128] = {};
    OBJ_obj2txt(dotted, sizeof dotted, oid, 1);
    return std::string("unknown algorithm ") + dotted;
}

std::int64_t pbe_iterations(const X509_ALGOR* algorithm) {
    if (algorithm == nullptr || algorithm->parameter == nullptr)
        return 0;
    std::int64_t iterations = 0;
    if (OBJ_obj2nid(algorithm->algorithm) == NID_pbes2) {
        Pbe2ParamPtr pbe2(static_cast<PBE2PARAM*>(
            ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), algorithm->parameter)));
        if (pbe2 && pbe2->keyfunc != nullptr &&
            OBJ_obj2nid(pbe2->keyfunc->algorithm) == NID_id_pbkdf2 &&
            pbe2->keyfunc->parameter != nullptr) {
            Pbkdf2ParamPtr pbkdf2(static_cast<PBKDF2PARAM*>(
                ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter)));
            if (pbkdf2 && ASN1_INTEGER_get_int64(&iterations, pbkdf2->iter) != 1)
                iterations = 0;
        }
    } else {
        PbeParamPtr pbe(static_cast<PBEPARAM*>(
            ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), algorithm->parameter)));
        if (pbe && ASN1_INTEGER_get_int64(&iterations, pbe->iter) != 1)
            iterations = 0;
    }
    ossl::clear_errors();
    return iterations;
}

std::string describe_algorithm(const X509_ALGOR* algorithm) {
    if (algorithm == nullptr)
        return "(no algorithm)";
    const ASN1_OBJECT* oid = nullptr;
    X509_ALGOR_get0(&oid, nullptr, nullptr, algorithm);
    if (OBJ_obj2nid(oid) == NID_pbes2)
        return describe_pbes2(algorithm);
    return describe_oid(oid);
}

OpenSslFailure take_openssl_failure() {
    OpenSslFailure failure;
    unsigned long code = 0;
    while ((code = ERR_get_error()) != 0) {
        failure.unsupported_algorithm =
            failure.unsupported_algorithm || is_unsupported_reason(code);
        char text[256];
        ERR_error_string_n(code, text, sizeof text);
        if (!failure.detail.empty())
            failure.detail += "; ";
        failure.detail += text;
    }
    if (failure.detail.empty())
        failure.detail = "no OpenSSL detail";
    return failure;
}

Error export_failure(const std::string& what) {
    return Error{ErrorCode::io,
                 "PKCS#12 export failed while " + what + ": " + ossl::drain_errors()};
}

std::string unsupported_algorithm_hint() {
    if (decryption_context().legacy_loaded)
        return "re-export the file with a current algorithm (AES-256-CBC with PBKDF2)";
    return "OpenSSL's legacy provider (legacy.so, needed for RC2, RC4 and single DES) could not "
           "be loaded: install it, or re-export the file with a current algorithm (AES-256-CBC "
           "with PBKDF2)";
}

}  // namespace certbackup::pkcs12_detail
