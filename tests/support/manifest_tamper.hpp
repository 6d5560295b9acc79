// Editing manifest.pb as someone without the password would: change the envelope or the
// Manifest in it and recompute the envelope's unkeyed checksum (docs/FORMAT.md, "Threat
// model"), so that only the MAC can tell. For core tests only: a test executable that loads
// the certificates plugin must not link the manifest's protobuf code a second time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "manifest.pb.h"

namespace certbackup::testing {

// The bytes of a protobuf message.
std::vector<std::uint8_t> serialize(const google::protobuf::MessageLite& message);

// The envelope checksum exactly as docs/FORMAT.md specifies it, written independently of the
// implementation.
std::string documented_envelope_sha256(const proto::ManifestEnvelope& envelope);

// An attacker's edit: `envelope` with its unkeyed checksum recomputed (the MAC is not).
std::vector<std::uint8_t> reseal_unkeyed(proto::ManifestEnvelope envelope);

// manifest.pb with its Manifest changed by `edit`, resealed by reseal_unkeyed: only the MAC
// can tell. Throws when the item does not parse.
std::vector<std::uint8_t> modify_manifest_unkeyed(
    const std::vector<std::uint8_t>& manifest_item,
    const std::function<void(proto::Manifest&)>& edit);

}  // namespace certbackup::testing
