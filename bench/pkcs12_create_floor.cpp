// The in-process floor of per-certificate export: every certificate of a store (with its key)
// exported with OpenSSL's PKCS12_create on THREADS threads, the standard modern layout
// (PBES2 AES-256-CBC for keys and certificates, SHA-256 MAC) at ITERATIONS. Only the export
// loop is timed, not reading the store. Prints "<certificates> <seconds>".
//   pkcs12_create_floor STORE ITERATIONS THREADS
#include <openssl/pkcs12.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "certbackup/base/ossl.hpp"
#include "certbackup/base/parallel_tasks.hpp"
#include "core/directory_store.hpp"

namespace {

int fail(const std::string& what) {
    std::fprintf(stderr, "pkcs12_create_floor: %s\n", what.c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace certbackup;
    if (argc != 4)
        return fail("usage: pkcs12_create_floor STORE ITERATIONS THREADS");
    const int iterations = std::atoi(argv[2]);
    const auto threads = static_cast<unsigned>(std::atoi(argv[3]));
    auto store = DirectoryStore::open(argv[1]);
    if (!store)
        return fail(store.error().message);
    CertificateFilter all;
    all.include_unused = true;
    auto listed = (*store)->list(all);
    if (!listed)
        return fail(listed.error().message);
    std::vector<const Certificate*> certificates;
    for (const auto& stored : *listed)
        if (stored.certificate.has_key())
            certificates.push_back(&stored.certificate);

    const char password[] = "bench password";
    const auto start = std::chrono::steady_clock::now();
    auto done = run_parallel(
        certificates.size(), threads,
        [&](std::size_t i) -> Result<void> {
            const Certificate& c = *certificates[i];
            ossl::X509StackPtr chain(sk_X509_new_null());
            for (const auto& issuer : c.chain())
                if (sk_X509_push(chain.get(), issuer.get()) > 0)
                    X509_up_ref(issuer.get());  // the stack frees what it holds
            // No MAC from PKCS12_create (-1): it would be SHA-1; set a SHA-256 one instead.
            ossl::Pkcs12Ptr pfx(PKCS12_create_ex(
                password, c.friendly_name().c_str(), c.key(), c.leaf(), chain.get(),
                NID_aes_256_cbc, NID_aes_256_cbc, iterations, -1, 0, nullptr, nullptr));
            if (!pfx ||
                PKCS12_set_mac(pfx.get(), password, -1, nullptr, 16, iterations, EVP_sha256()) != 1)
                return fail(ErrorCode::io, "PKCS12_create failed: " + ossl::drain_errors());
            unsigned char* der = nullptr;
            const int length = i2d_PKCS12(pfx.get(), &der);
            ossl::OpenSslBytePtr owned(der);
            if (length <= 0)
                return fail(ErrorCode::io, "i2d_PKCS12 failed");
            return {};
        },
        {}, "exporting");
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!done)
        return fail(done.error().message);
    std::printf("%zu %.3f\n", certificates.size(), seconds);
    return 0;
}
