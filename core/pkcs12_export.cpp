// PKCS#12 export (DESIGN §4).
//
// File layout, chosen for the peers we must reach (OpenSSL, GnuTLS, NSS, Windows):
//   modern: AuthenticatedSafe = [ EncryptedData(PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC) {
//               certBag(leaf) ... certBag(chain, each once) ... keyBag(PKCS#8) ... } ]
//           One encrypted safe holds keys and certificates, so opening the file costs one
//           PBKDF2 plus the MAC's key derivation however many certificates it holds. The keys
//           are plain keyBags inside that safe (encrypted once, with the safe), not shrouded
//           bags, which would cost one PBKDF2 each. Certificates share the safe rather than
//           getting a second one, which would only add a second PBKDF2: OpenSSL, GnuTLS and
//           NSS read both bag types from any safe (pkcs12_interop_test). Windows is not
//           tested here. Known limit: Java's PKCS12 keystore (keytool, JDK 17) skips plain
//           keyBags and sees no keys in a modern file; it reads compat files.
//   compat: AuthenticatedSafe = [ EncryptedData(pbeWithSHAAnd3-KeyTripleDES-CBC) { certBags },
//                                 Data { pkcs8ShroudedKeyBag(3DES) per key } ]
//           The shape Windows writes (shrouded keys in a plain safe, certificates in an
//           encrypted one), with 3DES throughout so that no peer needs RC2.
// Both: HMAC over the AuthenticatedSafe (SHA-256 or SHA-1), 16-byte random salts everywhere,
// the profile's iteration count for encryption and MAC. Each entry's leaf certBag and keyBag
// carry friendlyName (when set) and localKeyID = SHA-1 of the leaf's DER; chain certificates
// carry no attributes. A leaf without a key still gets its localKeyID: it marks the certificate
// as an entry of the file rather than a chain certificate (import relies on this).
//
// Secrets: the PKCS#8 keys live in OpenSSL objects that wipe themselves when freed, and
// OpenSSL wipes its plaintext buffer after encrypting a safe. The password is only borrowed.
#include <unordered_set>

#include "core/pkcs12.hpp"
#include "core/pkcs12_algorithms.hpp"
#include "core/unicode_text.hpp"

namespace certbackup {
namespace {

using pkcs12_detail::PasswordArg;

constexpr int kSaltLength = 16;

Error openssl_failure(const std::string& what) {
    return Error{ErrorCode::io,
                 "PKCS#12 export failed while " + what + ": " + ossl::drain_errors()};
}

// The bags of one PFX, owned until they are packed into safes.
struct Bags {
    ossl::Pkcs12SafeBagStackPtr certificates{sk_PKCS12_SAFEBAG_new_null()};
    ossl::Pkcs12SafeBagStackPtr keys{sk_PKCS12_SAFEBAG_new_null()};
    std::unordered_set<std::string> written_certificates;  // SHA-256 hex of each certBag
};

Result<void> push(STACK_OF(PKCS12_SAFEBAG) * stack, ossl::Pkcs12SafeBagPtr bag) {
    if (sk_PKCS12_SAFEBAG_push(stack, bag.get()) <= 0)
        return std::unexpected(openssl_failure("collecting bags"));
    bag.release();  // the stack owns it now
    return {};
}

// friendlyName as a BMPString that we encode ourselves (UTF-16BE, surrogate pairs beyond
// U+FFFF, as Windows writes them), so that every name is written and written the same on every
// OpenSSL: PKCS12_add_friendlyname_utf8 refuses characters beyond U+FFFF. A name with invalid
// UTF-8 or control characters (from an older store) is written cleaned, never refused.
Result<void> add_friendly_name(PKCS12_SAFEBAG* bag, const std::string& friendly_name) {
    const std::string clean = clean_friendly_name(friendly_name).text;
    if (clean.empty())
        return {};
    const std::vector<std::uint8_t> bmp = utf8_to_utf16be(clean);
    if (PKCS12_add1_attr_by_NID(bag, NID_friendlyName, V_ASN1_BMPSTRING, bmp.data(),
                                static_cast<int>(bmp.size())) != 1)
        return std::unexpected(openssl_failure("adding the friendly name '" + clean + "'"));
    return {};
}

Result<void> add_entry_attributes(PKCS12_SAFEBAG* bag, const std::string& friendly_name,
                                  std::vector<std::uint8_t>& local_key_id) {
    if (auto r = add_friendly_name(bag, friendly_name); !r)
        return r;
    if (PKCS12_add_localkeyid(bag, local_key_id.data(), static_cast<int>(local_key_id.size())) != 1)
        return std::unexpected(openssl_failure("adding a localKeyID"));
    return {};
}

Result<ossl::Pkcs12SafeBagPtr> key_bag(const Certificate& certificate, const PasswordArg& password,
                                       const Pkcs12Profile& profile) {
    ossl::Pkcs8PrivKeyInfoPtr pkcs8(EVP_PKEY2PKCS8(certificate.key()));
    if (!pkcs8)
        return fail(ErrorCode::unsupported, "the private key of certificate " +
                                                certificate.sha256_hex() +
                                                " cannot be exported as PKCS#8 (is it held in "
                                                "hardware?): " +
                                                ossl::drain_errors());
    if (profile.name == Pkcs12ProfileName::modern) {
        // A plain keyBag: it is encrypted with the safe it is put in.
        ossl::Pkcs12SafeBagPtr bag(PKCS12_SAFEBAG_create0_p8inf(pkcs8.get()));
        if (!bag)
            return std::unexpected(openssl_failure("making a key bag"));
        pkcs8.release();  // the bag owns it now (and wipes it when freed)
        return bag;
    }
    ossl::Pkcs12SafeBagPtr bag(PKCS12_SAFEBAG_create_pkcs8_encrypt_ex(
        NID_pbe_WithSHA1And3_Key_TripleDES_CBC, password.data, password.size, nullptr, kSaltLength,
        profile.iterations, pkcs8.get(), nullptr, nullptr));
    if (!bag)
        return std::unexpected(openssl_failure("encrypting a private key with 3DES"));
    return bag;
}

Result<void> add_certificate(Bags& bags, X509* certificate) {
    ossl::Pkcs12SafeBagPtr bag(PKCS12_SAFEBAG_create_cert(certificate));
    if (!bag)
        return std::unexpected(openssl_failure("making a certificate bag"));
    bags.written_certificates.insert(sha256_hex_of(certificate));
    return push(bags.certificates.get(), std::move(bag));
}

Result<void> add_entry(Bags& bags, const Certificate& certificate, const PasswordArg& password,
                       const Pkcs12Profile& profile) {
    std::vector<std::uint8_t> local_key_id = ossl::sha1(certificate.der());
    ossl::Pkcs12SafeBagPtr bag(PKCS12_SAFEBAG_create_cert(certificate.leaf()));
    if (!bag)
        return std::unexpected(openssl_failure("making a certificate bag"));
    if (auto r = add_entry_attributes(bag.get(), certificate.friendly_name(), local_key_id); !r)
        return r;
    bags.written_certificates.insert(certificate.sha256_hex());
    if (auto r = push(bags.certificates.get(), std::move(bag)); !r)
        return r;
    if (!certificate.has_key())
        return {};
    auto key = key_bag(certificate, password, profile);
    if (!key)
        return std::unexpected(key.error());
    if (auto r = add_entry_attributes(key->get(), certificate.friendly_name(), local_key_id); !r)
        return r;
    return push(bags.keys.get(), std::move(*key));
}

Result<void> add_encrypted_safe(STACK_OF(PKCS7) * safes, int pbe_nid,
                                STACK_OF(PKCS12_SAFEBAG) * bags, const PasswordArg& password,
                                int iterations) {
    ossl::Pkcs7Ptr safe(PKCS12_pack_p7encdata_ex(pbe_nid, password.data, password.size, nullptr,
                                                 kSaltLength, iterations, bags, nullptr, nullptr));
    if (!safe || sk_PKCS7_push(safes, safe.get()) <= 0)
        return std::unexpected(openssl_failure("encrypting the certificates and keys"));
    safe.release();  // the stack owns it now
    return {};
}

Result<void> add_plain_safe(STACK_OF(PKCS7) * safes, STACK_OF(PKCS12_SAFEBAG) * bags) {
    ossl::Pkcs7Ptr safe(PKCS12_pack_p7data(bags));
    if (!safe || sk_PKCS7_push(safes, safe.get()) <= 0)
        return std::unexpected(openssl_failure("packing the key bags"));
    safe.release();
    return {};
}

// Moves every bag of `from` to the end of `to`.
Result<void> append_bags(STACK_OF(PKCS12_SAFEBAG) * to, STACK_OF(PKCS12_SAFEBAG) * from) {
    while (sk_PKCS12_SAFEBAG_num(from) > 0) {
        ossl::Pkcs12SafeBagPtr bag(sk_PKCS12_SAFEBAG_shift(from));
        if (auto r = push(to, std::move(bag)); !r)
            return r;
    }
    return {};
}

Result<std::vector<std::uint8_t>> encode_pfx(Bags& bags, const PasswordArg& password,
                                             const Pkcs12Profile& profile) {
    ossl::Pkcs7StackPtr safes(sk_PKCS7_new_null());
    if (!safes)
        return std::unexpected(openssl_failure("allocating"));
    const EVP_MD* mac_digest = nullptr;
    if (profile.name == Pkcs12ProfileName::modern) {
        if (auto r = append_bags(bags.certificates.get(), bags.keys.get()); !r)
            return std::unexpected(r.error());
        if (auto r = add_encrypted_safe(safes.get(), NID_aes_256_cbc, bags.certificates.get(),
                                        password, profile.iterations);
            !r)
            return std::unexpected(r.error());
        mac_digest = EVP_sha256();
    } else {
        if (auto r = add_encrypted_safe(safes.get(), NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
                                        bags.certificates.get(), password, profile.iterations);
            !r)
            return std::unexpected(r.error());
        if (sk_PKCS12_SAFEBAG_num(bags.keys.get()) > 0) {
            if (auto r = add_plain_safe(safes.get(), bags.keys.get()); !r)
                return std::unexpected(r.error());
        }
        mac_digest = EVP_sha1();
    }
    ossl::Pkcs12Ptr pfx(PKCS12_add_safes_ex(safes.get(), 0, nullptr, nullptr));
    if (!pfx)
        return std::unexpected(openssl_failure("assembling the PFX"));
    if (PKCS12_set_mac(pfx.get(), password.data, password.size, nullptr, kSaltLength,
                       profile.iterations, mac_digest) != 1)
        return std::unexpected(openssl_failure("computing the MAC"));
    unsigned char* der = nullptr;
    const int length = i2d_PKCS12(pfx.get(), &der);
    if (length <= 0)
        return std::unexpected(openssl_failure("encoding the PFX"));
    ossl::OpenSslBytePtr owned(der);
    return std::vector<std::uint8_t>(der, der + length);
}

Result<void> check_profile(const Pkcs12Profile& profile) {
    if (!pkcs12_detail::valid_iterations(profile.iterations))
        return fail(ErrorCode::invalid_argument,
                    "PKCS#12 iteration count " + std::to_string(profile.iterations) +
                        " is out of range " + pkcs12_detail::iteration_range_text());
    return {};
}

}  // namespace

Result<std::vector<std::uint8_t>> export_pkcs12(const Certificate& certificate,
                                                std::string_view password,
                                                const Pkcs12Profile& profile) {
    const Certificate* entries[] = {&certificate};
    return export_pkcs12_bundle(entries, password, profile);
}

Result<std::vector<std::uint8_t>> export_pkcs12_bundle(
    std::span<const Certificate* const> certificates, std::string_view password,
    const Pkcs12Profile& profile) {
    if (auto r = check_profile(profile); !r)
        return std::unexpected(r.error());
    auto password_arg = pkcs12_detail::password_arg(password);
    if (!password_arg)
        return std::unexpected(password_arg.error());
    if (certificates.empty())
        return fail(ErrorCode::invalid_argument, "no certificates to export to PKCS#12");

    Bags bags;
    if (!bags.certificates || !bags.keys)
        return std::unexpected(openssl_failure("allocating"));
    // Leaves first, so that a certificate that is an entry and also in another entry's chain is
    // written once, as an entry with its attributes.
    for (const Certificate* certificate : certificates) {
        if (certificate == nullptr)
            return fail(ErrorCode::invalid_argument, "a null certificate was given for export");
        if (bags.written_certificates.contains(certificate->sha256_hex()))
            return fail(ErrorCode::invalid_argument,
                        "certificate " + certificate->sha256_hex() +
                            " is given twice for one PKCS#12 bundle; give each certificate once");
        if (auto r = add_entry(bags, *certificate, *password_arg, profile); !r)
            return std::unexpected(r.error());
    }
    for (const Certificate* certificate : certificates) {
        for (const auto& issuer : certificate->chain()) {
            if (bags.written_certificates.contains(sha256_hex_of(issuer.get())))
                continue;
            if (auto r = add_certificate(bags, issuer.get()); !r)
                return std::unexpected(r.error());
        }
    }
    return encode_pfx(bags, *password_arg, profile);
}

}  // namespace certbackup
