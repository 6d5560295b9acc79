// The compat profile's encryption of the certificates' safe: PKCS#12 PBE
// pbeWithSHAAnd3-KeyTripleDES-CBC (RFC 7292 appendix B and C) applied to the SafeContents in
// the buffer it was built in (internal to PKCS#12 export).
//
// Why: OpenSSL encrypts a safe only from a stack of decoded bag objects
// (PKCS12_pack_p7encdata), so a compat bundle of 10000 certificates was decoded back into
// tens of ASN.1 objects per bag, encrypted into a second buffer, copied into an ASN.1 string
// and encoded a third time. Here the key and IV come from OpenSSL's PBE (the same
// EVP_PBE_CipherInit that PKCS12_pack_p7encdata runs, so the same bytes for the same salt) and
// the buffer is encrypted where it is; the file's layout writes the EncryptedData around it
// (pkcs12_pfx_layout.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "certbackup/base/error.hpp"
#include "core/pkcs12_algorithms.hpp"

namespace certbackup::pkcs12_detail {

// Block size of 3DES: in-place encryption adds 1 to 8 bytes of padding.
inline constexpr std::size_t kTripleDesBlock = 8;

// Encrypts `buffer[offset, end)` in place with pbeWithSHAAnd3-KeyTripleDES-CBC under
// `password`, a fresh random salt of `salt_length` bytes and `iterations`; `buffer` grows by
// the padding (reserve kTripleDesBlock bytes, or it moves). Returns the DER of the
// AlgorithmIdentifier (the PBE OID with its salt and iteration count) for the safe. Fails with
// invalid_argument when the contents are too large for one EVP call, io when OpenSSL fails.
Result<std::vector<std::uint8_t>> encrypt_in_place_triple_des_pbe(std::vector<std::uint8_t>& buffer,
                                                                  std::size_t offset,
                                                                  const PasswordArg& password,
                                                                  int salt_length, int iterations);

}  // namespace certbackup::pkcs12_detail
