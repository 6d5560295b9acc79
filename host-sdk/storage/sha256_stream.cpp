#include "host-sdk/storage/sha256_stream.hpp"

namespace backup_host {

using certbackup::Env, certbackup::Error, certbackup::ErrorCode, certbackup::fail,
    certbackup::Result;
namespace fs = std::filesystem;

namespace ossl = certbackup::ossl;

Result<Sha256Stream> Sha256Stream::create() {
    ossl::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
        return fail(ErrorCode::io, "cannot set up SHA-256: " + ossl::drain_errors());
    return Sha256Stream(std::move(ctx));
}

Result<void> Sha256Stream::update(std::span<const std::uint8_t> bytes) {
    if (!bytes.empty() && EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()) != 1)
        return fail(ErrorCode::io, "SHA-256 failed: " + ossl::drain_errors());
    return {};
}

Result<std::string> Sha256Stream::finish_hex() {
    std::uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), digest, &length) != 1 ||
        EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
        return fail(ErrorCode::io, "SHA-256 failed: " + ossl::drain_errors());
    return ossl::to_hex(std::span<const std::uint8_t>(digest, length));
}

}  // namespace backup_host
