// manifest.pb as a reader meets it before the password is known: the envelope's checks 1 to 4
// (format, version, envelope digest, KDF bounds), then the Manifest it carries; and the Manifest
// decoder on raw bytes, as it runs after authentication.
#include "core/manifest_codec.hpp"
#include "core/snapshot_envelope.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace certbackup;
    if (auto manifest = open_manifest_unauthenticated(fuzzing::bytes(data, size)))
        (void)decode_manifest(*manifest);
    (void)decode_manifest(fuzzing::bytes(data, size));
    return 0;
}
