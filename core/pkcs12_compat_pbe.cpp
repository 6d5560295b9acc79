#include "core/pkcs12_compat_pbe.hpp"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <climits>

#include "certbackup/base/ossl.hpp"
#include "core/pkcs12_pfx_layout.hpp"

namespace certbackup::pkcs12_detail {

Result<std::vector<std::uint8_t>> encrypt_in_place_triple_des_pbe(std::vector<std::uint8_t>& buffer,
                                                                  std::size_t offset,
                                                                  const PasswordArg& password,
                                                                  int salt_length, int iterations) {
    const std::size_t length = buffer.size() - offset;
    if (length > static_cast<std::size_t>(INT_MAX) - kTripleDesBlock)
        return fail(ErrorCode::invalid_argument, "the PKCS#12 contents are too large");
    // A null salt: OpenSSL draws `salt_length` random bytes.
    ossl::X509AlgorPtr algorithm(PKCS5_pbe_set_ex(NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
                                                  iterations, nullptr, salt_length, nullptr));
    if (!algorithm)
        return std::unexpected(export_failure("making the 3DES PBE parameters"));
    // Derives key and IV with the PKCS#12 KDF (the password as a BMPString), as
    // PKCS12_pbe_crypt_ex does for PKCS12_pack_p7encdata.
    ossl::EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx || EVP_PBE_CipherInit_ex(algorithm->algorithm, password.data, password.size,
                                      algorithm->parameter, ctx.get(), 1, nullptr, nullptr) != 1)
        return std::unexpected(export_failure("deriving the 3DES key"));
    if (EVP_CIPHER_CTX_get_block_size(ctx.get()) != static_cast<int>(kTripleDesBlock))
        return std::unexpected(export_failure("setting up 3DES-CBC"));
    buffer.resize(buffer.size() + kTripleDesBlock - length % kTripleDesBlock);
    // CBC encryption in place (output at the input) is supported by EVP for block ciphers.
    unsigned char* data = buffer.data() + offset;
    int first = 0;
    int last = 0;
    if (EVP_EncryptUpdate(ctx.get(), data, &first, data, static_cast<int>(length)) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), data + first, &last) != 1 ||
        static_cast<std::size_t>(first + last) != buffer.size() - offset)
        return std::unexpected(export_failure("encrypting the certificates with 3DES"));
    return der_of(algorithm.get(), i2d_X509_ALGOR);
}

}  // namespace certbackup::pkcs12_detail
