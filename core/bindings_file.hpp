// bindings.toml: which certificate serves what (DESIGN §3), and the commit record of the store.
//
// Format (format = 1), also written as a comment header into every file:
//
//   format = 1                      # optional when 1; another number is refused (unsupported)
//   generation = 7                  # optional, default 0; +1 on every committed change
//   [bindings]
//   "ssl" = "<sha256>"              # purpose = thumbprint (64 hex digits; written lower-case)
//   "database/db1" = "<sha256>"
//   "master_key/db1/corp.example.com" = "<sha256>"
//
// A purpose (Binding::parse: ssl, server_encryption, database/<db>, master_key/<db>/<domain>,
// discovery_service/<db>/<name>, password_reset/<db>/<name>) is bound to exactly one
// certificate (TOML itself refuses a key given twice); a certificate may serve several
// purposes; one that serves none is unused. Every transaction replaces this file atomically
// with `generation` incremented, so that the file's bytes tell a committed transaction from an
// interrupted one (store_journal.hpp). Store settings do not belong here: `settings.toml` is
// reserved for them.
//
// Parsing never throws; every error names "<origin>:<line>:<column>", the problem and what to
// do. Whether a thumbprint has a certificate file is checked by the store, which knows the
// files; `positions` lets it name the line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "certbackup/base/error.hpp"
#include "core/binding.hpp"

namespace certbackup {

struct SourcePosition {
    std::size_t line = 0;  // 1-based; 0 when unknown
    std::size_t column = 0;
};

// "origin:line:column" (or just "origin" when the position is unknown), for messages.
std::string describe_position(std::string_view origin, SourcePosition position);

struct BindingsFile {
    static constexpr std::int64_t kFormatVersion = 1;

    std::int64_t generation = 0;
    std::map<Binding, std::string> holders;       // purpose -> thumbprint (canonical lower-case)
    std::map<Binding, SourcePosition> positions;  // where parse found each purpose
};

// Errors: corrupt (syntax, unknown keys, bad purposes, bad thumbprints, wrong value types) or
// unsupported (another format version), each naming origin:line:column.
Result<BindingsFile> parse_bindings_file(std::string_view text, std::string_view origin);

// The file's text with its comment header, purposes in sorted order. parse(format(x)) == x
// (except `positions`).
std::string format_bindings_file(const BindingsFile& file);

}  // namespace certbackup
