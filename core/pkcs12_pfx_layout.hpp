// The outer DER structures of a PFX (RFC 7292 §4, RFC 2315), written by hand around contents
// that stay where they were built (internal to PKCS#12 export).
//
// Why: assembled through OpenSSL's PKCS12 and PKCS7 objects, a bundle of 10000 certificates is
// held several times over (the SafeContents, the ciphertext and its ASN.1 copy, the
// AuthenticatedSafe inside the PKCS12 object, its encoding), each the size of the file. Here
// every length is computed first and only the headers are new bytes: the file is the headers
// and the buffers the safes were built in (Pkcs12File), the MAC computed over those pieces.
// The bytes are what i2d_PKCS12 writes for the same structures (pkcs12_test checks that a
// decode and re-encode by OpenSSL gives the same bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "certbackup/base/error.hpp"
#include "core/pkcs12.hpp"
#include "core/pkcs12_algorithms.hpp"
#include "core/pkcs12_mac.hpp"

namespace certbackup::pkcs12_detail {

inline constexpr std::uint8_t kDerInteger = 0x02;
inline constexpr std::uint8_t kDerOctetString = 0x04;
inline constexpr std::uint8_t kDerSequence = 0x30;
inline constexpr std::uint8_t kDerExplicit0 = 0xa0;  // [0], constructed
inline constexpr std::uint8_t kDerImplicit0 = 0x80;  // [0] IMPLICIT of a primitive type

// The largest content length a header here encodes (four length bytes); items of a snapshot
// are far smaller (1 GiB at most).
inline constexpr std::size_t kMaxDerLength = 0xffffffffu;

// Size of the DER header (tag and definite length, minimal form) of `content_length` bytes.
std::size_t der_header_size(std::size_t content_length) noexcept;
// Header and contents.
inline std::size_t der_size(std::size_t content_length) noexcept {
    return der_header_size(content_length) + content_length;
}
// Appends the header. `content_length` must not exceed kMaxDerLength.
void append_der_header(std::vector<std::uint8_t>& out, std::uint8_t tag,
                       std::size_t content_length);

// The DER of a small OpenSSL object through its i2d function.
template <typename T>
Result<std::vector<std::uint8_t>> der_of(const T* object, int (*i2d)(const T*, unsigned char**)) {
    const int length = i2d(object, nullptr);
    std::vector<std::uint8_t> out(length > 0 ? static_cast<std::size_t>(length) : 0);
    unsigned char* p = out.data();
    if (length <= 0 || i2d(object, &p) != length)
        return std::unexpected(export_failure("encoding a PKCS#12 structure"));
    return out;
}

// A Data ContentInfo around `contents_length` bytes of SafeContents: its DER up to those
// contents (SEQUENCE, OID data, [0], OCTET STRING headers).
std::vector<std::uint8_t> data_safe_head(std::size_t contents_length);

// An EncryptedData ContentInfo (version 0, content type data, `algorithm_der` the DER of the
// content-encryption AlgorithmIdentifier) around `ciphertext_length` bytes of ciphertext: its
// DER up to the ciphertext, as PKCS12_pack_p7encdata and i2d_PKCS7 write it.
std::vector<std::uint8_t> encrypted_safe_head(std::span<const std::uint8_t> algorithm_der,
                                              std::size_t ciphertext_length);

// The PFX around `safes` (the ContentInfos of the AuthenticatedSafe, in order, as pieces): the
// version 3 header and the AuthenticatedSafe in front, the MacData under `mac_key` after.
// Fails with invalid_argument when the contents are too large for one file.
Result<Pkcs12File> assemble_pfx(Pkcs12File safes, const MacKey& mac_key);

}  // namespace certbackup::pkcs12_detail
