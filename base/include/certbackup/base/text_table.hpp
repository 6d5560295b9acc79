// Plain aligned tables for a terminal: the one table layout of backup-host and its plugins.
// Pure function, thread-safe.
#pragma once

#include <string>
#include <vector>

namespace certbackup {

// Rows as columns separated by two spaces, each as wide as its widest cell (in bytes); the last
// cell of a row is not padded. One line per row. Every cell is escaped with printable()
// (printable_text.hpp: control characters, bidi controls, ill-formed UTF-8), so that a hostile
// name or message cannot reach the terminal; a header is simply the first row.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace certbackup
