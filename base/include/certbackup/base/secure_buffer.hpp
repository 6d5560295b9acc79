// Byte and string buffers for secrets (passwords, decrypted keys, derived keys).
//
// Contract: the memory is wiped with OPENSSL_cleanse when the buffer is destroyed, cleared,
// or moved from. Copies are explicit (`clone`) so that secrets are not duplicated by accident.
// Not thread-safe; like std::vector.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace certbackup {

class SecureBuffer {
  public:
    SecureBuffer() = default;
    explicit SecureBuffer(std::size_t size) : bytes_(size) {}
    explicit SecureBuffer(std::span<const std::uint8_t> bytes)
        : bytes_(bytes.begin(), bytes.end()) {}
    explicit SecureBuffer(std::string_view text) : bytes_(text.begin(), text.end()) {}
    ~SecureBuffer() { wipe(); }

    SecureBuffer(const SecureBuffer&) = delete;
    SecureBuffer& operator=(const SecureBuffer&) = delete;
    SecureBuffer(SecureBuffer&& other) noexcept : bytes_(std::move(other.bytes_)) {
        other.bytes_.clear();
    }
    SecureBuffer& operator=(SecureBuffer&& other) noexcept {
        if (this != &other) {
            wipe();
            bytes_ = std::move(other.bytes_);
            other.bytes_.clear();
        }
        return *this;
    }

    [[nodiscard]] SecureBuffer clone() const { return SecureBuffer(std::span(bytes_)); }

    std::uint8_t* data() noexcept { return bytes_.data(); }
    const std::uint8_t* data() const noexcept { return bytes_.data(); }
    std::size_t size() const noexcept { return bytes_.size(); }
    bool empty() const noexcept { return bytes_.empty(); }
    std::span<const std::uint8_t> span() const noexcept { return bytes_; }
    std::span<std::uint8_t> span() noexcept { return bytes_; }
    // The bytes as text, e.g. a UTF-8 password. Valid while the buffer lives unchanged.
    std::string_view view() const noexcept {
        return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
    }

    // Wipes the current contents, then resizes. Never leaves old secret bytes in freed memory.
    void resize(std::size_t size);
    void clear() { wipe(); }

  private:
    void wipe() noexcept;
    std::vector<std::uint8_t> bytes_;
};

// A password is UTF-8 text held in a SecureBuffer.
using Password = SecureBuffer;

}  // namespace certbackup
