#include "core/pkcs12_pfx_layout.hpp"

#include <array>
#include <string>

namespace certbackup::pkcs12_detail {
namespace {

// OBJECT IDENTIFIER 1.2.840.113549.1.7.1 (id-data) and .6 (id-encryptedData), with their DER
// headers.
constexpr std::array<std::uint8_t, 11> kOidData{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                                0xf7, 0x0d, 0x01, 0x07, 0x01};
constexpr std::array<std::uint8_t, 11> kOidEncryptedData{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                                         0xf7, 0x0d, 0x01, 0x07, 0x06};
// INTEGER 0 (EncryptedData's version) and INTEGER 3 (PFX's version).
constexpr std::array<std::uint8_t, 3> kVersion0{kDerInteger, 0x01, 0x00};
constexpr std::array<std::uint8_t, 3> kVersion3{kDerInteger, 0x01, 0x03};

template <std::size_t N>
void append(std::vector<std::uint8_t>& out, const std::array<std::uint8_t, N>& bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
}

// A data ContentInfo's bytes before an OCTET STRING's contents of `length` bytes.
void append_data_content_info_head(std::vector<std::uint8_t>& out, std::size_t length) {
    const std::size_t octets = der_size(length);
    const std::size_t explicit0 = der_size(octets);
    append_der_header(out, kDerSequence, kOidData.size() + explicit0);
    append(out, kOidData);
    append_der_header(out, kDerExplicit0, octets);
    append_der_header(out, kDerOctetString, length);
}

}  // namespace

std::size_t der_header_size(std::size_t content_length) noexcept {
    std::size_t bytes = 0;
    if (content_length >= 0x80)
        for (std::size_t rest = content_length; rest != 0; rest >>= 8)
            ++bytes;
    return 2 + bytes;
}

void append_der_header(std::vector<std::uint8_t>& out, std::uint8_t tag,
                       std::size_t content_length) {
    out.push_back(tag);
    if (content_length < 0x80) {
        out.push_back(static_cast<std::uint8_t>(content_length));
        return;
    }
    const std::size_t bytes = der_header_size(content_length) - 2;
    out.push_back(static_cast<std::uint8_t>(0x80 | bytes));
    for (std::size_t i = bytes; i > 0; --i)
        out.push_back(static_cast<std::uint8_t>(content_length >> (8 * (i - 1))));
}

std::vector<std::uint8_t> data_safe_head(std::size_t contents_length) {
    std::vector<std::uint8_t> out;
    append_data_content_info_head(out, contents_length);
    return out;
}

std::vector<std::uint8_t> encrypted_safe_head(std::span<const std::uint8_t> algorithm_der,
                                              std::size_t ciphertext_length) {
    // EncryptedContentInfo ::= SEQUENCE { contentType, contentEncryptionAlgorithm,
    //                                     encryptedContent [0] IMPLICIT OCTET STRING }
    const std::size_t content_info =
        kOidData.size() + algorithm_der.size() + der_size(ciphertext_length);
    // EncryptedData ::= SEQUENCE { version, encryptedContentInfo }
    const std::size_t encrypted_data = kVersion0.size() + der_size(content_info);
    const std::size_t explicit0 = der_size(encrypted_data);
    std::vector<std::uint8_t> out;
    append_der_header(out, kDerSequence, kOidEncryptedData.size() + der_size(explicit0));
    append(out, kOidEncryptedData);
    append_der_header(out, kDerExplicit0, explicit0);
    append_der_header(out, kDerSequence, encrypted_data);
    append(out, kVersion0);
    append_der_header(out, kDerSequence, content_info);
    append(out, kOidData);
    out.insert(out.end(), algorithm_der.begin(), algorithm_der.end());
    append_der_header(out, kDerImplicit0, ciphertext_length);
    return out;
}

Result<Pkcs12File> assemble_pfx(Pkcs12File safes, const MacKey& mac_key) {
    const std::size_t safes_length = safes.size();
    // PFX ::= SEQUENCE { version 3, authSafe ContentInfo (data: the AuthenticatedSafe),
    //                    macData }; AuthenticatedSafe ::= SEQUENCE OF ContentInfo
    const std::size_t authenticated_safe = der_size(safes_length);
    if (safes_length > kMaxDerLength - 64)
        return fail(ErrorCode::invalid_argument,
                    "the PKCS#12 contents are too large for one file (" +
                        std::to_string(safes_length) + " bytes)");
    std::vector<std::uint8_t> authenticated_safe_head;
    append_der_header(authenticated_safe_head, kDerSequence, safes_length);
    std::vector<std::span<const std::uint8_t>> covered{authenticated_safe_head};
    covered.insert(covered.end(), safes.pieces().begin(), safes.pieces().end());
    auto mac_data = mac_data_der(mac_key, covered);
    if (!mac_data)
        return std::unexpected(mac_data.error());

    const std::size_t auth_safe_content_info =
        kOidData.size() + der_size(der_size(authenticated_safe));
    std::vector<std::uint8_t> head;
    append_der_header(head, kDerSequence,
                      kVersion3.size() + der_size(auth_safe_content_info) + mac_data->size());
    append(head, kVersion3);
    append_data_content_info_head(head, authenticated_safe);
    head.insert(head.end(), authenticated_safe_head.begin(), authenticated_safe_head.end());
    safes.prepend(std::move(head));
    safes.append(std::move(*mac_data));
    return safes;
}

}  // namespace certbackup::pkcs12_detail

namespace certbackup {

void Pkcs12File::append(std::vector<std::uint8_t> bytes) {
    const std::size_t length = bytes.size();
    append(std::move(bytes), 0, length);
}

void Pkcs12File::append(std::vector<std::uint8_t> bytes, std::size_t offset, std::size_t length) {
    // Moving a vector keeps its buffer where it is, so the span stays valid in buffers_.
    pieces_.push_back(std::span<const std::uint8_t>(bytes).subspan(offset, length));
    buffers_.push_back(std::move(bytes));
}

void Pkcs12File::prepend(std::vector<std::uint8_t> bytes) {
    pieces_.insert(pieces_.begin(), std::span<const std::uint8_t>(bytes));
    buffers_.push_back(std::move(bytes));
}

std::size_t Pkcs12File::size() const noexcept {
    std::size_t total = 0;
    for (const auto piece : pieces_)
        total += piece.size();
    return total;
}

std::vector<std::uint8_t> Pkcs12File::join() && {
    std::vector<std::uint8_t> out;
    out.reserve(size());
    for (const auto piece : pieces_)
        out.insert(out.end(), piece.begin(), piece.end());
    pieces_.clear();
    buffers_.clear();
    return out;
}

}  // namespace certbackup
