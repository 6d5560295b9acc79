// Importing certificates into a store: the one code path behind the plugin's restore and its
// `import` action (DESIGN §2: restore is import).
//
// Every candidate is staged in one transaction and checked against the store first; the
// transaction is committed only when nothing conflicts, so a restore changes all or nothing.
// A dry run plans the same way and commits nothing.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "certbackup/base/error.hpp"
#include "core/binding.hpp"
#include "core/certificate.hpp"
#include "core/certificate_store.hpp"
#include "core/encoded_certificate.hpp"

namespace certbackup {

enum class OverwritePolicy {
    skip,     // an identical certificate is skipped; a purpose held by another certificate
              // is a conflict that stops the import before any change
    replace,  // a purpose held by another certificate moves to the imported one
};

std::string_view to_string(OverwritePolicy policy) noexcept;
// "skip" / "replace"; the error names the value and the accepted ones.
Result<OverwritePolicy> parse_overwrite_policy(std::string_view text);

// One certificate to import, encoded (encode_certificate): a restore of thousands holds them
// all until the transaction has staged them.
struct ImportCandidate {
    EncodedCertificate certificate;
    std::vector<Binding> bindings;  // purposes to give it; empty: imported unused
};

// What an import does (or, in a dry run, would do) with one certificate.
struct ImportAction {
    enum class Kind {
        create,    // the store did not hold the certificate
        add_key,   // the store held it without its private key
        skip,      // identical certificate, every purpose already its own: nothing to do
        bind,      // the certificate was there; at least one purpose is added to it
        replace,   // at least one purpose moves from another certificate (overwrite replace)
        conflict,  // a purpose is held by another certificate (overwrite skip): nothing changes
    };
    Kind kind = Kind::skip;
    std::string thumbprint;  // SHA-256 hex
    std::string subject;
    std::vector<Binding> bindings;
    // For replace and conflict: "database/db1 held by <thumbprint>" per purpose.
    std::vector<std::string> details;
};

std::string_view to_string(ImportAction::Kind kind) noexcept;

struct ImportOptions {
    OverwritePolicy overwrite = OverwritePolicy::skip;
    bool dry_run = false;
    // Asked before each certificate is staged and right before the commit; true stops the
    // import with a `cancelled` error and nothing changed. Unset: never cancelled.
    std::function<bool()> cancelled;
    // Called with (done, total) certificates: after each candidate is staged, and from 0 of N
    // before the commit to N of N after it, as it writes and moves their files (the share of
    // the files done, in certificates). Unset: none.
    std::function<void(std::size_t done, std::size_t total)> staging_progress;
    std::function<void(std::size_t done, std::size_t total)> commit_progress;
};

struct ImportReport {
    std::vector<ImportAction> actions;  // in candidate order
    bool committed = false;             // false for a dry run, a conflict, or nothing to do
    std::size_t count(ImportAction::Kind kind) const;
};

// Plans and (unless dry_run) commits. With conflicts (overwrite skip) it returns a `conflict`
// error whose message names each purpose and both certificates, and changes nothing; in a dry
// run conflicts are reported in the plan instead, and the result is the plan. Other errors
// (store, I/O) also leave the store unchanged.
Result<ImportReport> import_certificates(CertificateStore& store,
                                         std::vector<ImportCandidate> candidates,
                                         const ImportOptions& options);

// The plan of an import into a store that does not exist yet: every candidate is created.
// For a dry run, which creates no store.
ImportReport plan_into_new_store(const std::vector<ImportCandidate>& candidates);

}  // namespace certbackup
