#include "snapshot_fixture.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "certificate_factory.hpp"
#include "core/snapshot_writer.hpp"

namespace certbackup::testing {
namespace {

using samples::CertificateSpec;
using samples::KeyType;

Certificate make(const std::string& name, KeyType key_type, const Certificate* issuer) {
    CertificateSpec spec;
    spec.common_name = name + ".example.com";
    spec.friendly_name = name;
    spec.key_type = key_type;
    spec.dns_names = {spec.common_name};
    auto made = samples::make_certificate(spec, issuer);
    if (!made)
        throw std::runtime_error("cannot make test certificate " + name + ": " +
                                 made.error().message);
    return std::move(*made);
}

Binding binding(std::string_view text) {
    auto parsed = Binding::parse(text);
    if (!parsed)
        throw std::runtime_error(parsed.error().message);
    return *parsed;
}

SampleCertificates build() {
    SampleCertificates s;
    CertificateSpec ca_spec;
    ca_spec.common_name = "Example Test CA";
    ca_spec.friendly_name = "ca";
    ca_spec.is_ca = true;
    auto ca = samples::make_certificate(ca_spec);
    if (!ca)
        throw std::runtime_error(ca.error().message);
    s.certificates.reserve(10);
    s.certificates.push_back(std::move(*ca));
    const Certificate* issuer = &s.certificates.front();
    s.certificates.push_back(make("ssl", KeyType::ec_p256, issuer));
    s.certificates.push_back(make("server-encryption", KeyType::rsa2048, nullptr));
    s.certificates.push_back(make("database-db1", KeyType::ec_p256, issuer));
    s.certificates.push_back(make("master-key-db1", KeyType::ec_p521, nullptr));
    s.certificates.push_back(make("discovery-db1", KeyType::ec_p256, nullptr));
    s.certificates.push_back(make("password-reset-db2", KeyType::ec_p256, issuer));
    s.certificates.push_back(make("unused", KeyType::ec_p256, nullptr));
    // The same certificate as the store would hold it without its key file.
    const Certificate with_key = make("no-key-db2", KeyType::ec_p256, nullptr);
    const std::string pem = with_key.certificate_pem();
    auto no_key = Certificate::from_pem(
        std::span(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size()), "no-key.pem");
    if (!no_key)
        throw std::runtime_error(no_key.error().message);
    no_key->set_friendly_name("no-key-db2");
    s.certificates.push_back(std::move(*no_key));

    const std::vector<std::pair<std::string, std::vector<std::string>>> bindings = {
        {"ssl", {"ssl"}},
        {"server-encryption", {"server_encryption"}},
        {"database-db1", {"database/db1"}},
        {"master-key-db1", {"master_key/db1/example.com"}},
        {"discovery-db1", {"discovery_service/db1/discovery1"}},
        {"password-reset-db2", {"password_reset/db2/reset1"}},
        {"unused", {}},
        {"no-key-db2", {"database/db2"}},
    };
    for (const auto& [name, texts] : bindings) {
        SnapshotCandidate candidate{&s.by_friendly_name(name), {}};
        for (const auto& text : texts)
            candidate.bindings.push_back(binding(text));
        s.candidates.push_back(std::move(candidate));
    }
    return s;
}

}  // namespace

const Certificate& SampleCertificates::by_friendly_name(std::string_view name) const {
    for (const auto& c : certificates)
        if (c.friendly_name() == name)
            return c;
    throw std::runtime_error("no sample certificate " + std::string(name));
}

const SampleCertificates& sample_certificates() {
    static const SampleCertificates samples = build();
    return samples;
}

SnapshotOptions test_options(bool per_certificate_files) {
    SnapshotOptions options;
    options.per_certificate_files = per_certificate_files;
    options.profile = Pkcs12Profile::modern(kTestIterations);
    options.threads = 2;
    options.host_name = "pws01.example.com";
    options.plugin_id = "certificates";
    options.plugin_version = "0.1.0";
    options.store_identity = "/var/lib/passwordsecure/certificates";
    options.scope = "all";
    return options;
}

MemoryItems write_sample_snapshot(bool per_certificate_files) {
    MemoryItems items;
    auto summary = SnapshotWriter(test_options(per_certificate_files))
                       .write(sample_certificates().candidates, kSnapshotPassword, items);
    if (!summary)
        throw std::runtime_error(summary.error().message);
    return items;
}

}  // namespace certbackup::testing
