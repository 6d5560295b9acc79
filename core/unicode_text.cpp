#include "core/unicode_text.hpp"

namespace certbackup {
namespace {

constexpr std::uint32_t kReplacement = 0xFFFD;

// The code point of the well-formed UTF-8 sequence at in[i] and its length, or length 0 when
// in[i] does not start one.
struct Decoded {
    std::uint32_t code_point = 0;
    std::size_t length = 0;
};

Decoded decode_utf8_at(std::string_view in, std::size_t i) {
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
    return ok ? Decoded{cp, length} : Decoded{};
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

void append_utf16be_unit(std::vector<std::uint8_t>& out, std::uint32_t unit) {
    out.push_back(static_cast<std::uint8_t>(unit >> 8));
    out.push_back(static_cast<std::uint8_t>(unit & 0xff));
}

bool is_control(std::uint32_t cp) {
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

bool is_high_surrogate(std::uint32_t unit) {
    return unit >= 0xd800 && unit <= 0xdbff;
}
bool is_low_surrogate(std::uint32_t unit) {
    return unit >= 0xdc00 && unit <= 0xdfff;
}

}  // namespace

std::string valid_utf8(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size();) {
        const Decoded d = decode_utf8_at(in, i);
        if (d.length == 0) {
            append_utf8(out, kReplacement);
            ++i;
        } else {
            out.append(in.substr(i, d.length));
            i += d.length;
        }
    }
    return out;
}

std::string utf16be_to_utf8(std::span<const std::uint8_t> in) {
    std::string out;
    out.reserve(in.size() * 3 / 2);
    const std::size_t units = in.size() / 2;
    auto unit_at = [&](std::size_t k) {
        return static_cast<std::uint32_t>(in[2 * k] << 8 | in[2 * k + 1]);
    };
    for (std::size_t k = 0; k < units; ++k) {
        const std::uint32_t unit = unit_at(k);
        if (is_high_surrogate(unit) && k + 1 < units && is_low_surrogate(unit_at(k + 1))) {
            append_utf8(out, 0x10000 + ((unit - 0xd800) << 10) + (unit_at(k + 1) - 0xdc00));
            ++k;
        } else if (is_high_surrogate(unit) || is_low_surrogate(unit)) {
            append_utf8(out, kReplacement);
        } else {
            append_utf8(out, unit);
        }
    }
    if (in.size() % 2 != 0)
        append_utf8(out, kReplacement);
    return out;
}

std::vector<std::uint8_t> utf8_to_utf16be(std::string_view in) {
    std::vector<std::uint8_t> out;
    out.reserve(in.size() * 2);
    for (std::size_t i = 0; i < in.size();) {
        Decoded d = decode_utf8_at(in, i);
        i += d.length == 0 ? 1 : d.length;
        const std::uint32_t cp = d.length == 0 ? kReplacement : d.code_point;
        if (cp < 0x10000) {
            append_utf16be_unit(out, cp);
        } else {
            append_utf16be_unit(out, 0xd800 + ((cp - 0x10000) >> 10));
            append_utf16be_unit(out, 0xdc00 + ((cp - 0x10000) & 0x3ff));
        }
    }
    return out;
}

CleanName clean_friendly_name(std::string_view raw) {
    while (!raw.empty() && raw.back() == '\0')
        raw.remove_suffix(1);
    CleanName clean;
    clean.text.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size();) {
        const Decoded d = decode_utf8_at(raw, i);
        if (d.length == 0 || is_control(d.code_point)) {
            append_utf8(clean.text, kReplacement);
            clean.repaired = true;
            i += d.length == 0 ? 1 : d.length;
        } else {
            clean.text.append(raw.substr(i, d.length));
            i += d.length;
        }
    }
    return clean;
}

}  // namespace certbackup
