// Restore's `select` option (CLI.md): a comma list of KIND, KIND/DB, or SHA-256 thumbprints
// (a unique prefix of at least 8 hex digits), turned into a filter on manifest entries.
#pragma once

#include <string_view>
#include <vector>

#include "certbackup/base/error.hpp"
#include "core/snapshot_reader.hpp"

namespace certbackup {

// An empty text selects everything. Errors (invalid_argument) name the bad token and list
// the accepted shapes. Tokens are checked against `manifest` so that a selection that matches
// nothing, or a thumbprint prefix that matches several entries, is an error rather than a
// restore that silently does nothing.
Result<EntryFilter> parse_selection(std::string_view text, const SnapshotManifest& manifest);

}  // namespace certbackup
