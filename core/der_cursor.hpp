// Reads DER one tag-length-value at a time from a span, checking every length against what is
// left and accepting only DER's definite, shortest lengths and single-byte tags. Views only:
// nothing is copied or decoded. Shared by the readers that look into certificates and PKCS#12
// bags without building OpenSSL objects.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "certbackup/base/error.hpp"

namespace certbackup {

inline constexpr std::uint8_t kDerConstructed = 0x20;

// One tag-length-value: `whole` is all of it, `value` its contents.
struct Tlv {
    std::uint8_t tag = 0;
    std::span<const std::uint8_t> value;
    std::span<const std::uint8_t> whole;
};

// Reads TLVs one after the other from a span, checking every length against what is left.
class DerCursor {
  public:
    // `subject` begins each error message, e.g. "the certificate's" ("the certificate's issuer
    // is truncated").
    DerCursor(std::span<const std::uint8_t> bytes, std::string_view subject)
        : rest_(bytes), subject_(subject) {}

    bool empty() const noexcept { return rest_.empty(); }
    std::optional<std::uint8_t> peek_tag() const noexcept {
        return rest_.empty() ? std::nullopt : std::optional<std::uint8_t>(rest_.front());
    }

    // The next TLV, which must have tag `tag`; `what` names it in the error. A constructed tag
    // (SEQUENCE, [0], [3]) is also taken with its constructed bit clear: OpenSSL's decoders take
    // that and keep the encoding as it is (fuzz_certificate_summary found it in certificates),
    // and what OpenSSL reads must be read here too.
    Result<Tlv> next(std::uint8_t tag, std::string_view what) {
        auto tlv = next_any(what);
        if (!tlv)
            return tlv;
        const bool same =
            tlv->tag == tag || ((tag & kDerConstructed) != 0 &&
                                tlv->tag == static_cast<std::uint8_t>(tag & ~kDerConstructed));
        if (!same)
            return bad(what, "has an unexpected tag");
        return tlv;
    }

    Result<Tlv> next_any(std::string_view what) {
        if (rest_.size() < 2)
            return bad(what, "is missing or truncated");
        const std::uint8_t tag = rest_[0];
        if ((tag & 0x1f) == 0x1f)
            return bad(what, "has a multi-byte tag");
        std::size_t offset = 2;
        std::size_t length = rest_[1];
        if (length & 0x80) {
            const std::size_t count = length & 0x7f;
            // 0x80 is BER's indefinite length; more than 4 bytes of length is no certificate.
            if (count == 0 || count > 4)
                return bad(what, "has an invalid length");
            if (rest_.size() < 2 + count)
                return bad(what, "is truncated");
            length = 0;
            for (std::size_t i = 0; i < count; ++i)
                length = (length << 8) | rest_[2 + i];
            // DER: the shortest form (no leading zero byte, long form only from 128 on).
            if (rest_[2] == 0 || length < 0x80)
                return bad(what, "has a length that is not DER");
            offset += count;
        }
        if (length > rest_.size() - offset)
            return bad(what, "is truncated");
        Tlv tlv{tag, rest_.subspan(offset, length), rest_.first(offset + length)};
        rest_ = rest_.subspan(offset + length);
        return tlv;
    }

    // Fails unless every byte was read.
    Result<void> expect_end(std::string_view what) const {
        if (!rest_.empty())
            return bad(what, "has unexpected data at its end");
        return {};
    }

  private:
    std::unexpected<Error> bad(std::string_view what, std::string_view problem) const {
        return fail(ErrorCode::corrupt,
                    std::string(subject_) + " " + std::string(what) + " " + std::string(problem));
    }
    std::span<const std::uint8_t> rest_;
    std::string_view subject_;
};

}  // namespace certbackup
