// PBES2 (RFC 8018) for PKCS#12 with the key derived once per file (internal to PKCS#12 export
// and import).
//
// Why: a PFX holds one PBES2 structure per private key (pkcs8ShroudedKeyBag) plus one per
// encrypted safe. Derived bag by bag, as OpenSSL's PKCS12_create does, a bundle of N keys costs
// N + 1 PBKDF2 runs of 600000 iterations. The writer here gives every PBES2 structure of one
// file the same salt and iteration count and a fresh random IV, so that one derivation serves
// them all; the reader caches derived keys, so that such a file costs one derivation to read.
// Readers that derive per structure (openssl, Java, NSS, GnuTLS) read the same file unchanged,
// only more slowly. Reusing a key across structures is safe with a random IV per structure
// (CBC under one key, as in any TLS session).
#pragma once

#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "certbackup/base/error.hpp"
#include "certbackup/base/ossl.hpp"
#include "certbackup/base/secure_buffer.hpp"
#include "core/pkcs12_algorithms.hpp"

namespace certbackup::pkcs12_detail {

// Salt length of every PBES2 structure and MAC certbackup writes (RFC 8018 asks for >= 8).
inline constexpr int kPbes2SaltLength = 16;

// The writer's key: PBKDF2-HMAC-SHA256 over a random salt, for AES-256-CBC.
class SharedPbes2Key {
  public:
    // Draws the salt and derives the key (the one expensive step). The password is UTF-8, used
    // as its bytes, as OpenSSL's PBES2 does.
    static Result<SharedPbes2Key> derive(const PasswordArg& password, int iterations);

    // The contents of a pkcs8ShroudedKeyBag: `key` as DER, encrypted with a fresh IV.
    Result<ossl::X509SigPtr> shroud(const PKCS8_PRIV_KEY_INFO* key) const;
    // Encrypts `buffer[offset, end)` (the DER of a SafeContents) in place with a fresh IV;
    // `buffer` grows by the padding (1 to 16 bytes; reserve them, or it moves). Returns the DER
    // of the AlgorithmIdentifier (PBES2 with the shared salt and this IV) for the safe.
    Result<std::vector<std::uint8_t>> encrypt_in_place(std::vector<std::uint8_t>& buffer,
                                                       std::size_t offset) const;

  private:
    struct Ciphertext {
        ossl::X509AlgorPtr algorithm;  // PBES2 with the shared salt and this IV
        ossl::Asn1OctetStringPtr data;
    };
    SharedPbes2Key(std::vector<std::uint8_t> salt, int iterations, SecureBuffer key)
        : salt_(std::move(salt)), iterations_(iterations), key_(std::move(key)) {}
    Result<Ciphertext> encrypt(std::span<const std::uint8_t> plaintext) const;
    // PBES2 with the shared salt and a fresh IV, written to `iv`.
    Result<ossl::X509AlgorPtr> algorithm_with_fresh_iv(std::array<std::uint8_t, 16>& iv) const;

    std::vector<std::uint8_t> salt_;
    int iterations_ = 0;
    SecureBuffer key_;
};

// What identifies a key the reader's cache derives once per import: PBKDF2's salt, iteration
// count and PRF, and the key length of the AES cipher.
struct Pbes2KeyId {
    std::vector<std::uint8_t> salt;
    std::uint64_t iterations = 0;
    int prf_nid = 0;
    std::size_t key_length = 0;

    // The order of the caches (std::map, std::set). Spelled out rather than a defaulted <=>:
    // GCC 12 at -O3 reports the memcmp inside std::vector's <=> as reading past an object
    // (-Wstringop-overread, a false positive), and certbackup builds without warnings.
    friend bool operator<(const Pbes2KeyId& a, const Pbes2KeyId& b) noexcept {
        if (a.iterations != b.iterations)
            return a.iterations < b.iterations;
        if (a.prf_nid != b.prf_nid)
            return a.prf_nid < b.prf_nid;
        if (a.key_length != b.key_length)
            return a.key_length < b.key_length;
        if (a.salt.size() != b.salt.size())
            return a.salt.size() < b.salt.size();
        return !a.salt.empty() && std::memcmp(a.salt.data(), b.salt.data(), a.salt.size()) < 0;
    }
};

// The cache's key for `algorithm` when Pbes2KeyCache decrypts it (PBES2 / PBKDF2 / HMAC-SHA /
// AES-CBC), std::nullopt when the caller decrypts it through OpenSSL (one derivation per
// structure). Derives nothing.
std::optional<Pbes2KeyId> pbes2_key_id(const X509_ALGOR* algorithm);

// PBKDF2 of `password` with the salt, iteration count and PRF of `id`, `id.key_length` bytes:
// the one expensive step of opening PBES2 structures. Thread-safe.
Result<SecureBuffer> derive_pbes2_key(const PasswordArg& password, const Pbes2KeyId& id);

// The reader's side: PBES2 decryption with the keys of one import, for one password, each
// derived once per distinct (salt, iterations, PRF, key length). Not thread-safe; lives for one
// file's import.
class Pbes2KeyCache {
  public:
    explicit Pbes2KeyCache(const PasswordArg& password) : password_(password) {}

    // The plaintext of `ciphertext` when `algorithm` is PBES2 with PBKDF2 (any HMAC-SHA PRF)
    // and AES-CBC; std::nullopt when it is anything else, which the caller decrypts through
    // OpenSSL. Fails with wrong_password when the padding does not check (wrong password or
    // damage).
    Result<std::optional<SecureBuffer>> decrypt(const X509_ALGOR* algorithm,
                                                std::span<const std::uint8_t> ciphertext);

    // Takes a key derived ahead (derive_pbes2_key with this cache's password, on another
    // thread while the MAC was checked), so that decrypt() does not derive it again.
    void adopt(Pbes2KeyId id, SecureBuffer key);

    // PBKDF2 runs so far (cache misses and adopted keys).
    std::size_t derivations() const noexcept { return keys_.size(); }

  private:
    using KeyId = Pbes2KeyId;
    Result<const SecureBuffer*> key_for(KeyId id);

    PasswordArg password_;
    std::map<KeyId, SecureBuffer> keys_;
};

}  // namespace certbackup::pkcs12_detail
