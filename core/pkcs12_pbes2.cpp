#include "core/pkcs12_pbes2.hpp"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>

#include <algorithm>
#include <array>
#include <climits>
#include <memory>
#include <string>

#include "certbackup/base/kdf.hpp"
#include "core/pkcs12_pfx_layout.hpp"

namespace certbackup::pkcs12_detail {
namespace {

using Pbe2ParamPtr = std::unique_ptr<PBE2PARAM, ossl::Deleter<PBE2PARAM, PBE2PARAM_free>>;
using Pbkdf2ParamPtr = std::unique_ptr<PBKDF2PARAM, ossl::Deleter<PBKDF2PARAM, PBKDF2PARAM_free>>;

constexpr std::size_t kAes256KeyLength = 32;
constexpr std::size_t kAesBlock = 16;

constexpr auto openssl_failure = export_failure;

// Frees what an i2d function allocated, wiping it first (it may be a private key).
struct ClearFree {
    int length = 0;
    void operator()(unsigned char* p) const noexcept {
        OPENSSL_clear_free(p, static_cast<std::size_t>(length));
    }
};

// One AES-CBC pass; false when OpenSSL fails (for decryption: the padding does not check).
bool aes_cbc(const EVP_CIPHER* cipher, bool encrypt, const SecureBuffer& key,
             const std::uint8_t* iv, std::span<const std::uint8_t> in, SecureBuffer& out) {
    ossl::EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    out.resize(in.size() + kAesBlock);
    int first = 0;
    int last = 0;
    if (!ctx ||
        EVP_CipherInit_ex(ctx.get(), cipher, nullptr, key.data(), iv, encrypt ? 1 : 0) != 1 ||
        EVP_CipherUpdate(ctx.get(), out.data(), &first, in.data(), static_cast<int>(in.size())) !=
            1 ||
        EVP_CipherFinal_ex(ctx.get(), out.data() + first, &last) != 1)
        return false;
    out.resize(static_cast<std::size_t>(first + last));
    return true;
}

// The HMAC digests PBKDF2 may use, by PRF; nullptr for others. RFC 8018: absent means SHA-1.
const char* prf_digest(int prf_nid) {
    switch (prf_nid) {
        case NID_hmacWithSHA1:
            return "SHA1";
        case NID_hmacWithSHA224:
            return "SHA224";
        case NID_hmacWithSHA256:
            return "SHA256";
        case NID_hmacWithSHA384:
            return "SHA384";
        case NID_hmacWithSHA512:
            return "SHA512";
        default:
            return nullptr;
    }
}

const EVP_CIPHER* aes_cbc_cipher(int nid) {
    switch (nid) {
        case NID_aes_128_cbc:
            return EVP_aes_128_cbc();
        case NID_aes_192_cbc:
            return EVP_aes_192_cbc();
        case NID_aes_256_cbc:
            return EVP_aes_256_cbc();
        default:
            return nullptr;
    }
}

std::vector<std::uint8_t> octets(const ASN1_OCTET_STRING* s) {
    const unsigned char* data = ASN1_STRING_get0_data(s);
    return std::vector<std::uint8_t>(data, data + ASN1_STRING_length(s));
}

// What decryption needs from a PBES2 AlgorithmIdentifier that this module handles.
struct Pbes2Parameters {
    std::vector<std::uint8_t> salt;
    std::uint64_t iterations = 0;
    int prf_nid = NID_hmacWithSHA1;
    const EVP_CIPHER* cipher = nullptr;
    std::array<std::uint8_t, kAesBlock> iv{};
};

// The parameters, or std::nullopt for anything but PBES2 / PBKDF2 (octet-string salt) /
// HMAC-SHA / AES-CBC with a 16-byte IV and no conflicting key length.
std::optional<Pbes2Parameters> read_parameters(const X509_ALGOR* algorithm) {
    if (algorithm == nullptr || OBJ_obj2nid(algorithm->algorithm) != NID_pbes2 ||
        algorithm->parameter == nullptr)
        return std::nullopt;
    Pbe2ParamPtr pbe2(static_cast<PBE2PARAM*>(
        ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), algorithm->parameter)));
    if (!pbe2 || pbe2->keyfunc == nullptr || pbe2->encryption == nullptr ||
        OBJ_obj2nid(pbe2->keyfunc->algorithm) != NID_id_pbkdf2 ||
        pbe2->keyfunc->parameter == nullptr)
        return std::nullopt;
    Pbes2Parameters out;
    out.cipher = aes_cbc_cipher(OBJ_obj2nid(pbe2->encryption->algorithm));
    const ASN1_TYPE* iv = pbe2->encryption->parameter;
    if (out.cipher == nullptr || iv == nullptr || iv->type != V_ASN1_OCTET_STRING ||
        ASN1_STRING_length(iv->value.octet_string) != static_cast<int>(kAesBlock))
        return std::nullopt;
    std::copy_n(ASN1_STRING_get0_data(iv->value.octet_string), kAesBlock, out.iv.begin());
    Pbkdf2ParamPtr kdf(static_cast<PBKDF2PARAM*>(
        ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter)));
    if (!kdf || kdf->salt == nullptr || kdf->salt->type != V_ASN1_OCTET_STRING)
        return std::nullopt;
    out.salt = octets(kdf->salt->value.octet_string);
    if (ASN1_INTEGER_get_uint64(&out.iterations, kdf->iter) != 1 || out.iterations == 0)
        return std::nullopt;
    if (kdf->keylength != nullptr &&
        ASN1_INTEGER_get(kdf->keylength) != EVP_CIPHER_get_key_length(out.cipher))
        return std::nullopt;
    if (kdf->prf != nullptr)
        out.prf_nid = OBJ_obj2nid(kdf->prf->algorithm);
    if (prf_digest(out.prf_nid) == nullptr)
        return std::nullopt;
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Writer

Result<SharedPbes2Key> SharedPbes2Key::derive(const PasswordArg& password, int iterations) {
    std::vector<std::uint8_t> salt(kPbes2SaltLength);
    if (!ossl::random_bytes(salt))
        return std::unexpected(openssl_failure("drawing a salt"));
    auto key = kdf::pbkdf2_hmac_sha256(
        std::string_view(password.data, static_cast<std::size_t>(password.size)), salt,
        static_cast<std::uint32_t>(iterations), kAes256KeyLength);
    if (!key)
        return std::unexpected(key.error());
    return SharedPbes2Key(std::move(salt), iterations, std::move(*key));
}

Result<ossl::X509AlgorPtr> SharedPbes2Key::algorithm_with_fresh_iv(
    std::array<std::uint8_t, kAesBlock>& iv) const {
    if (!ossl::random_bytes(iv))
        return std::unexpected(openssl_failure("drawing an IV"));
    // PKCS5_pbe2_set_iv copies salt and IV; it takes them as non-const pointers only.
    std::vector<std::uint8_t> salt = salt_;
    ossl::X509AlgorPtr algorithm(PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), iterations_, salt.data(),
                                                   static_cast<int>(salt.size()), iv.data(),
                                                   NID_hmacWithSHA256));
    if (!algorithm)
        return std::unexpected(openssl_failure("making the PBES2 parameters"));
    return algorithm;
}

Result<SharedPbes2Key::Ciphertext> SharedPbes2Key::encrypt(
    std::span<const std::uint8_t> plaintext) const {
    std::array<std::uint8_t, kAesBlock> iv{};
    auto algorithm = algorithm_with_fresh_iv(iv);
    if (!algorithm)
        return std::unexpected(algorithm.error());
    SecureBuffer encrypted;
    if (!aes_cbc(EVP_aes_256_cbc(), true, key_, iv.data(), plaintext, encrypted))
        return std::unexpected(openssl_failure("encrypting with AES-256-CBC"));
    ossl::Asn1OctetStringPtr data(ASN1_OCTET_STRING_new());
    if (!data || ASN1_OCTET_STRING_set(data.get(), encrypted.data(),
                                       static_cast<int>(encrypted.size())) != 1)
        return std::unexpected(openssl_failure("allocating"));
    return Ciphertext{std::move(*algorithm), std::move(data)};
}

Result<ossl::X509SigPtr> SharedPbes2Key::shroud(const PKCS8_PRIV_KEY_INFO* key) const {
    unsigned char* der = nullptr;
    const int length = i2d_PKCS8_PRIV_KEY_INFO(key, &der);
    if (length <= 0)
        return std::unexpected(openssl_failure("encoding a private key"));
    std::unique_ptr<unsigned char, ClearFree> owned(der, ClearFree{length});
    auto ciphertext = encrypt(std::span(der, static_cast<std::size_t>(length)));
    if (!ciphertext)
        return std::unexpected(ciphertext.error());
    ossl::X509SigPtr sig(X509_SIG_new());
    X509_ALGOR* algorithm = nullptr;
    ASN1_OCTET_STRING* data = nullptr;
    if (sig)
        X509_SIG_getm(sig.get(), &algorithm, &data);
    if (!sig || X509_ALGOR_copy(algorithm, ciphertext->algorithm.get()) != 1 ||
        ASN1_STRING_copy(data, ciphertext->data.get()) != 1)
        return std::unexpected(openssl_failure("making a shrouded key bag"));
    return sig;
}

Result<std::vector<std::uint8_t>> SharedPbes2Key::encrypt_in_place(
    std::vector<std::uint8_t>& buffer, std::size_t offset) const {
    std::array<std::uint8_t, kAesBlock> iv{};
    auto algorithm = algorithm_with_fresh_iv(iv);
    if (!algorithm)
        return std::unexpected(algorithm.error());
    const std::size_t length = buffer.size() - offset;
    if (length > static_cast<std::size_t>(INT_MAX - static_cast<int>(kAesBlock)))
        return fail(ErrorCode::invalid_argument, "the PKCS#12 contents are too large");
    buffer.resize(buffer.size() + kAesBlock - length % kAesBlock);
    // CBC encryption in place (output at the input) is supported by EVP for block ciphers.
    ossl::EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    unsigned char* data = buffer.data() + offset;
    int first = 0;
    int last = 0;
    if (!ctx ||
        EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, key_.data(), iv.data()) != 1 ||
        EVP_EncryptUpdate(ctx.get(), data, &first, data, static_cast<int>(length)) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), data + first, &last) != 1 ||
        static_cast<std::size_t>(first + last) != buffer.size() - offset)
        return std::unexpected(openssl_failure("encrypting with AES-256-CBC"));
    return der_of(algorithm->get(), i2d_X509_ALGOR);
}

// ---------------------------------------------------------------------------------------------
// Reader

Result<SecureBuffer> derive_pbes2_key(const PasswordArg& password, const Pbes2KeyId& id) {
    return kdf::pbkdf2_hmac(prf_digest(id.prf_nid),
                            std::string_view(password.data == nullptr ? "" : password.data,
                                             static_cast<std::size_t>(password.size)),
                            id.salt, id.iterations, id.key_length);
}

void Pbes2KeyCache::adopt(Pbes2KeyId id, SecureBuffer key) {
    keys_.emplace(std::move(id), std::move(key));
}

Result<const SecureBuffer*> Pbes2KeyCache::key_for(KeyId id) {
    if (auto found = keys_.find(id); found != keys_.end())
        return &found->second;
    auto key = derive_pbes2_key(password_, id);
    if (!key)
        return std::unexpected(key.error());
    return &keys_.emplace(std::move(id), std::move(*key)).first->second;
}

std::optional<Pbes2KeyId> pbes2_key_id(const X509_ALGOR* algorithm) {
    auto parameters = read_parameters(algorithm);
    ossl::clear_errors();
    if (!parameters)
        return std::nullopt;
    return Pbes2KeyId{std::move(parameters->salt), parameters->iterations, parameters->prf_nid,
                      static_cast<std::size_t>(EVP_CIPHER_get_key_length(parameters->cipher))};
}

Result<std::optional<SecureBuffer>> Pbes2KeyCache::decrypt(
    const X509_ALGOR* algorithm, std::span<const std::uint8_t> ciphertext) {
    auto parameters = read_parameters(algorithm);
    ossl::clear_errors();
    if (!parameters)
        return std::optional<SecureBuffer>();
    const auto key_length = static_cast<std::size_t>(EVP_CIPHER_get_key_length(parameters->cipher));
    auto key = key_for(KeyId{std::move(parameters->salt), parameters->iterations,
                             parameters->prf_nid, key_length});
    if (!key)
        return std::unexpected(key.error());
    SecureBuffer plaintext;
    if (ciphertext.empty() || ciphertext.size() % kAesBlock != 0 ||
        !aes_cbc(parameters->cipher, false, **key, parameters->iv.data(), ciphertext, plaintext))
        return fail(ErrorCode::wrong_password, "the padding does not check after decryption");
    return std::optional<SecureBuffer>(std::move(plaintext));
}

}  // namespace certbackup::pkcs12_detail
