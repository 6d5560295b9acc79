#include "certbackup/base/ossl.hpp"

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace certbackup::ossl {

std::string drain_errors() {
    std::string out;
    unsigned long code = 0;
    while ((code = ERR_get_error()) != 0) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        if (!out.empty())
            out += "; ";
        out += buf;
    }
    return out.empty() ? std::string("no OpenSSL detail") : out;
}

void clear_errors() noexcept {
    ERR_clear_error();
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (std::uint8_t b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 0x0f];
    }
    return out;
}

std::vector<std::uint8_t> sha256(std::span<const std::uint8_t> bytes) {
    std::vector<std::uint8_t> digest(SHA256_DIGEST_LENGTH);
    SHA256(bytes.data(), bytes.size(), digest.data());
    return digest;
}

std::vector<std::uint8_t> sha1(std::span<const std::uint8_t> bytes) {
    std::vector<std::uint8_t> digest(SHA_DIGEST_LENGTH);
    SHA1(bytes.data(), bytes.size(), digest.data());
    return digest;
}

bool random_bytes(std::span<std::uint8_t> out) noexcept {
    return out.empty() || RAND_bytes(out.data(), static_cast<int>(out.size())) == 1;
}

}  // namespace certbackup::ossl
