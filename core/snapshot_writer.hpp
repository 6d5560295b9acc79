// Writes a certificate snapshot (DESIGN §4, docs/FORMAT.md) through an ItemSink: the PFX
// payloads first, then manifest.pb, so that an interrupted write leaves no manifest and is
// never taken for a backup.
#pragma once

#include <span>
#include <string_view>

#include "certbackup/base/error.hpp"
#include "core/snapshot.hpp"
#include "core/snapshot_items.hpp"

namespace certbackup {

class SnapshotWriter {
  public:
    explicit SnapshotWriter(SnapshotOptions options, SnapshotHooks hooks = {});

    // Plans the snapshot (core/snapshot_plan.hpp), makes the payloads with `password` (UTF-8,
    // not empty): one bundle with export_pkcs12_bundle, or one PFX per certificate with
    // export_pkcs12 on `options.threads` threads, always in the plan's order; then derives the
    // manifest's master key once and seals the manifest; then writes every payload item and
    // manifest.pb last.
    //
    // All PFX files are made before the first item is written, so a failure or a cancel while
    // making them writes nothing. A sink failure stops the write before manifest.pb (the
    // snapshot stays incomplete). Errors: invalid_argument for bad options or candidates, the
    // PKCS#12 export's error with the certificate named, the sink's error with the item named,
    // cancelled.
    //
    // Thread-safe as a const object; `candidates`' certificates are only read.
    Result<SnapshotSummary> write(std::span<const SnapshotCandidate> candidates,
                                  std::string_view password, ItemSink& sink) const;

  private:
    SnapshotOptions options_;
    SnapshotHooks hooks_;
};

}  // namespace certbackup
