// Certificate thumbprints as people type them: the SHA-256 of a certificate's DER in hex, or a
// unique prefix of it (DESIGN §3, CLI.md "THUMBPRINT").
#pragma once

#include <string>
#include <string_view>

#include "certbackup/base/error.hpp"

namespace certbackup {

// Hex digits in a full SHA-256 thumbprint, and the fewest a prefix must have.
inline constexpr std::size_t kThumbprintLength = 64;
inline constexpr std::size_t kMinThumbprintPrefix = 8;

// True for exactly 64 lower-case hex digits: the canonical form used in file names and
// bindings.toml.
bool is_thumbprint(std::string_view text) noexcept;

// Normalises what a person typed: drops ':' and ' ' separators ("AB:CD:..." as OpenSSL and
// Windows show thumbprints), lower-cases. Fails with invalid_argument, naming the text, when a
// character is not a hex digit, when fewer than kMinThumbprintPrefix digits remain, or when
// more than kThumbprintLength do.
Result<std::string> parse_thumbprint_prefix(std::string_view text);

// As parse_thumbprint_prefix, but all 64 digits are required.
Result<std::string> parse_thumbprint(std::string_view text);

}  // namespace certbackup
