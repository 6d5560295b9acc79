// Reading TOML: one position format, one way to report a parse error, one description of a
// value's type, one reading of a scalar option value, so that every reader says where and what
// alike: the host's configuration (host_config, job_config) and the store's own files
// (bindings.toml, settings.toml, transaction journals).
//
// Positions are "FILE:LINE:COLUMN" (1-based, as toml++ counts them; docs/CLI.md
// "Configuration"); just "FILE" where the place is unknown. Errors are ErrorCode values of base;
// a configuration reader uses invalid_argument (the person's mistake, exit 2 through
// abi_status.hpp). Pure functions; thread-safe.
#pragma once

#include <toml++/toml.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "certbackup/base/error.hpp"

namespace certbackup::toml_reading {

// "FILE:LINE:COLUMN"; "FILE" when `line` is 0 (no position).
std::string position(std::string_view file, std::size_t line, std::size_t column);
std::string position(std::string_view file, const toml::source_region& region);

// The document in `text`; a syntax error is `code` with "FILE:LINE:COLUMN: <what toml++
// says><what_to_do>" (what_to_do begins with "; " when given).
Result<toml::table> parse(std::string_view text, std::string_view file, ErrorCode code,
                          std::string_view what_to_do = {});

// "a string", "an integer", "a table", ... for messages ("must be X, not <this>").
const char* type_name(const toml::node& node) noexcept;

// Of two keys of one table, the one written later in the file (toml++ iterates a table by key
// name, people read it top to bottom).
const toml::key& later(const toml::key& a, const toml::key& b) noexcept;

// A plugin option value as a configuration file gives it: a string, a boolean or an integer,
// kept as the text the option validation takes ("true"/"false", decimal).
struct ScalarValue {
    enum class Kind { string, boolean, integer };
    Kind kind = Kind::string;
    std::string text;
};

// nullopt for any other TOML type (the caller names the key in its error, with type_name).
std::optional<ScalarValue> scalar_value(const toml::node& node);

// "string", "boolean", "integer".
std::string_view kind_name(ScalarValue::Kind kind) noexcept;
// "a string", "a boolean", "an integer".
std::string kind_phrase(ScalarValue::Kind kind);

}  // namespace certbackup::toml_reading
