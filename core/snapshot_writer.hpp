// Writes a certificate snapshot (DESIGN §4, docs/FORMAT.md) through an ItemSink: the PFX
// payloads first, then manifest.pb, so that an interrupted write leaves no manifest and is
// never taken for a backup.
#pragma once

#include <cstddef>
#include <future>
#include <optional>
#include <span>
#include <string_view>

#include "certbackup/base/error.hpp"
#include "core/pkcs12.hpp"
#include "core/snapshot.hpp"
#include "core/snapshot_envelope.hpp"
#include "core/snapshot_items.hpp"

namespace certbackup {

// Per-certificate mode: the most PFX files made but not yet written at once (each a few
// kilobytes), so that the memory of a backup does not grow with the number of certificates.
inline constexpr std::size_t kPfxFilesInFlight = 16;

// The key derivations of one write, started before the certificates are read (they need the
// password and fresh salts only): the manifest's master key and, for a bundle, the PFX's
// encryption and MAC keys, each on a thread of its own. Move-only; the password must outlive
// it; one per write.
struct SnapshotWriteKeys {
    std::future<Result<ManifestSealKey>> manifest;
    std::optional<Pkcs12ExportKeys> bundle;  // bundle mode only
};

class SnapshotWriter {
  public:
    explicit SnapshotWriter(SnapshotOptions options, SnapshotHooks hooks = {});

    // Checks the options and the password as write() does and starts the key derivations, so
    // that they run while the caller reads the certificates (a store of thousands takes about
    // as long to read as one derivation).
    Result<SnapshotWriteKeys> start_keys(std::string_view password) const;

    // Plans the snapshot (core/snapshot_plan.hpp), makes the payloads with `password` (UTF-8,
    // not empty) and writes them, always in the plan's order: one bundle with
    // export_pkcs12_bundle, written in the pieces it was made in
    // (ItemSink::write_item_pieces) once it is complete; or one PFX per certificate with
    // export_pkcs12 on `options.threads` threads, each written as soon as it and those before
    // it are made, and freed (at most kPfxFilesInFlight in memory at once). Then it makes the
    // manifest, seals it with the master key derived once, and writes manifest.pb last. (The
    // payloads go out before the manifest is made so that the two are never in memory
    // together.)
    //
    // Failures: the excluded certificates are read before any item is written, and a bundle is
    // complete (every certificate read) before it is written, so that a failure or a cancel
    // before then writes nothing. Per certificate, a failure or a cancel while the files are
    // made stops the write after the files already written. Any failure stops the write
    // before manifest.pb: the snapshot stays incomplete, never taken for a backup (the host
    // also discards a failed job's set). Errors: invalid_argument for bad options or
    // candidates, the PKCS#12 export's error with the certificate named, the sink's error with
    // the item named, cancelled.
    //
    // Thread-safe as a const object; `candidates`' certificates are only read.
    Result<SnapshotSummary> write(std::span<const SnapshotCandidate> candidates,
                                  std::string_view password, ItemSink& sink) const;
    // The same with keys from start_keys() with the same password.
    Result<SnapshotSummary> write(std::span<const SnapshotCandidate> candidates,
                                  std::string_view password, SnapshotWriteKeys keys,
                                  ItemSink& sink) const;

  private:
    SnapshotOptions options_;
    SnapshotHooks hooks_;
};

}  // namespace certbackup
