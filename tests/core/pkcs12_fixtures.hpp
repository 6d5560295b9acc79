// Certificates and file helpers shared by the PKCS#12 unit and interop tests. Every key is
// generated in the test; nothing here is a committed secret.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/pem.h>

#include "certificate_factory.hpp"
#include "core/certificate.hpp"
#include "core/pkcs12.hpp"

namespace certbackup::pkcs12_testing {

// Low enough to keep tests fast; the default 600000 is tested on its own.
inline constexpr int kTestIterations = 1000;

inline constexpr std::string_view kAsciiPassword = "correct horse 42";
// Umlauts (2-byte UTF-8) and CJK (3-byte UTF-8): BMPString and PBKDF2 conversions differ here.
inline constexpr std::string_view kNonAsciiPassword =
    "p\xC3\xA4ssw\xC3\xB6rd-\xE6\x97\xA5\xE6\x9C\xAC";

// The value of a Result, or an exception that fails the test with the error's message.
template <typename T>
T must(Result<T> result, std::string_view what) {
    if (!result)
        throw std::runtime_error(std::string(what) + ": " + result.error().message);
    return std::move(*result);
}

inline Certificate make_ca(const std::string& common_name, const Certificate* issuer = nullptr) {
    samples::CertificateSpec spec;
    spec.common_name = common_name;
    spec.is_ca = true;
    return must(samples::make_certificate(spec, issuer), "make CA " + common_name);
}

inline Certificate make_leaf(const std::string& common_name, const Certificate* issuer,
                             const std::string& friendly_name = {},
                             samples::KeyType key_type = samples::KeyType::ec_p256) {
    samples::CertificateSpec spec;
    spec.common_name = common_name;
    spec.key_type = key_type;
    spec.friendly_name = friendly_name;
    spec.dns_names = {common_name};
    return must(samples::make_certificate(spec, issuer), "make leaf " + common_name);
}

// The certificate alone, without its key.
inline Certificate without_key(const Certificate& certificate) {
    std::vector<ossl::X509Ptr> chain;
    for (const auto& issuer : certificate.chain()) {
        X509_up_ref(issuer.get());
        chain.emplace_back(issuer.get());
    }
    X509_up_ref(certificate.leaf());
    return must(Certificate::create(ossl::X509Ptr(certificate.leaf()), nullptr, std::move(chain),
                                    certificate.friendly_name()),
                "strip key");
}

// One certificate as PEM (Certificate::certificate_pem() adds the chain).
inline std::string pem_of(X509* certificate) {
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), certificate);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

inline std::vector<std::string> chain_digests(const Certificate& certificate) {
    std::vector<std::string> out;
    for (const auto& issuer : certificate.chain())
        out.push_back(sha256_hex_of(issuer.get()));
    return out;
}

inline std::vector<std::uint8_t> bytes_of(std::string_view text) {
    return std::vector<std::uint8_t>(text.begin(), text.end());
}

inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out)
        throw std::runtime_error("cannot write " + path.string());
}

inline void write_file(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
    write_file(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

inline std::vector<std::uint8_t> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path.string());
    return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// A PFX in the modern layout of certbackup 0.1.0, before the standard one: every entry's
// certBag, each chain certificate once, and a plain keyBag per key, all in one AES-256
// encrypted safe (PBES2, PBKDF2-HMAC-SHA256), with a SHA-256 MAC; friendlyName and localKeyID
// (SHA-1 of the certificate) on entries. Made with OpenSSL's API as that writer made it, so that
// tests can keep such files without committing one (it would hold keys). `edit_key`, when
// given, changes each key's PrivateKeyInfo before it goes into its bag.
inline std::vector<std::uint8_t> old_modern_layout_pfx(
    std::span<const Certificate* const> entries, std::string_view password, int iterations,
    const std::function<void(PKCS8_PRIV_KEY_INFO*)>& edit_key = {}) {
    ossl::Pkcs12SafeBagStackPtr bags(sk_PKCS12_SAFEBAG_new_null());
    auto push_entry_bag = [&](PKCS12_SAFEBAG* bag, const Certificate& entry) {
        if (!entry.friendly_name().empty())
            PKCS12_add_friendlyname_utf8(bag, entry.friendly_name().c_str(), -1);
        std::vector<std::uint8_t> id = ossl::sha1(entry.der());
        PKCS12_add_localkeyid(bag, id.data(), static_cast<int>(id.size()));
        sk_PKCS12_SAFEBAG_push(bags.get(), bag);
    };
    std::set<std::string> written;
    for (const Certificate* entry : entries) {
        push_entry_bag(PKCS12_SAFEBAG_create_cert(entry->leaf()), *entry);
        written.insert(entry->sha256_hex());
    }
    for (const Certificate* entry : entries)
        for (const auto& issuer : entry->chain())
            if (written.insert(sha256_hex_of(issuer.get())).second)
                sk_PKCS12_SAFEBAG_push(bags.get(), PKCS12_SAFEBAG_create_cert(issuer.get()));
    for (const Certificate* entry : entries)
        if (entry->has_key()) {
            PKCS8_PRIV_KEY_INFO* pkcs8 = EVP_PKEY2PKCS8(entry->key());
            if (edit_key)
                edit_key(pkcs8);
            push_entry_bag(PKCS12_SAFEBAG_create0_p8inf(pkcs8), *entry);
        }
    const std::string pass(password);
    ossl::Pkcs7StackPtr safes(sk_PKCS7_new_null());
    sk_PKCS7_push(safes.get(),
                  PKCS12_pack_p7encdata_ex(NID_aes_256_cbc, pass.c_str(), -1, nullptr, 16,
                                           iterations, bags.get(), nullptr, nullptr));
    ossl::Pkcs12Ptr p12(PKCS12_add_safes_ex(safes.get(), 0, nullptr, nullptr));
    if (!p12 ||
        PKCS12_set_mac(p12.get(), pass.c_str(), -1, nullptr, 16, iterations, EVP_sha256()) != 1)
        throw std::runtime_error("old modern layout: " + ossl::drain_errors());
    unsigned char* der = nullptr;
    const int length = i2d_PKCS12(p12.get(), &der);
    ossl::OpenSslBytePtr owned(der);
    return std::vector<std::uint8_t>(der, der + length);
}

}  // namespace certbackup::pkcs12_testing
