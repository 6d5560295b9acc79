// The certificate store (DESIGN §3) as the plugin sees it, independent of where certificates
// live: a directory (DirectoryStore, the embedded default) today, a PKCS#11 token later.
//
// Contract for every implementation:
// - Reads (list, get) see a committed state: all of a transaction's changes or none of them,
//   never a certificate that a transaction is still adding.
// - Every change goes through a StoreTransaction: changes are staged in memory, checked against
//   the staged state as they are made, and `commit()` applies all of them or none. One writer
//   at a time: while a transaction is open, `begin()` elsewhere fails with `conflict`.
// - A certificate is identified by its thumbprint: the lower-case hex SHA-256 of its DER.
// - Errors are Result values with a message naming the store, the certificate or file, and
//   what to do; nothing throws.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certbackup/base/env.hpp"
#include "certbackup/base/error.hpp"
#include "core/binding.hpp"
#include "core/certificate.hpp"
#include "core/certificate_summary.hpp"
#include "core/encoded_certificate.hpp"

namespace certbackup {

// A certificate as stored, with what it serves.
struct StoredCertificate {
    Certificate certificate;        // leaf, chain, friendly name; key when loaded and present
    std::vector<Binding> bindings;  // every purpose it serves, sorted; empty when unused
    // The store holds a private key for it, whether or not the key was loaded (a listing
    // without keys tells key presence without decoding any key).
    bool key_stored = false;

    // Required = serves at least one purpose (DESIGN §1: the certificate manager's
    // "required"); unused ones are obsolete, e.g. left over from a test install.
    bool required() const noexcept { return !bindings.empty(); }
};

// A certificate as list_summaries() returns it: what a listing shows, read without decoding
// the certificate whole (certificate_summary.hpp) and without reading its key.
struct StoredCertificateSummary {
    CertificateSummary summary;
    std::vector<Binding> bindings;  // as StoredCertificate's
    bool key_stored = false;        // the store holds a private key for it

    bool required() const noexcept { return !bindings.empty(); }
};

// What `list` returns.
struct CertificateFilter {
    // false: required certificates only; true: all of them.
    bool include_unused = false;
    // Scope "one database": only certificates bound under this database (database/<db>,
    // master_key/<db>/..., discovery_service/<db>/..., password_reset/<db>/...). Unused
    // certificates are bound under no database, so `include_unused` has no effect here.
    // nullopt: scope "all".
    std::optional<std::string> database;
    // false skips reading private keys (listing for display); the certificates come back
    // without keys then, and StoredCertificate::key_stored says which have one.
    bool load_keys = true;
};

// When a purpose is already served by another certificate.
enum class BindingConflictPolicy {
    refuse,   // fail with `conflict`, naming both certificates
    replace,  // move the purpose; the previous holder stays in the store (unused if that was
              // its last purpose)
};

// What one staged change does, so that a caller can report a plan (restore's dry run:
// create / skip / replace) before committing anything.
struct StagedChange {
    enum class CertificateChange {
        added,      // a certificate the store did not hold
        key_added,  // the store held the certificate without its private key
        unchanged,  // the store already held it (identical DER), with its key if one was given
    };
    enum class BindingChange {
        none,       // no binding was asked for
        added,      // the purpose had no certificate
        unchanged,  // the purpose was already served by this certificate
        replaced,   // the purpose moved from `previous_holder` (policy replace)
    };
    CertificateChange certificate = CertificateChange::unchanged;
    BindingChange binding = BindingChange::none;
    std::string previous_holder;  // thumbprint, when binding == replaced
};

// Staged changes to a store, applied together by `commit()`.
//
// Every staging call is checked against the store as it was at `begin()` plus the changes
// staged so far; a call that fails stages nothing. Nothing is visible to readers before
// `commit()` succeeds. Destroying an uncommitted transaction discards it and releases the
// writer lock. One thread at a time.
class StoreTransaction {
  public:
    virtual ~StoreTransaction() = default;

    // Stages `certificate` (with its key and chain, if any) and, optionally, a purpose for it.
    // Idempotent for a certificate the store already holds (only a missing key is added).
    // A purpose held by another certificate: `conflict` naming both, unless `policy` is replace.
    // The certificate comes encoded (encoded_certificate.hpp), as a restore of thousands holds
    // them; its text is trusted to be what encode_certificate wrote.
    virtual Result<StagedChange> add(
        EncodedCertificate certificate, std::optional<Binding> binding,
        BindingConflictPolicy policy = BindingConflictPolicy::refuse) = 0;
    // The same for a decoded certificate (encoded first; unsupported for a key that cannot be
    // written as PKCS#8 PEM).
    Result<StagedChange> add(Certificate certificate, std::optional<Binding> binding,
                             BindingConflictPolicy policy = BindingConflictPolicy::refuse);

    // Binds `purpose` to the certificate `thumbprint` (64 hex digits). not_found when the store
    // holds no such certificate; conflict as for add.
    virtual Result<StagedChange> bind(
        std::string_view thumbprint, const Binding& purpose,
        BindingConflictPolicy policy = BindingConflictPolicy::refuse) = 0;

    // Frees `purpose`; not_found when no certificate serves it. The certificate stays.
    virtual Result<void> unbind(const Binding& purpose) = 0;

    // Removes the certificate `thumbprint` (64 hex digits) and its key. Refuses a required one
    // with `conflict`: "certificate <t> is required by database/db1, master_key/db1/x; remove
    // those bindings first". not_found when the store holds no such certificate.
    virtual Result<void> remove_unused(std::string_view thumbprint) = 0;

    // The staged state, for planning.
    virtual bool contains(std::string_view thumbprint) const = 0;
    // The thumbprint of the certificate serving `purpose`; nullopt when none does.
    virtual std::optional<std::string> holder(const Binding& purpose) const = 0;
    // False when committing would change nothing.
    virtual bool has_changes() const = 0;

    // Applies every staged change, or none. Afterwards the transaction is finished (also on
    // failure) and the writer lock is released. Committing without changes succeeds and
    // writes nothing. `progress`, when set, is called on the calling thread with the steps
    // done (the new files written, then moved into place) and their total.
    virtual Result<void> commit(
        const std::function<void(std::size_t done, std::size_t total)>& progress) = 0;
    Result<void> commit() { return commit({}); }
};

class CertificateStore {
  public:
    virtual ~CertificateStore() = default;

    // Names the store in manifests and messages, e.g. "directory:/var/lib/ps/certificates".
    virtual std::string identity() const = 0;

    // Certificates chosen by `filter`, with their bindings: required ones ordered by their
    // first purpose, then unused ones by thumbprint.
    virtual Result<std::vector<StoredCertificate>> list(const CertificateFilter& filter = {}) = 0;
    // The same selection and order as list(), as summaries (`filter.load_keys` plays no part):
    // for showing thousands of certificates quickly. A certificate that list() would refuse for
    // its shape or its file name is refused the same way.
    virtual Result<std::vector<StoredCertificateSummary>> list_summaries(
        const CertificateFilter& filter = {}) = 0;

    // One certificate, with its key when the store has one, by thumbprint or by a unique
    // prefix of at least 8 hex digits (':' separators and upper case are accepted).
    // invalid_argument for a malformed or too short thumbprint and for an ambiguous prefix
    // (listing the matches); not_found when nothing matches.
    virtual Result<StoredCertificate> get(std::string_view thumbprint) = 0;

    // Starts a transaction. `conflict` when another one is open on this store (in this or
    // another process).
    virtual Result<std::unique_ptr<StoreTransaction>> begin() = 0;

    // One-change transactions: each begins, stages one change and commits it.
    Result<StagedChange> add(Certificate certificate, std::optional<Binding> binding = std::nullopt,
                             BindingConflictPolicy policy = BindingConflictPolicy::refuse);
    Result<StagedChange> bind(std::string_view thumbprint, const Binding& purpose,
                              BindingConflictPolicy policy = BindingConflictPolicy::refuse);
    Result<void> unbind(const Binding& purpose);
    // Accepts a unique prefix, as get does.
    Result<void> remove_unused(std::string_view thumbprint);

    // Imports a certificate with its private key from PEM files: `certificate_file` holds the
    // certificate then its chain (and may hold the key too); `key_file`, when given, holds the
    // unencrypted private key. A friendly name in an OpenSSL "Bag Attributes" header is kept.
    // Errors name the file: no certificate (corrupt), no private key (not_found), an encrypted
    // key (unsupported), a key that does not belong to the certificate (invalid_argument),
    // then those of add. The files are read with the
    // process's file system (Env::posix()): they are outside the store.
    Result<StagedChange> import_pem(const std::filesystem::path& certificate_file,
                                    const std::optional<std::filesystem::path>& key_file,
                                    std::optional<Binding> binding = std::nullopt,
                                    BindingConflictPolicy policy = BindingConflictPolicy::refuse);
};

// Reads a certificate and its private key from PEM files through `env`, as import_pem does.
Result<Certificate> read_pem_certificate_with_key(
    Env& env, const std::filesystem::path& certificate_file,
    const std::optional<std::filesystem::path>& key_file);

}  // namespace certbackup
