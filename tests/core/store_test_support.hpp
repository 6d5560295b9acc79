// Helpers shared by the store tests: fresh certificates, a textual view of a store, modes.
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "certificate_factory.hpp"
#include "core/certificate_store.hpp"
#include "core/directory_store.hpp"
#include "core/encoded_certificate.hpp"

namespace certbackup::testing {

// A self-signed EC P-256 certificate with a fresh key (fast to make).
inline Certificate make_test_certificate(const std::string& common_name,
                                         const std::string& friendly_name = {}) {
    samples::CertificateSpec spec;
    spec.common_name = common_name;
    spec.friendly_name = friendly_name;
    auto certificate = samples::make_certificate(spec);
    EXPECT_TRUE(certificate) << certificate.error().message;
    return std::move(*certificate);
}

// The certificate in the store's file form, as a restore stages it.
inline EncodedCertificate encoded(const Certificate& certificate) {
    auto file_form = encode_certificate(certificate);
    EXPECT_TRUE(file_form) << file_form.error().message;
    return std::move(*file_form);
}

// A certificate spec (GCC 12 warns about designated initialisers that leave fields out).
inline samples::CertificateSpec spec(const std::string& common_name,
                                     const std::string& friendly_name = {}, bool is_ca = false,
                                     std::vector<std::string> dns_names = {}) {
    samples::CertificateSpec out;
    out.common_name = common_name;
    out.friendly_name = friendly_name;
    out.is_ca = is_ca;
    out.dns_names = std::move(dns_names);
    return out;
}

inline CertificateFilter filter(bool include_unused,
                                std::optional<std::string> database = std::nullopt,
                                bool load_keys = true) {
    CertificateFilter out;
    out.include_unused = include_unused;
    out.database = std::move(database);
    out.load_keys = load_keys;
    return out;
}

inline DirectoryStoreOptions creating() {
    DirectoryStoreOptions options;
    options.create = true;
    return options;
}

inline DirectoryStoreOptions without_recovery() {
    DirectoryStoreOptions options;
    options.recover = false;
    return options;
}

// The same certificate without its private key.
inline Certificate without_key(const Certificate& certificate) {
    std::vector<ossl::X509Ptr> chain;
    for (const auto& x : certificate.chain()) {
        X509_up_ref(x.get());
        chain.emplace_back(x.get());
    }
    X509_up_ref(certificate.leaf());
    auto copy = Certificate::create(ossl::X509Ptr(certificate.leaf()), nullptr, std::move(chain),
                                    certificate.friendly_name());
    return std::move(*copy);
}

inline Binding purpose(const std::string& text) {
    auto binding = Binding::parse(text);
    EXPECT_TRUE(binding) << text;
    return *binding;
}

// Every certificate of the store, one line each: "<thumbprint> key|nokey purpose,purpose".
// Empty string plus the error when the store cannot be read.
inline std::string describe_store(CertificateStore& store) {
    auto certificates = store.list(filter(true));
    if (!certificates)
        return "<error: " + certificates.error().message + ">";
    std::string out;
    for (const auto& stored : *certificates) {
        out += stored.certificate.sha256_hex() + (stored.certificate.has_key() ? " key" : " nokey");
        for (std::size_t i = 0; i < stored.bindings.size(); ++i)
            out += (i == 0 ? " " : ",") + stored.bindings[i].to_string();
        out += "\n";
    }
    return out;
}

inline mode_t mode_of(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return 0;
    return st.st_mode & 07777;
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

inline std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace certbackup::testing
