// Internals shared by PKCS#12 export and import (not part of the public API): iteration bounds,
// passwords as OpenSSL takes them, algorithm names for messages, classification of OpenSSL
// failures, and the OpenSSL library context used for decryption.
#pragma once

#include <openssl/types.h>
#include <openssl/x509.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "certbackup/base/error.hpp"

namespace certbackup::pkcs12_detail {

// Iteration counts accepted for encryption and MAC. The upper bound keeps a mistyped setting
// from turning one export into minutes of key derivation.
inline constexpr int kMinIterations = 1;
inline constexpr int kMaxIterations = 10'000'000;
bool valid_iterations(int iterations) noexcept;
std::string iteration_range_text();  // "[1, 10000000]"

// A password as OpenSSL's PKCS#12 functions take it. `data == nullptr` is OpenSSL's "no
// password", which derives other keys than the empty password "" (an empty BMPString). Borrowed:
// valid while the string it points into lives.
struct PasswordArg {
    const char* data = nullptr;
    int size = 0;
};

// The password given by the caller, never null (the empty password is ""). Fails with
// invalid_argument when it is longer than OpenSSL can take.
Result<PasswordArg> password_arg(std::string_view password);

// The library context for decrypting PFX contents: OpenSSL's "default" provider plus the
// "legacy" one (RC2 and RC4, which `openssl pkcs12 -export -legacy` and older Windows use).
// A private context, created once on first use (thread-safe) and kept for the life of the
// process, so that loading "legacy" never changes what the rest of the process can fetch.
// `legacy_loaded` is false when the legacy module is not installed; old algorithms then fail
// as unsupported.
struct DecryptionContext {
    OSSL_LIB_CTX* libctx = nullptr;
    bool legacy_loaded = false;
};
const DecryptionContext& decryption_context();

// A readable name of an encryption algorithm for messages: "PBES2 (PBKDF2 with hmacWithSHA256,
// AES-256-CBC)", "pbeWithSHA1And40BitRC2-CBC", or the dotted OID when OpenSSL does not know it.
std::string describe_algorithm(const X509_ALGOR* algorithm);
// A readable name of an OID: its long name, or the dotted form.
std::string describe_oid(const ASN1_OBJECT* oid);

// The iteration count of a password-based encryption algorithm (PBES2 with PBKDF2, PKCS#12
// PBE, PBES1); 0 when the algorithm has none or its parameters cannot be read. Import checks
// it against kMaxIterations before deriving a key, so that a crafted file cannot make it spin.
std::int64_t pbe_iterations(const X509_ALGOR* algorithm);

// What the OpenSSL error queue said about a failure. Reading it empties the queue.
struct OpenSslFailure {
    // Some entry says an algorithm is unknown, unavailable or not implemented (as opposed to
    // a wrong key, bad padding or malformed data).
    bool unsupported_algorithm = false;
    std::string detail;  // the queue as one line, for messages
};
OpenSslFailure take_openssl_failure();

// An export step that OpenSSL failed: io, naming `what` ("encoding the PFX") and OpenSSL's
// detail. Empties the error queue.
Error export_failure(const std::string& what);

// The hint added to "unsupported" messages: why an old algorithm may be missing.
std::string unsupported_algorithm_hint();

}  // namespace certbackup::pkcs12_detail
