#include "certbackup/base/secure_buffer.hpp"

#include <openssl/crypto.h>

#include <algorithm>

namespace certbackup {

void SecureBuffer::wipe() noexcept {
    if (!bytes_.empty())
        OPENSSL_cleanse(bytes_.data(), bytes_.size());
    bytes_.clear();
}

void SecureBuffer::resize(std::size_t size) {
    std::vector<std::uint8_t> grown(size);
    const std::size_t keep = std::min(size, bytes_.size());
    std::copy_n(bytes_.begin(), keep, grown.begin());
    wipe();
    bytes_ = std::move(grown);
}

}  // namespace certbackup
