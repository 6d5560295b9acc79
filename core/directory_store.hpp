// The embedded default certificate store: a directory (DESIGN §3; layout in store_layout.hpp).
//
//   auto store = DirectoryStore::open("/var/lib/ps/certificates");
//   auto txn = (*store)->begin();
//   (*txn)->add(std::move(certificate), Binding::parse("database/db1").value());
//   (*txn)->commit();
//
// Atomicity: every change is a transaction (certificate_store.hpp) committed with the
// protocol of store_commit.hpp, so after a failure at any step the store is as before, and
// after a crash it is as before or as after, never a mix; recovery (store_recovery.hpp) runs
// when the store is opened and when a transaction begins.
//
// Concurrency: one writer at a time, across processes (flock on <root>/.lock, held for a whole
// transaction; a second `begin()` gets `conflict`). Readers take <root>/.commit.lock shared for
// the whole of a list() or get() and so wait while a commit moves files, never seeing a
// half-applied transaction; a commit in turn waits for the reads in progress. An open
// transaction does not hold readers up. A DirectoryStore may be used from several threads at
// once; each transaction by one thread at a time.
//
// Every file-system call goes through the Env given to open(), so tests can inject a failure
// at any step (tests/support/fault_injecting_env.hpp). The locks (Env::lock_file) are taken
// through it too but never fail on purpose: they are not file contents and a dead process drops
// its locks.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "certbackup/base/env.hpp"
#include "certbackup/base/file_lock.hpp"
#include "core/certificate_store.hpp"
#include "core/private_key_decoder.hpp"
#include "core/store_layout.hpp"
#include "core/store_root_access.hpp"
#include "core/store_state.hpp"

namespace certbackup {

struct DirectoryStoreOptions {
    // Create the store if it does not exist yet: the directory (and missing parents) 0700,
    // certs/ and keys/ 0700, an empty bindings.toml and the lock files. An existing store is
    // opened as it is; missing parts of a half-created one are added.
    bool create = false;
    // Finish or undo an interrupted transaction found on opening (skipped while another writer
    // holds the store: that writer recovers before it starts). Readers see a consistent state
    // without it; false is for inspecting a store as a crash left it.
    bool recover = true;
    // Threads that write a commit's new files (see apply_commit): 1 keeps every file-system
    // call on the calling thread, in order; more make large commits (a restore or a sample
    // store of thousands of certificates) many times faster on a disk. Needs a thread-safe
    // Env (Env::posix() is; the step-counting test Env is not).
    unsigned write_threads = 1;
    // What the caller will do with the store. An existing root that another user owns or that
    // group or others may write is refused for write and gives a warning (warnings()) for read
    // (store_root_access.hpp). A root open() creates is 0700 whatever the umask.
    StoreAccess access = StoreAccess::read;
};

// A certificate of a DirectoryStoreReading, not read yet.
struct StoreEntry {
    std::string thumbprint;
    std::vector<Binding> bindings;  // as StoredCertificate's
    bool key_stored = false;        // the store holds a private key for it

    bool required() const noexcept { return !bindings.empty(); }
};

// A consistent view of a DirectoryStore for reading its certificates one at a time over a
// longer time (a backup of thousands streams through one, holding one decoded key at a time):
// holds the readers' lock from DirectoryStore::reading() until it is destroyed, so no commit
// moves files meanwhile (a commit waits for it, as for a list()).
class DirectoryStoreReading {
  public:
    // The certificates `filter` selects (`load_keys` plays no part), in list()'s order; nothing
    // is read.
    std::vector<StoreEntry> entries(const CertificateFilter& filter) const;
    // One certificate of entries(), with its key when `with_key` and the store holds one.
    // Errors as list()'s for that certificate. Thread-safe.
    Result<Certificate> load(const std::string& thumbprint, bool with_key) const;
    // Its summary, read as list_summaries() reads it. Thread-safe.
    Result<CertificateSummary> summary(const std::string& thumbprint) const;

  private:
    friend class DirectoryStore;
    DirectoryStoreReading(Env& env, FileLock lock, StoreState state)
        : env_(env), lock_(std::move(lock)), state_(std::move(state)) {}

    Env& env_;
    FileLock lock_;
    StoreState state_;
    // Key decoders are costly to build and not thread-safe: each load borrows one.
    mutable std::mutex decoders_mutex_;
    mutable std::vector<std::unique_ptr<PrivateKeyDecoder>> decoders_;
};

class DirectoryStore final : public CertificateStore {
  public:
    // Errors: not_found naming the directory when it does not exist (without `create`) or is
    // not a store (certs/, keys/ or bindings.toml missing); io for file-system failures;
    // recovery errors (corrupt) with what to do.
    static Result<std::unique_ptr<DirectoryStore>> open(const std::filesystem::path& root,
                                                        DirectoryStoreOptions options = {},
                                                        Env& env = Env::posix());

    const std::filesystem::path& root() const noexcept { return layout_.root; }
    const StoreLayout& layout() const noexcept { return layout_; }

    std::string identity() const override;
    Result<std::vector<StoredCertificate>> list(const CertificateFilter& filter = {}) override;
    Result<std::vector<StoredCertificateSummary>> list_summaries(
        const CertificateFilter& filter = {}) override;
    Result<StoredCertificate> get(std::string_view thumbprint) override;
    Result<std::unique_ptr<StoreTransaction>> begin() override;

    // A consistent view for reading certificates one at a time (see DirectoryStoreReading).
    Result<std::shared_ptr<const DirectoryStoreReading>> reading();

    // What open() found worth telling the person (a root others may write, opened for reading).
    const std::vector<std::string>& warnings() const noexcept { return warnings_; }

  private:
    DirectoryStore(StoreLayout layout, Env& env, unsigned write_threads)
        : layout_(std::move(layout)), env_(env), write_threads_(write_threads) {}

    StoreLayout layout_;
    Env& env_;
    unsigned write_threads_;
    std::vector<std::string> warnings_;
};

}  // namespace certbackup
