#include "manifest_tamper.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace certbackup::testing {

std::vector<std::uint8_t> serialize(const google::protobuf::MessageLite& message) {
    std::vector<std::uint8_t> out(message.ByteSizeLong());
    message.SerializeToArray(out.data(), static_cast<int>(out.size()));
    return out;
}

// The envelope checksum exactly as docs/FORMAT.md specifies it, written independently of the
// implementation: SHA-256 over the label and fields 1-5, integers as 8-byte big-endian, byte
// strings as 8-byte big-endian length and bytes.
std::string documented_envelope_sha256(const proto::ManifestEnvelope& e) {
    std::string input;
    auto integer = [&](std::uint64_t v) {
        for (int shift = 56; shift >= 0; shift -= 8)
            input.push_back(static_cast<char>((v >> shift) & 0xff));
    };
    auto bytes = [&](const std::string& s) {
        integer(s.size());
        input += s;
    };
    bytes("certbackup v1 envelope");
    integer(e.format_version());
    integer(static_cast<std::uint32_t>(e.kdf().algorithm()));
    bytes(e.kdf().salt());
    integer(e.kdf().iterations());
    bytes(e.password_check());
    bytes(e.manifest());
    bytes(e.mac());
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<char*>(digest), len);
}

// An attacker's edit: change the envelope, then recompute the unkeyed checksum.
std::vector<std::uint8_t> reseal_unkeyed(proto::ManifestEnvelope envelope) {
    envelope.set_envelope_sha256(documented_envelope_sha256(envelope));
    return serialize(envelope);
}

std::vector<std::uint8_t> modify_manifest_unkeyed(
    const std::vector<std::uint8_t>& manifest_item,
    const std::function<void(proto::Manifest&)>& edit) {
    proto::ManifestEnvelope envelope;
    if (!envelope.ParseFromArray(manifest_item.data(), static_cast<int>(manifest_item.size())))
        throw std::runtime_error("manifest.pb does not parse");
    proto::Manifest manifest;
    if (!manifest.ParseFromString(envelope.manifest()))
        throw std::runtime_error("the manifest in manifest.pb does not parse");
    edit(manifest);
    envelope.set_manifest(manifest.SerializeAsString());
    return reseal_unkeyed(envelope);
}

}  // namespace certbackup::testing
