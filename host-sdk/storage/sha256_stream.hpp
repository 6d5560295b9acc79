// SHA-256 over bytes that arrive in pieces (certbackup/base/ossl.hpp has the one-shot form), so that an item
// is hashed while it streams and never held whole in memory. Not thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "certbackup/base/env.hpp"
#include "certbackup/base/error.hpp"
#include "certbackup/base/ossl.hpp"

namespace backup_host {

class Sha256Stream {
  public:
    // A fresh digest; fails only when OpenSSL cannot set up SHA-256.
    static certbackup::Result<Sha256Stream> create();

    certbackup::Result<void> update(std::span<const std::uint8_t> bytes);
    // The digest of everything updated so far, as 64 lower-case hex digits; the stream starts
    // over afterwards.
    certbackup::Result<std::string> finish_hex();

  private:
    explicit Sha256Stream(certbackup::ossl::EvpMdCtxPtr ctx) : ctx_(std::move(ctx)) {}
    certbackup::ossl::EvpMdCtxPtr ctx_;
};

}  // namespace backup_host
