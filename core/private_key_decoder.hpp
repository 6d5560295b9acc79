// Reads unencrypted private keys quickly when there are many (a store of thousands, or the
// PKCS#8 keys of a PFX bundle).
//
// OpenSSL 3.0 builds a new decoder chain for every PEM_read_bio_PrivateKey call (about 0.8 ms,
// and threads do not help: they contend for OpenSSL's internal locks). A PrivateKeyDecoder
// builds the chain once and reuses it (about 0.09 ms a key). It never prompts for a password:
// an encrypted key fails to decode.
//
// Not thread-safe and not movable (OpenSSL keeps a pointer into it): one per operation, or one
// per thread kept for the thread's life (PKCS#12 import). A failed decode leaves it usable.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "certbackup/base/error.hpp"
#include "certbackup/base/ossl.hpp"

namespace certbackup {

class PrivateKeyDecoder {
  public:
    // What decode() is given: PEM text (PKCS#8 or traditional), or the DER of an unencrypted
    // PKCS#8 PrivateKeyInfo (what EVP_PKCS82PKEY decodes, through a new chain every time).
    enum class Input { pem, der_private_key_info };

    explicit PrivateKeyDecoder(Input input = Input::pem) : input_(input) {}
    PrivateKeyDecoder(const PrivateKeyDecoder&) = delete;
    PrivateKeyDecoder& operator=(const PrivateKeyDecoder&) = delete;
    ~PrivateKeyDecoder();

    // The key in `encoded` (PEM: PKCS#8 or a traditional RSA/EC key, the first PEM block must
    // be the key; DER: one PrivateKeyInfo). corrupt, naming `origin`, when it cannot be decoded.
    Result<ossl::EvpPkeyPtr> decode(std::span<const std::uint8_t> encoded, std::string_view origin);

  private:
    Input input_;
    EVP_PKEY* decoded_ = nullptr;  // where OpenSSL puts each key; taken over at once
    ossl::DecoderCtxPtr context_;
};

}  // namespace certbackup
