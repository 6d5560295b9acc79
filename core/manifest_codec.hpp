// The Manifest inside manifest.pb: SnapshotManifest to protobuf bytes and back
// (docs/FORMAT.md §4). Thread-safe: no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "certbackup/base/error.hpp"
#include "core/snapshot.hpp"

namespace certbackup {

// Text that is not valid UTF-8 (a friendly name from an old PFX, say) is written with U+FFFD
// in place of the bad bytes: protobuf strings must be UTF-8, and these fields are for people.
// The buffer is made once, at the encoding's size plus `spare_capacity` bytes, so that a
// caller that wraps it (seal_manifest: kManifestSealRoom) does so in place.
Result<std::vector<std::uint8_t>> encode_manifest(const SnapshotManifest& manifest,
                                                  std::size_t spare_capacity = 0);

// Parses and checks the invariants of docs/FORMAT.md (known enums, well-formed digests and
// thumbprints, unique certificates, safe payload item names, one digest and size per item).
// A violation is corrupt, naming manifest.pb and what is wrong.
Result<SnapshotManifest> decode_manifest(std::span<const std::uint8_t> bytes);
// The same, freeing `bytes` once parsed, before the manifest is built from the parsed message
// (restore of 10000 certificates: the manifest is about 5 MB, and those three forms of it
// were the largest peak of memory).
Result<SnapshotManifest> decode_manifest(std::vector<std::uint8_t>&& bytes);

}  // namespace certbackup
