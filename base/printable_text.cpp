#include "certbackup/base/printable_text.hpp"

#include <cstdio>

namespace certbackup {

Utf8Char decode_utf8_at(std::string_view in, std::size_t i) {
    const auto c = static_cast<unsigned char>(in[i]);
    const std::size_t length = c < 0x80           ? 1
                               : (c >> 5) == 0x06 ? 2
                               : (c >> 4) == 0x0e ? 3
                               : (c >> 3) == 0x1e ? 4
                                                  : 0;
    if (length == 0 || i + length > in.size())
        return {};
    std::uint32_t cp = length == 1   ? c
                       : length == 2 ? (c & 0x1fu)
                       : length == 3 ? (c & 0x0fu)
                                     : (c & 0x07u);
    for (std::size_t k = 1; k < length; ++k) {
        const auto cc = static_cast<unsigned char>(in[i + k]);
        if ((cc & 0xc0) != 0x80)
            return {};
        cp = (cp << 6) | (cc & 0x3fu);
    }
    const bool ok = length == 1   ? true
                    : length == 2 ? cp >= 0x80
                    : length == 3 ? cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff)
                                  : cp >= 0x10000 && cp <= 0x10ffff;
    return ok ? Utf8Char{cp, length} : Utf8Char{};
}

bool is_control_character(std::uint32_t code_point) noexcept {
    return code_point < 0x20 || (code_point >= 0x7f && code_point <= 0x9f);
}

bool is_bidi_control(std::uint32_t code_point) noexcept {
    return code_point == 0x061c || code_point == 0x200e || code_point == 0x200f ||
           (code_point >= 0x202a && code_point <= 0x202e) ||
           (code_point >= 0x2066 && code_point <= 0x2069);
}

std::string printable(std::string_view text, LineBreaks line_breaks) {
    std::string out;
    out.reserve(text.size());
    char escape[8];
    for (std::size_t i = 0; i < text.size();) {
        const Utf8Char c = decode_utf8_at(text, i);
        if (c.length == 0) {
            std::snprintf(escape, sizeof escape, "\\x%02x", static_cast<unsigned char>(text[i]));
            out += escape;
            ++i;
            continue;
        }
        const bool kept_break =
            line_breaks == LineBreaks::keep && (c.code_point == '\n' || c.code_point == '\t');
        if (!kept_break && (is_control_character(c.code_point) || is_bidi_control(c.code_point))) {
            std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(c.code_point));
            out += escape;
        } else {
            out.append(text.substr(i, c.length));
        }
        i += c.length;
    }
    return out;
}

}  // namespace certbackup
