// One RAII owner per OpenSSL type, so no error path can leak an OpenSSL object.
//
// Each alias is a std::unique_ptr whose deleter is the type's own free function. Use
// `X509Ptr(X509_new())` and so on; `release()` only where OpenSSL takes ownership (the "0"
// functions such as sk_X509_push on a stack that frees its items).
#pragma once

#include <openssl/bio.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace certbackup::ossl {

template <typename T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const noexcept { Free(p); }
};

inline void free_x509_stack(STACK_OF(X509) * s) {
    sk_X509_pop_free(s, X509_free);
}
inline void free_bio(BIO* b) {
    BIO_free_all(b);
}

using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), Deleter<STACK_OF(X509), free_x509_stack>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EvpCipherCtxPtr =
    std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using EvpKdfPtr = std::unique_ptr<EVP_KDF, Deleter<EVP_KDF, EVP_KDF_free>>;
using EvpKdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, Deleter<EVP_KDF_CTX, EVP_KDF_CTX_free>>;
using EvpMacPtr = std::unique_ptr<EVP_MAC, Deleter<EVP_MAC, EVP_MAC_free>>;
using EvpMacCtxPtr = std::unique_ptr<EVP_MAC_CTX, Deleter<EVP_MAC_CTX, EVP_MAC_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, free_bio>>;
using Pkcs12Ptr = std::unique_ptr<PKCS12, Deleter<PKCS12, PKCS12_free>>;
using Pkcs7Ptr = std::unique_ptr<PKCS7, Deleter<PKCS7, PKCS7_free>>;
using Pkcs12SafeBagPtr =
    std::unique_ptr<PKCS12_SAFEBAG, Deleter<PKCS12_SAFEBAG, PKCS12_SAFEBAG_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME, X509_NAME_free>>;
using X509ExtensionPtr =
    std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER, ASN1_INTEGER_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using X509AlgorPtr = std::unique_ptr<X509_ALGOR, Deleter<X509_ALGOR, X509_ALGOR_free>>;
using X509SigPtr = std::unique_ptr<X509_SIG, Deleter<X509_SIG, X509_SIG_free>>;
using Asn1OctetStringPtr =
    std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>>;
using Pkcs8PrivKeyInfoPtr =
    std::unique_ptr<PKCS8_PRIV_KEY_INFO, Deleter<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>>;
inline void free_safebag_stack(STACK_OF(PKCS12_SAFEBAG) * s) {
    sk_PKCS12_SAFEBAG_pop_free(s, PKCS12_SAFEBAG_free);
}
inline void free_pkcs7_stack(STACK_OF(PKCS7) * s) {
    sk_PKCS7_pop_free(s, PKCS7_free);
}
using Pkcs12SafeBagStackPtr =
    std::unique_ptr<STACK_OF(PKCS12_SAFEBAG),
                    Deleter<STACK_OF(PKCS12_SAFEBAG), free_safebag_stack>>;
using Pkcs7StackPtr = std::unique_ptr<STACK_OF(PKCS7), Deleter<STACK_OF(PKCS7), free_pkcs7_stack>>;
using DecoderCtxPtr =
    std::unique_ptr<OSSL_DECODER_CTX, Deleter<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>>;

// A second owning reference to an object that someone else owns too (X509_up_ref and friends).
inline X509Ptr share(X509* x) {
    X509_up_ref(x);
    return X509Ptr(x);
}
inline EvpPkeyPtr share(EVP_PKEY* k) {
    EVP_PKEY_up_ref(k);
    return EvpPkeyPtr(k);
}

// Frees memory that OpenSSL allocated with OPENSSL_malloc (e.g. from BN_bn2hex, i2d_*).
struct OpenSslFree {
    void operator()(void* p) const noexcept { OPENSSL_free(p); }
};
using OpenSslCharPtr = std::unique_ptr<char, OpenSslFree>;
using OpenSslBytePtr = std::unique_ptr<unsigned char, OpenSslFree>;

// Drains OpenSSL's thread-local error queue into one line ("...: reason; reason"). Returns
// "no OpenSSL detail" when the queue is empty. Always leaves the queue empty.
std::string drain_errors();

// Clears OpenSSL's thread-local error queue without reading it.
void clear_errors() noexcept;

// Lower-case hex of bytes, no separators.
std::string to_hex(std::span<const std::uint8_t> bytes);

// SHA-256 / SHA-1 of bytes.
std::vector<std::uint8_t> sha256(std::span<const std::uint8_t> bytes);
std::vector<std::uint8_t> sha1(std::span<const std::uint8_t> bytes);

// Fills `out` with cryptographically secure random bytes; false only if the DRBG fails.
[[nodiscard]] bool random_bytes(std::span<std::uint8_t> out) noexcept;

}  // namespace certbackup::ossl
