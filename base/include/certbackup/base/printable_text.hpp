// Text from hostile sources (a set record, the state files, a PFX, a store) made safe for a
// terminal: one escaping for every table and text that backup-host and its plugins print.
//
// Why: a job name, a host name, a friendly name or a subject may hold an escape sequence
// ("\x1b[31m", a cursor move, an OSC title) or a bidirectional override that makes a listing
// lie. printable() shows such characters as escapes instead of handing them to the terminal.
//
// The escapes are JSON's: a code point as \uXXXX (ESC as \u001b, U+202E as \u202e), so that
// escaping a JSON document keeps every value as it was (inside a JSON string \u202e *is*
// U+202E). A byte that does not begin well-formed UTF-8 becomes \xNN (JSON output never holds
// one: the encoder replaces it). Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace certbackup {

// The code point of the well-formed UTF-8 sequence at in[i] and its length; length 0 when in[i]
// does not start one (overlong forms, surrogates, code points above U+10FFFF, truncation).
struct Utf8Char {
    std::uint32_t code_point = 0;
    std::size_t length = 0;
};
Utf8Char decode_utf8_at(std::string_view in, std::size_t i);

// C0 (U+0000..U+001F), DEL (U+007F) and C1 (U+0080..U+009F).
bool is_control_character(std::uint32_t code_point) noexcept;
// The bidirectional formatting characters that reorder what follows them: U+061C, U+200E,
// U+200F, U+202A..U+202E, U+2066..U+2069.
bool is_bidi_control(std::uint32_t code_point) noexcept;

enum class LineBreaks {
    escape,  // one cell or field: a newline or tab is escaped too
    keep,    // text of several lines (a report, a message): '\n' and '\t' stay
};

// `text` with control characters, bidi controls and ill-formed UTF-8 escaped as above;
// everything else (printable ASCII, other Unicode, backslashes) as it was.
std::string printable(std::string_view text, LineBreaks line_breaks = LineBreaks::escape);

}  // namespace certbackup
