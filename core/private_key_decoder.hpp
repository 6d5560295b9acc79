// Reads unencrypted PEM private keys quickly when there are many (a store of thousands).
//
// OpenSSL 3.0 builds a new decoder chain for every PEM_read_bio_PrivateKey call (about 0.8 ms,
// and threads do not help: they contend for OpenSSL's internal locks). A PrivateKeyDecoder
// builds the chain once and reuses it (about 0.09 ms a key). It never prompts for a password:
// an encrypted key fails to decode.
//
// Not thread-safe and not movable (OpenSSL keeps a pointer into it): one per operation.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "certbackup/base/error.hpp"
#include "certbackup/base/ossl.hpp"

namespace certbackup {

class PrivateKeyDecoder {
  public:
    PrivateKeyDecoder() = default;
    PrivateKeyDecoder(const PrivateKeyDecoder&) = delete;
    PrivateKeyDecoder& operator=(const PrivateKeyDecoder&) = delete;
    ~PrivateKeyDecoder();

    // The key in `pem` (PKCS#8 or a traditional RSA/EC key; the first PEM block must be the
    // key). corrupt, naming `origin`, when it cannot be decoded.
    Result<ossl::EvpPkeyPtr> decode(std::span<const std::uint8_t> pem, std::string_view origin);

  private:
    EVP_PKEY* decoded_ = nullptr;  // where OpenSSL puts each key; taken over at once
    ossl::DecoderCtxPtr context_;
};

}  // namespace certbackup
