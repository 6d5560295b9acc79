#include "core/unicode_text.hpp"

#include "certbackup/base/printable_text.hpp"

namespace certbackup {
namespace {

constexpr std::uint32_t kReplacement = 0xFFFD;

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
        const Utf8Char d = decode_utf8_at(in, i);
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
        Utf8Char d = decode_utf8_at(in, i);
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
        const Utf8Char d = decode_utf8_at(raw, i);
        if (d.length == 0 || is_control_character(d.code_point)) {
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
