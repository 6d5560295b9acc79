#include "core/pkcs12_mac.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <string>

#include "certbackup/base/ossl.hpp"
#include "core/pkcs12_pbes2.hpp"
#include "core/pkcs12_pfx_layout.hpp"

namespace certbackup::pkcs12_detail {
namespace {

constexpr auto openssl_failure = export_failure;

const EVP_MD* evp_digest(MacDigest digest) {
    return digest == MacDigest::sha256 ? EVP_sha256() : EVP_sha1();
}

const char* digest_name(MacDigest digest) {
    return digest == MacDigest::sha256 ? "SHA256" : "SHA1";
}

// HMAC of the concatenation of `pieces` under `key`.
Result<std::vector<std::uint8_t>> hmac(const MacKey& key,
                                       std::span<const std::span<const std::uint8_t>> pieces) {
    ossl::EvpMacPtr mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
    ossl::EvpMacCtxPtr ctx(mac ? EVP_MAC_CTX_new(mac.get()) : nullptr);
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                         const_cast<char*>(digest_name(key.digest)), 0),
        OSSL_PARAM_construct_end(),
    };
    if (!ctx || EVP_MAC_init(ctx.get(), key.key.data(), key.key.size(), params) != 1)
        return std::unexpected(openssl_failure("starting the MAC"));
    for (const auto piece : pieces)
        if (EVP_MAC_update(ctx.get(), piece.data(), piece.size()) != 1)
            return std::unexpected(openssl_failure("computing the MAC"));
    std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
    std::size_t length = 0;
    if (EVP_MAC_final(ctx.get(), out.data(), &length, out.size()) != 1)
        return std::unexpected(openssl_failure("computing the MAC"));
    out.resize(length);
    return out;
}

}  // namespace

Result<MacKey> derive_mac_key(const PasswordArg& password, int iterations, MacDigest digest) {
    const EVP_MD* md = evp_digest(digest);
    MacKey mac{digest, std::vector<std::uint8_t>(kPbes2SaltLength), iterations,
               SecureBuffer(static_cast<std::size_t>(EVP_MD_get_size(md)))};
    if (!ossl::random_bytes(mac.salt))
        return std::unexpected(openssl_failure("drawing the MAC salt"));
    if (PKCS12_key_gen_utf8_ex(password.data, password.size, mac.salt.data(),
                               static_cast<int>(mac.salt.size()), PKCS12_MAC_ID, iterations,
                               static_cast<int>(mac.key.size()), mac.key.data(), md, nullptr,
                               nullptr) != 1)
        return std::unexpected(openssl_failure("deriving the MAC key"));
    return mac;
}

Result<std::vector<std::uint8_t>> mac_data_der(
    const MacKey& key, std::span<const std::span<const std::uint8_t>> authenticated_safe) {
    auto value = hmac(key, authenticated_safe);
    if (!value)
        return std::unexpected(value.error());
    // The digest's AlgorithmIdentifier with NULL parameters, as PKCS12_setup_mac sets it.
    ossl::X509AlgorPtr algorithm(X509_ALGOR_new());
    if (!algorithm ||
        X509_ALGOR_set0(algorithm.get(), OBJ_nid2obj(EVP_MD_get_type(evp_digest(key.digest))),
                        V_ASN1_NULL, nullptr) != 1)
        return std::unexpected(openssl_failure("encoding the MAC"));
    auto algorithm_der = der_of(algorithm.get(), i2d_X509_ALGOR);
    if (!algorithm_der)
        return std::unexpected(algorithm_der.error());
    std::vector<std::uint8_t> iterations;
    if (key.iterations != 1) {
        ossl::Asn1IntegerPtr integer(ASN1_INTEGER_new());
        if (!integer || ASN1_INTEGER_set(integer.get(), key.iterations) != 1)
            return std::unexpected(openssl_failure("encoding the MAC"));
        auto der = der_of(integer.get(), i2d_ASN1_INTEGER);
        if (!der)
            return std::unexpected(der.error());
        iterations = std::move(*der);
    }
    const std::size_t digest_info = algorithm_der->size() + der_size(value->size());
    const std::size_t mac_data =
        der_size(digest_info) + der_size(key.salt.size()) + iterations.size();
    std::vector<std::uint8_t> out;
    out.reserve(der_size(mac_data));
    append_der_header(out, kDerSequence, mac_data);
    append_der_header(out, kDerSequence, digest_info);
    out.insert(out.end(), algorithm_der->begin(), algorithm_der->end());
    append_der_header(out, kDerOctetString, value->size());
    out.insert(out.end(), value->begin(), value->end());
    append_der_header(out, kDerOctetString, key.salt.size());
    out.insert(out.end(), key.salt.begin(), key.salt.end());
    out.insert(out.end(), iterations.begin(), iterations.end());
    return out;
}

}  // namespace certbackup::pkcs12_detail
