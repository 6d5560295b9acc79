// The light certificate reader of `certificates list` (core/certificate_summary.hpp), on DER and
// on a store certificate file's PEM text. Differential: a certificate that OpenSSL decodes and
// encodes back to exactly the input bytes (so it is DER) must be read, with the same fields.
#include <openssl/x509.h>

#include <cstdlib>

#include "core/certificate.hpp"
#include "core/certificate_file.hpp"
#include "core/certificate_summary.hpp"
#include "fuzz_input.hpp"

namespace {

using namespace certbackup;

// True when OpenSSL reads `der` whole as a certificate that re-encodes to the same bytes.
ossl::X509Ptr strict_x509(std::span<const std::uint8_t> der) {
    const unsigned char* p = der.data();
    ossl::X509Ptr x509(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    ossl::clear_errors();
    if (!x509 || p != der.data() + der.size())
        return nullptr;
    unsigned char* encoded = nullptr;
    const int length = i2d_X509(x509.get(), &encoded);
    ossl::OpenSslBytePtr owned(encoded);
    if (length <= 0 || static_cast<std::size_t>(length) != der.size() ||
        !std::equal(der.begin(), der.end(), encoded))
        return nullptr;
    return x509;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto bytes = fuzzing::bytes(data, size);
    auto summary = read_certificate_summary(bytes);
    (void)summarize_certificate_file(bytes, "certs/fuzz.pem");
    if (ossl::X509Ptr x509 = strict_x509(bytes)) {
        if (!summary)
            std::abort();  // a DER certificate OpenSSL reads must be read
        auto certificate = Certificate::create(std::move(x509), nullptr, {});
        if (!certificate)
            return 0;
        const CertificateInfo info = certificate->info();
        if (summary->subject != info.subject || summary->issuer != info.issuer ||
            summary->not_before != info.not_before || summary->not_after != info.not_after ||
            summary->sha256_hex != info.sha256_hex)
            std::abort();  // the same fields as the X509 path
    }
    return 0;
}
