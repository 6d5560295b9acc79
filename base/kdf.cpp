#include "certbackup/base/kdf.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include <string>

#include "certbackup/base/ossl.hpp"

namespace certbackup::kdf {
namespace {

// OSSL_PARAM takes non-const pointers even for inputs it only reads.
void* mutable_ptr(const void* p) {
    return const_cast<void*>(p);
}

Result<SecureBuffer> derive(const char* algorithm, const OSSL_PARAM* params, std::size_t length) {
    ossl::EvpKdfPtr kdf(EVP_KDF_fetch(nullptr, algorithm, nullptr));
    if (!kdf)
        return fail(ErrorCode::unsupported, std::string("OpenSSL does not provide ") + algorithm +
                                                ": " + ossl::drain_errors());
    ossl::EvpKdfCtxPtr ctx(EVP_KDF_CTX_new(kdf.get()));
    if (!ctx)
        return fail(ErrorCode::io, std::string(algorithm) + ": " + ossl::drain_errors());
    SecureBuffer out(length);
    if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1)
        return fail(ErrorCode::invalid_argument,
                    std::string(algorithm) + " derivation failed: " + ossl::drain_errors());
    return out;
}

}  // namespace

Result<SecureBuffer> pbkdf2_hmac(const char* digest, std::string_view password,
                                 std::span<const std::uint8_t> salt, std::uint64_t iterations,
                                 std::size_t length) {
    if (iterations == 0)
        return fail(ErrorCode::invalid_argument, "PBKDF2 needs at least one iteration");
    std::uint64_t iter = iterations;
    // Plain RFC 8018 rules: a FIPS provider would otherwise enforce the SP 800-132 minimums
    // (1000 iterations); the snapshot format sets its own bounds (docs/FORMAT.md §3).
    int pkcs5_mode = 1;
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, mutable_ptr(password.data()),
                                          password.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, mutable_ptr(salt.data()),
                                          salt.size()),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_ITER, &iter),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest), 0),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5_mode),
        OSSL_PARAM_construct_end(),
    };
    return derive(OSSL_KDF_NAME_PBKDF2, params, length);
}

Result<SecureBuffer> pbkdf2_hmac_sha256(std::string_view password,
                                        std::span<const std::uint8_t> salt,
                                        std::uint32_t iterations, std::size_t length) {
    return pbkdf2_hmac("SHA256", password, salt, iterations, length);
}

Result<SecureBuffer> hkdf_sha256_expand(const SecureBuffer& key, std::string_view info,
                                        std::size_t length) {
    if (key.empty())
        return fail(ErrorCode::invalid_argument, "HKDF needs a non-empty key");
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, mutable_ptr(key.data()), key.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, mutable_ptr(info.data()),
                                          info.size()),
        OSSL_PARAM_construct_end(),
    };
    return derive(OSSL_KDF_NAME_HKDF, params, length);
}

Result<std::vector<std::uint8_t>> hmac_sha256(const SecureBuffer& key,
                                              std::span<const std::uint8_t> data) {
    ossl::EvpMacPtr mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
    if (!mac)
        return fail(ErrorCode::unsupported,
                    "OpenSSL does not provide HMAC: " + ossl::drain_errors());
    ossl::EvpMacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end(),
    };
    std::vector<std::uint8_t> out(32);
    std::size_t written = 0;
    if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
        EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
        EVP_MAC_final(ctx.get(), out.data(), &written, out.size()) != 1 || written != out.size())
        return fail(ErrorCode::invalid_argument, "HMAC-SHA256 failed: " + ossl::drain_errors());
    return out;
}

bool equal_constant_time(std::span<const std::uint8_t> a,
                         std::span<const std::uint8_t> b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace certbackup::kdf
