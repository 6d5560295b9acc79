// Turns the loose certificates and keys found in a PFX into Certificates (internal to PKCS#12
// import): keys paired with certificates, leaves told apart from chain certificates, chains
// rebuilt by issuer. Knows nothing of passwords or encryption.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "certbackup/base/error.hpp"
#include "certbackup/base/ossl.hpp"
#include "core/certificate.hpp"

namespace certbackup::pkcs12_detail {

// A certBag's certificate with its bag attributes (empty when absent).
struct CertificateItem {
    ossl::X509Ptr certificate;
    std::string friendly_name;
    std::vector<std::uint8_t> local_key_id;
};

// A keyBag's or shrouded key bag's private key with its bag attributes.
struct KeyItem {
    ossl::EvpPkeyPtr key;
    std::string friendly_name;
    std::vector<std::uint8_t> local_key_id;
};

// Rules, in file order:
// - Certificates that occur more than once are one certificate (attributes merged).
// - Each key goes to the certificate with the same localKeyID whose public key it matches,
//   else to the first certificate without a key whose public key it matches. A second copy of
//   a key already paired is dropped. A key that matches no certificate fails with unsupported:
//   a key without its certificate cannot be represented (or restored) as a certificate.
// - Leaves are the certificates with a key, those with a localKeyID (a producer's mark of an
//   entry, which certbackup also writes for a certificate without a key) and those that issued
//   no other certificate in the file. The others are chain certificates.
// - Each leaf's chain is rebuilt by issuer (X509_check_issued) from all certificates in the
//   file, the leaf's issuer first, up to a self-issued certificate or a missing issuer.
// - A leaf's friendly name is its certBag's, else its key's.
// `origin` names the file in messages.
Result<std::vector<Certificate>> assemble_certificates(std::vector<CertificateItem> certificates,
                                                       std::vector<KeyItem> keys,
                                                       std::string_view origin);

}  // namespace certbackup::pkcs12_detail
