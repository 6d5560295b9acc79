// SHA-256 over bytes that arrive in pieces (core/ossl.hpp has the one-shot form), so that an item
// is hashed while it streams and never held whole in memory. Not thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/ossl.hpp"
#include "host-sdk/storage/core_types.hpp"

namespace backup_host {

class Sha256Stream {
  public:
    // A fresh digest; fails only when OpenSSL cannot set up SHA-256.
    static Result<Sha256Stream> create();

    Result<void> update(std::span<const std::uint8_t> bytes);
    // The digest of everything updated so far, as 64 lower-case hex digits; the stream starts
    // over afterwards.
    Result<std::string> finish_hex();

  private:
    explicit Sha256Stream(certbackup::ossl::EvpMdCtxPtr ctx) : ctx_(std::move(ctx)) {}
    certbackup::ossl::EvpMdCtxPtr ctx_;
};

}  // namespace backup_host
