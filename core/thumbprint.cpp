#include "core/thumbprint.hpp"

namespace certbackup {
namespace {

bool is_lower_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

}  // namespace

bool is_thumbprint(std::string_view text) noexcept {
    if (text.size() != kThumbprintLength)
        return false;
    for (char c : text)
        if (!is_lower_hex(c))
            return false;
    return true;
}

Result<std::string> parse_thumbprint_prefix(std::string_view text) {
    std::string digits;
    digits.reserve(text.size());
    for (char c : text) {
        if (c == ':' || c == ' ')
            continue;
        const char lower = (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
        if (!is_lower_hex(lower))
            return fail(ErrorCode::invalid_argument,
                        "'" + std::string(text) +
                            "' is not a SHA-256 thumbprint: only hex digits (and ':' separators) "
                            "are allowed");
        digits += lower;
    }
    if (digits.size() < kMinThumbprintPrefix)
        return fail(ErrorCode::invalid_argument, "thumbprint '" + std::string(text) +
                                                     "' is too short: give at least " +
                                                     std::to_string(kMinThumbprintPrefix) +
                                                     " hex digits of the SHA-256 thumbprint");
    if (digits.size() > kThumbprintLength)
        return fail(ErrorCode::invalid_argument,
                    "thumbprint '" + std::string(text) + "' has more than " +
                        std::to_string(kThumbprintLength) +
                        " hex digits: a SHA-256 thumbprint has exactly 64");
    return digits;
}

Result<std::string> parse_thumbprint(std::string_view text) {
    auto digits = parse_thumbprint_prefix(text);
    if (digits && digits->size() != kThumbprintLength)
        return fail(ErrorCode::invalid_argument,
                    "thumbprint '" + std::string(text) +
                        "' is incomplete: this needs all 64 hex digits of the SHA-256 thumbprint");
    return digits;
}

}  // namespace certbackup
