// What a DirectoryStore holds at one moment, read from its files: the bindings and where each
// certificate and key file is. Internal to DirectoryStore and its transactions.
//
// Caller: holds the commit lock shared (a reader) or the writer lock (a transaction), so that
// no commit moves files while this reads them.
//
// An interrupted transaction that recovery has not handled yet (its journal is still there) is
// read as the state it stands for: all of it when bindings.toml is the committed one, none of
// it otherwise (its moved-in files hidden, its moved-out files read from the transaction's
// removed/ directory). So a reader never sees half a transaction, recovered or not.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "certbackup/base/env.hpp"
#include "certbackup/base/error.hpp"
#include "core/bindings_file.hpp"
#include "core/store_layout.hpp"

namespace certbackup {

struct StoreState {
    std::vector<std::uint8_t> bindings_bytes;  // bindings.toml as read
    BindingsFile bindings;
    // thumbprint -> the file's path. Strings, not std::filesystem::path: a path also keeps
    // its components, and a store of 10000 certificates has 20000 of them (megabytes).
    std::map<std::string, std::string> certificate_files;
    std::map<std::string, std::string> key_files;

    // Purposes per certificate, sorted (empty for unused ones).
    std::map<std::string, std::vector<Binding>> bindings_by_certificate() const;
};

// Errors: not_found when bindings.toml, certs/ or keys/ is missing; corrupt (naming the file
// and, for bindings.toml, line and column) for a malformed bindings file, a binding to a
// certificate without a file, a file in certs/ or keys/ that is not named as the layout says,
// a key without its certificate, or a damaged journal.
Result<StoreState> read_store_state(Env& env, const StoreLayout& layout);

// Lower-case hex SHA-256 of a file's bytes, as journals record them.
std::string file_digest_hex(std::span<const std::uint8_t> bytes);

}  // namespace certbackup
