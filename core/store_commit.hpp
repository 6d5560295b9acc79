// How a DirectoryStore transaction is applied: all of it or none, also across a crash.
//
// The caller holds the writer lock (<root>/.lock), so no other writer runs. apply_commit takes
// the commit lock (<root>/.commit.lock) exclusively from step 3 on, so readers, which hold it
// shared, never see files move. Every file-system call goes through the Env.
//
// Steps, and what a crash at each leaves ("recovery" is store_recovery.hpp, run by the next
// DirectoryStore::open and by every begin()):
//
//  1. Staging. mkdir <root>/.txn-<id> (0700) (and <txn>/removed/ if files are removed); write
//     each new certificate and key file into it (with its final mode; in parallel when asked)
//     and the new bindings.toml (its `generation` incremented), none of them fsynced; then one
//     syncfs(2) of the store's file system (Env::sync_filesystem) and an fsync of <txn>.
//     Crash: a .txn dir without a journal; certs/, keys/, bindings.toml untouched. Readers
//     ignore it; recovery deletes it.
//     Why one syncfs is as safe as an fsync per file: nothing refers to a staged file before
//     the journal of step 2 exists, and the journal is written only after syncfs has returned
//     success, that is after the data and the directory entries of every staged file are on
//     stable storage (syncfs waits for write-back of the whole file system and, since Linux
//     5.8, reports a failed write-back as an error). A crash before that point loses at most
//     staged files of a transaction that has no journal, which recovery deletes anyway. The
//     cost is one sync for 20000 files instead of 20000 (a restore of 10000 certificates);
//     the price is that syncfs also writes back other dirty data of the same file system.
//  2. Journal. Write <txn>/journal.toml atomically (temp, fsync, rename, fsync <txn>); fsync the
//     root, so that the journal survives a power loss before anything moves.
//     Crash before the rename: as 1. After it: as 3 with nothing moved yet.
//  3. Moves (commit lock held from here). Move each removed file to <txn>/removed/, then each
//     new file into certs/ or keys/ (rename); fsync every directory that changed.
//     Crash: some files moved, bindings.toml still the old one (its digest is the journal's
//     "before"). The transaction counts as not committed: readers hide the moved-in files and
//     read the moved-out ones from <txn>/removed/; recovery moves them back, deletes the new
//     ones (after checking their digests), then deletes <txn>: the store is as before.
//  4. COMMIT POINT. rename <txn>/bindings.toml over <root>/bindings.toml; fsync the root.
//     Crash after the rename: bindings.toml has the journal's "after" digest; readers see the
//     new state; recovery deletes <txn> (with the removed files in it): the store is as after.
//  5. Clean-up. remove <txn>; fsync the root. A failure here is not a failure of the commit
//     (the change is durable and visible): apply_commit succeeds, and recovery removes the
//     leftover directory later. Until then readers see the committed state.
//
// On a failure in steps 1-4 apply_commit undoes what it did, newest first (the old
// bindings.toml back with atomic_write if the rename of step 4 happened but its fsync failed;
// new files deleted; removed files moved back; <txn> deleted) and returns the error: after a
// single failure at any step the store is byte-identical to before and nothing is left over.
// If undoing fails as well (the disk is gone, or the process is dying), the error says so and
// the journal stays; recovery then decides from bindings.toml as after a crash.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "certbackup/base/env.hpp"
#include "certbackup/base/error.hpp"
#include "certbackup/base/secure_buffer.hpp"
#include "core/store_layout.hpp"

namespace certbackup {

struct CommitPlan {
    struct NewFile {
        std::string relative_path;  // "certs/<t>.pem" or "keys/<t>.key.pem"; must not exist yet
        SecureBuffer bytes;         // key files are secrets: wiped when the plan goes
        mode_t mode = kCertificateFileMode;
    };
    std::vector<NewFile> added;
    std::vector<std::string> removed;           // relative paths of existing files
    std::vector<std::uint8_t> bindings_before;  // bindings.toml as the transaction read it
    std::vector<std::uint8_t> bindings_after;   // must differ from bindings_before
};

// Called on the calling thread as the commit goes: files staged (step 1), then files moved
// (step 3), out of 2 x added + removed; the last report is total of total.
using CommitProgress = std::function<void(std::size_t done, std::size_t total)>;

// `write_threads` > 1 writes the staged files of step 1 in parallel (with one sync for all of
// them, the writes are CPU and page-cache work; threads help little on few cores). The
// Env must then be thread-safe (Env::posix() is). With 1, every step runs on the calling thread
// in a fixed order, which step-counting test Envs rely on. The protocol is the same either way.
Result<void> apply_commit(Env& env, const StoreLayout& layout, const CommitPlan& plan,
                          unsigned write_threads = 1, const CommitProgress& progress = {});

}  // namespace certbackup
