// Turns the loose certificates and keys found in a PFX into Certificates (internal to PKCS#12
// import): keys paired with certificates, leaves told apart from chain certificates, chains
// rebuilt by issuer. Knows nothing of passwords or encryption.
//
// Works on the DER the bags hold and hands each Certificate out as soon as it is assembled, so
// that a bundle of thousands never holds them all decoded: OpenSSL 3 decodes the public key of
// every certificate it parses (about 4 KiB and a quarter of a millisecond each), so a
// certificate is decoded only to be handed out or to be tried as an issuer (issuers are kept
// decoded), and each key once, when it is paired.
//
// Those decodes are most of an import's time, so a file of many keys has them made on every
// core, a bounded window ahead of the pairing, which stays in key order on the calling thread:
// each key, and the certificate its localKeyID names, is decoded by a worker; the pairing and
// the hand-outs are the same as one thread would make.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "certbackup/base/error.hpp"
#include "certbackup/base/ossl.hpp"
#include "certbackup/base/secure_buffer.hpp"
#include "core/certificate.hpp"

namespace certbackup::pkcs12_detail {

// A certBag's certificate as the DER the bag holds, with its bag attributes (empty when
// absent).
struct CertificateItem {
    std::vector<std::uint8_t> der;
    std::string friendly_name;
    std::vector<std::uint8_t> local_key_id;
};

// A keyBag's or shrouded key bag's private key as PKCS#8 PrivateKeyInfo DER (decrypted), with
// its bag attributes.
struct KeyItem {
    SecureBuffer pkcs8;
    std::string friendly_name;
    std::vector<std::uint8_t> local_key_id;
};

// Decodes one key's PKCS#8; its errors (corrupt, unsupported) name the file. Called from
// several threads at once when the file has kParallelPairingFrom keys or more.
using KeyDecoder = std::function<Result<ossl::EvpPkeyPtr>(const SecureBuffer& pkcs8)>;

// Receives each assembled certificate and its place among the file's distinct certificates in
// file order, on the calling thread. Its error stops the assembly and is returned.
using AssembledSink = std::function<Result<void>(std::size_t file_index, Certificate certificate)>;

// From this many keys on, keys (and the certificates their localKeyIDs name) are decoded on
// every core, at most kPairingWindow ahead of the key being paired. Fewer keys (a
// per-certificate file holds one) are paired on the calling thread alone, each key decoded
// just before it is paired.
inline constexpr std::size_t kParallelPairingFrom = 32;
inline constexpr std::size_t kPairingWindow = 32;

// Rules:
// - Certificates that occur more than once are one certificate (attributes merged).
// - Keys are taken in file order. Each goes to the certificate with the same localKeyID whose
//   public key it matches, else to the first certificate without a key whose public key it
//   matches (the same SubjectPublicKeyInfo encoding, else the same key once decoded). A second
//   copy of a key already paired is dropped. A key that matches no certificate fails with
//   unsupported: a key without its certificate cannot be represented (or restored) as a
//   certificate.
// - Leaves are the certificates with a key, those with a localKeyID (a producer's mark of an
//   entry, which certbackup also writes for a certificate without a key) and those that issued
//   no other certificate in the file. The others are chain certificates.
// - Each leaf's chain is rebuilt by issuer (X509_check_issued) from all certificates in the
//   file, the leaf's issuer first, up to a self-issued certificate or a missing issuer.
// - A leaf's friendly name is its certBag's, else its key's.
// Order: each certificate with a key is handed out as its key is paired (key order), then the
// leaves without a key in file order. A certificate that is not DER X.509 fails with corrupt
// when it is reached. On an error, what was handed out before it is to be discarded; with
// keys decoded ahead, the error reported is the first in key order among those met.
// `origin` names the file in messages.
Result<void> assemble_certificates(std::vector<CertificateItem> certificates,
                                   std::vector<KeyItem> keys, std::string_view origin,
                                   const KeyDecoder& decode_key, const AssembledSink& sink);

}  // namespace certbackup::pkcs12_detail
