// Reads a certificate snapshot (DESIGN §4, docs/FORMAT.md) through an ItemSource and checks
// everything: a read succeeds only when every check has passed, and a caller that is handed
// certificates as they come (read_each) discards them on an error.
//
// Order of checks: open() - manifest.pb's envelope, format version, envelope checksum, password,
// MAC, manifest invariants; verify_payloads() - size and SHA-256 of every payload item named in
// the manifest; read_each() / read_certificates() - each payload opened with the password and
// matched against its manifest entries. Any failed check returns its error and nothing else.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "certbackup/base/error.hpp"
#include "certbackup/base/secure_buffer.hpp"
#include "core/snapshot.hpp"
#include "core/snapshot_items.hpp"

namespace certbackup {

// A certificate read back from a snapshot, with what the manifest says about it (bindings,
// kind, facts).
struct RestoredCertificate {
    ManifestEntry entry;
    Certificate certificate;
};

// Chooses manifest entries to read; an empty filter chooses all.
using EntryFilter = std::function<bool(const ManifestEntry&)>;

// Move-only. Keeps a reference to the source (which must outlive it) and a copy of the password
// (wiped on destruction) for opening the payloads. Not thread-safe; uses worker threads inside.
class SnapshotReader {
  public:
    // Reads manifest.pb and checks, in this order (docs/FORMAT.md §6):
    //   missing manifest.pb                          -> not_found ("incomplete snapshot")
    //   not an envelope / no format version          -> corrupt
    //   format version other than 1                  -> unsupported, naming both versions
    //   envelope checksum mismatch (damage)          -> corrupt ("damaged")
    //   password check mismatch                      -> wrong_password
    //   MAC mismatch (a deliberate change)           -> corrupt ("has been modified")
    //   manifest invariants                          -> corrupt
    // Derives the master key exactly once. `threads` (0: one per core) is used to open
    // per-certificate payloads in parallel.
    static Result<SnapshotReader> open(ItemSource& source, std::string_view password,
                                       unsigned threads = 0);

    // The manifest of a snapshot WITHOUT the password: damage is detected, but the contents
    // are not authenticated (anyone who can write the backup can write one that passes).
    // For listing what a backup holds before the password is at hand; never for restoring.
    static Result<SnapshotManifest> read_manifest_unauthenticated(ItemSource& source);

    // Authenticated by open().
    const SnapshotManifest& manifest() const noexcept { return manifest_; }

    // Reads every payload item named in the manifest and checks its size and SHA-256:
    // missing -> not_found naming the item; other size or digest -> corrupt naming it. Keeps
    // nothing: read_each checks each payload itself as it reads it, so what it opens is exactly
    // what was checked; this is for a caller that checks a backup without opening it.
    Result<void> verify_payloads();

    // Receives one checked certificate of a chosen entry: the entry's place in
    // manifest().entries, and the certificate as its payload holds it with the chain the
    // manifest records. Called once for each chosen entry, always on the thread that called
    // read_each: a bundle's certificates in the order its PFX holds them, per-certificate
    // payloads' in payload order (opened on worker threads meanwhile). Its error stops the
    // read and is returned.
    using CertificateSink = std::function<Result<void>(std::size_t entry_index, Certificate)>;

    // Reads every payload item named in the manifest once and checks its size and SHA-256 (as
    // verify_payloads does); each payload holding a chosen entry it then opens with the password
    // and checks it against the manifest: each entry's certificate is in its payload, with a
    // private key that matches it exactly when the entry says so, with the recorded SHA-1
    // thumbprint, and the payload holds no other certificate with a key. (Chains are not compared:
    // a bundle shares its issuers, so a rebuilt chain may be longer.) Each chosen certificate goes
    // to `sink` as soon as it is checked, and each payload is dropped once decoded, so that
    // thousands of certificates are never held decoded (or as files) at once; the read succeeds
    // only once every payload is checked whole, so on an error whatever the sink received is to be
    // discarded. A payload that does not open with the password that authenticated the manifest is
    // corrupt (not wrong_password). `hooks` can cancel (between payloads) and report progress in
    // certificates: per payload opened in per-certificate mode, and as they are checked for a
    // bundle.
    Result<void> read_each(const EntryFilter& select, const SnapshotHooks& hooks,
                           const CertificateSink& sink);

    // read_each, collecting the chosen entries' certificates in manifest order (with copies of
    // their entries), or an error and nothing. For a few certificates; a restore of thousands
    // encodes each as it comes (read_each).
    Result<std::vector<RestoredCertificate>> read_certificates(const EntryFilter& select = {},
                                                               const SnapshotHooks& hooks = {});

    // Ends the reader and gives back its manifest without the entries: what a restore of
    // thousands reports about the snapshot once it has read the certificates, without holding
    // every entry while it writes the store.
    SnapshotManifest release_manifest_without_entries() &&;

  private:
    SnapshotReader(ItemSource& source, Password password, SnapshotManifest manifest,
                   unsigned threads);

    ItemSource* source_;
    Password password_;
    SnapshotManifest manifest_;
    unsigned threads_;
};

}  // namespace certbackup
