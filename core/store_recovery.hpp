// Recovery of a DirectoryStore after an interrupted commit (the protocol is in
// store_commit.hpp).
//
// For each <root>/.txn-<id>/: without a journal it is discarded (nothing had moved). With a
// journal, bindings.toml decides: its digest equals the journal's "after" → the commit point
// was passed, the directory is discarded (roll forward); equals "before" → moved-out files go
// back, moved-in files are deleted (only if their digest is what the journal recorded), then
// the directory is discarded (roll back); neither → corrupt, nothing is touched, and the error
// says what to do. Temporary files of atomic writes in the root are deleted too.
//
// Recovery is idempotent: a crash during recovery leaves a state the next recovery finishes.
// Caller: holds the writer lock; recovery takes the commit lock exclusively while it changes
// files.
#pragma once

#include "certbackup/base/env.hpp"
#include "certbackup/base/error.hpp"
#include "core/store_layout.hpp"

namespace certbackup {

// True when the root holds transaction directories or temporary files to clean up.
Result<bool> store_needs_recovery(Env& env, const StoreLayout& layout);

Result<void> recover_store(Env& env, const StoreLayout& layout);

}  // namespace certbackup
