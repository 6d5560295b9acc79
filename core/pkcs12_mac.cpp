#include "core/pkcs12_mac.hpp"

#include <openssl/evp.h>

#include <memory>
#include <string>

#include "certbackup/base/kdf.hpp"
#include "certbackup/base/ossl.hpp"
#include "core/pkcs12_pbes2.hpp"

namespace certbackup::pkcs12_detail {
namespace {

constexpr std::size_t kSha256Length = 32;

constexpr auto openssl_failure = export_failure;

}  // namespace

Result<MacKey> derive_sha256_mac_key(const PasswordArg& password, int iterations) {
    MacKey mac{std::vector<std::uint8_t>(kPbes2SaltLength), iterations,
               SecureBuffer(kSha256Length)};
    if (!ossl::random_bytes(mac.salt))
        return std::unexpected(openssl_failure("drawing the MAC salt"));
    if (PKCS12_key_gen_utf8_ex(password.data, password.size, mac.salt.data(),
                               static_cast<int>(mac.salt.size()), PKCS12_MAC_ID, iterations,
                               static_cast<int>(mac.key.size()), mac.key.data(), EVP_sha256(),
                               nullptr, nullptr) != 1)
        return std::unexpected(openssl_failure("deriving the MAC key"));
    return mac;
}

Result<void> set_sha256_mac(PKCS12* pfx, const STACK_OF(PKCS7) * safes, const MacKey& key) {
    // The MAC covers the DER of the AuthenticatedSafe, which PKCS12_add_safes stored as the
    // content of `pfx`'s data: the same encoding of the same stack.
    unsigned char* der = nullptr;
    const int length = ASN1_item_i2d(reinterpret_cast<const ASN1_VALUE*>(safes), &der,
                                     ASN1_ITEM_rptr(PKCS12_AUTHSAFES));
    if (length <= 0)
        return std::unexpected(openssl_failure("encoding the contents for the MAC"));
    ossl::OpenSslBytePtr owned(der);
    auto mac = kdf::hmac_sha256(key.key, std::span(der, static_cast<std::size_t>(length)));
    if (!mac)
        return std::unexpected(mac.error());
    std::vector<std::uint8_t> salt = key.salt;  // PKCS12_setup_mac copies it
    if (PKCS12_setup_mac(pfx, key.iterations, salt.data(), static_cast<int>(salt.size()),
                         EVP_sha256()) != 1)
        return std::unexpected(openssl_failure("setting up the MAC"));
    // OpenSSL 3.0 has no setter for the MAC value; PKCS12_get0_mac hands out the octet string
    // that PKCS12_setup_mac just made, which `pfx` owns and which is not const.
    const ASN1_OCTET_STRING* value = nullptr;
    PKCS12_get0_mac(&value, nullptr, nullptr, nullptr, pfx);
    if (value == nullptr || ASN1_OCTET_STRING_set(const_cast<ASN1_OCTET_STRING*>(value),
                                                  mac->data(), static_cast<int>(mac->size())) != 1)
        return std::unexpected(openssl_failure("setting the MAC"));
    return {};
}

}  // namespace certbackup::pkcs12_detail
