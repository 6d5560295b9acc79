// One PKCS#12 bundle of N certificates (default 1000) at 600000 iterations, in process: the
// time to export and to import it, against the floor of the key derivations alone (one
// PBKDF2-HMAC-SHA256 at the same iterations, timed here), and the derivations import ran. For
// comparison, the same for the modern layout of certbackup 0.1.0 (plain key bags in one
// encrypted safe, written through OpenSSL as tests/core/pkcs12_fixtures.hpp does).
//   pkcs12_bundle_bench [N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "certbackup/base/kdf.hpp"
#include "certificate_factory.hpp"
#include "core/pkcs12.hpp"
#include "tests/core/pkcs12_fixtures.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

int fail(const std::string& what) {
    std::fprintf(stderr, "pkcs12_bundle_bench: %s\n", what.c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace certbackup;
    const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
    const std::string password = "bench password";
    const Pkcs12Profile profile = Pkcs12Profile::modern();

    samples::CertificateSpec ca_spec;
    ca_spec.common_name = "Bench CA";
    ca_spec.is_ca = true;
    auto ca = samples::make_certificate(ca_spec, nullptr);
    if (!ca)
        return fail(ca.error().message);
    std::vector<Certificate> certificates;
    certificates.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        samples::CertificateSpec spec;
        spec.common_name = "host" + std::to_string(i) + ".example.com";
        spec.friendly_name = "entry " + std::to_string(i);
        auto made = samples::make_certificate(spec, &*ca);
        if (!made)
            return fail(made.error().message);
        certificates.push_back(std::move(*made));
    }
    std::vector<const Certificate*> entries;
    for (const auto& c : certificates)
        entries.push_back(&c);

    const std::vector<std::uint8_t> salt(16, 0x5a);
    auto start = Clock::now();
    if (!kdf::pbkdf2_hmac_sha256(password, salt, static_cast<std::uint32_t>(profile.iterations),
                                 32))
        return fail("PBKDF2");
    const double one_kdf = seconds_since(start);

    start = Clock::now();
    auto pfx = export_pkcs12_bundle(entries, password, profile);
    const double exported = seconds_since(start);
    if (!pfx)
        return fail(pfx.error().message);
    start = Clock::now();
    auto contents = import_pkcs12(*pfx, password, "bench.pfx", true);
    const double imported = seconds_since(start);
    if (!contents)
        return fail(contents.error().message);

    std::printf("%d certificates, %d iterations, %zu bytes\n", n, profile.iterations, pfx->size());
    std::printf("one PBKDF2-HMAC-SHA256: %.3f s (three: %.3f s)\n", one_kdf, 3 * one_kdf);
    std::printf("export: %.3f s = %.2f PBKDF2\n", exported, exported / one_kdf);
    std::printf("import: %.3f s = %.2f PBKDF2; %d decryption key derivations plus the MAC's\n",
                imported, imported / one_kdf, contents->decryption_key_derivations);

    start = Clock::now();
    const auto old_pfx =
        pkcs12_testing::old_modern_layout_pfx(entries, password, profile.iterations);
    const double old_exported = seconds_since(start);
    start = Clock::now();
    auto old_contents = import_pkcs12(old_pfx, password, "old.pfx", true);
    const double old_imported = seconds_since(start);
    if (!old_contents)
        return fail(old_contents.error().message);
    std::printf("0.1.0 layout: export %.3f s = %.2f PBKDF2, import %.3f s = %.2f PBKDF2\n",
                old_exported, old_exported / one_kdf, old_imported, old_imported / one_kdf);
    return contents->certificates.size() == static_cast<std::size_t>(n) ? 0 : 1;
}
