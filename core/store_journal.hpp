// The journal of a store transaction, <root>/.txn-<id>/journal.toml: what recovery needs to
// finish or undo a commit that was interrupted (store_transaction.hpp has the protocol).
//
//   format = 1
//   bindings_before = "<sha256 of bindings.toml before the transaction>"
//   bindings_after = "<sha256 of bindings.toml after it>"
//   added = [["certs/<t>.pem", "<sha256 of the file>"], ["keys/<t>.key.pem", "..."]]
//   removed = ["certs/<t>.pem", "keys/<t>.key.pem"]
//
// `added` files are staged as <txn>/<file name> and moved into place before the commit point;
// `removed` files are moved to <txn>/removed/<file name> before it. The two digests of
// bindings.toml tell whether the commit point (replacing bindings.toml) was reached; they
// always differ because every commit increments the file's `generation`. The digest of an
// added file lets recovery check that it removes exactly what the transaction wrote. Paths are
// relative to the store root and limited to the shapes above, so that a damaged journal cannot
// make recovery touch a file outside the store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certbackup/base/env.hpp"
#include "certbackup/base/error.hpp"

namespace certbackup {

struct StoreJournal {
    static constexpr std::int64_t kFormatVersion = 1;

    struct AddedFile {
        std::string path;    // "certs/<t>.pem" or "keys/<t>.key.pem"
        std::string sha256;  // lower-case hex of the file's bytes

        friend bool operator==(const AddedFile&, const AddedFile&) = default;
    };

    std::string bindings_before_sha256;
    std::string bindings_after_sha256;
    std::vector<AddedFile> added;
    std::vector<std::string> removed;

    friend bool operator==(const StoreJournal&, const StoreJournal&) = default;
};

std::string format_store_journal(const StoreJournal& journal);

// Errors: corrupt naming origin:line:column, or unsupported for another format version.
Result<StoreJournal> parse_store_journal(std::string_view text, std::string_view origin);

// Where an interrupted transaction stands, told by the digest of bindings.toml now (see the
// header comment): the commit point was passed (everything is in place), or it was not
// (nothing counts). The one reading of a journal that recovery and readers share.
enum class JournalOutcome { committed, not_committed };

// Errors: corrupt when `bindings_sha256` (bindings.toml at `bindings_file` now) matches neither
// digest of the journal in `transaction_dir`; the message says what to do.
Result<JournalOutcome> classify_journal(const StoreJournal& journal,
                                        std::string_view bindings_sha256,
                                        const std::filesystem::path& bindings_file,
                                        const std::filesystem::path& transaction_dir);

// The journal in a transaction directory (<txn>/journal.toml); nullopt when there is none yet
// (the transaction was still staging, or died before writing it).
Result<std::optional<StoreJournal>> read_store_journal(
    Env& env, const std::filesystem::path& transaction_dir);

}  // namespace certbackup
