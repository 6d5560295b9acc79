#include "core/certificate_file.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <limits>
#include <optional>

#include "core/pem_chain.hpp"
#include "core/unicode_text.hpp"

namespace certbackup {
namespace {

constexpr std::string_view kFriendlyNameLabel = "friendlyName:";

std::string one_line(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = ' ';
    return out;
}

// The friendly name in the header right before the first CERTIFICATE block (after the
// previous PEM block, if any: `openssl pkcs12 -nodes` may write the key first, each block
// with its own "Bag Attributes"). Empty when there is none.
std::string friendly_name_in_header(std::string_view text) {
    const std::size_t certificate = text.find("-----BEGIN CERTIFICATE-----");
    if (certificate == std::string_view::npos)
        return {};
    std::string_view header = text.substr(0, certificate);
    if (const std::size_t previous_end = header.rfind("-----END "); previous_end != header.npos)
        header.remove_prefix(previous_end);
    std::size_t start = 0;
    while (start < header.size()) {
        std::size_t end = header.find('\n', start);
        if (end == std::string_view::npos)
            end = header.size();
        std::string_view line = header.substr(start, end - start);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
            line.remove_prefix(1);
        if (line.starts_with(kFriendlyNameLabel)) {
            line.remove_prefix(kFriendlyNameLabel.size());
            while (!line.empty() && line.front() == ' ')
                line.remove_prefix(1);
            while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
                line.remove_suffix(1);
            return std::string(line);
        }
        start = end + 1;
    }
    return {};
}

// The DER of the next CERTIFICATE block in `bio` (blocks of other types are skipped, as
// PEM_read_bio_X509 skips them); nullopt at the end of the text, leaving OpenSSL's "no start
// line" error queued.
std::optional<std::vector<std::uint8_t>> next_certificate_der(BIO* bio) {
    unsigned char* data = nullptr;
    long length = 0;
    char* name = nullptr;
    if (PEM_bytes_read_bio(&data, &length, &name, PEM_STRING_X509, bio, nullptr, nullptr) != 1)
        return std::nullopt;
    ossl::OpenSslBytePtr owned_data(data);
    ossl::OpenSslCharPtr owned_name(name);
    return std::vector<std::uint8_t>(data, data + length);
}

}  // namespace

Result<CertificateSummary> summarize_certificate_file(std::span<const std::uint8_t> text,
                                                      std::string_view origin) {
    if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        return fail(ErrorCode::corrupt, std::string(origin) + ": the file is too large");
    ossl::BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    if (!bio)
        return fail(ErrorCode::io, std::string(origin) + ": " + ossl::drain_errors());
    auto leaf = next_certificate_der(bio.get());
    if (!leaf) {
        ossl::clear_errors();
        return fail(ErrorCode::corrupt,
                    std::string(origin) +
                        ": no PEM certificate found (expected '-----BEGIN CERTIFICATE-----')");
    }
    auto summary = read_certificate_summary(*leaf);
    if (!summary)
        return fail(ErrorCode::corrupt,
                    std::string(origin) +
                        ": no PEM certificate found (expected '-----BEGIN CERTIFICATE-----'): " +
                        summary.error().message);
    while (auto issuer = next_certificate_der(bio.get()))
        if (auto checked = check_certificate_der(*issuer); !checked)
            return fail(ErrorCode::corrupt,
                        std::string(origin) +
                            ": a chain certificate cannot be read: " + checked.error().message);
    if (auto end = check_pem_chain_end(origin); !end)
        return std::unexpected(end.error());
    return summary;
}

std::string format_certificate_file(const Certificate& certificate) {
    std::string out;
    if (!certificate.friendly_name().empty())
        out = "Bag Attributes\n    " + std::string(kFriendlyNameLabel) + " " +
              one_line(certificate.friendly_name()) + "\n";
    out += certificate.certificate_pem();
    return out;
}

Result<Certificate> parse_certificate_file(std::span<const std::uint8_t> text,
                                           std::string_view origin) {
    auto certificate = Certificate::from_pem(text, origin);
    if (!certificate)
        return certificate;
    const std::string_view chars(reinterpret_cast<const char*>(text.data()), text.size());
    // A name placed by hand or by an older version may be anything: the store hands out only
    // valid UTF-8 without control characters, so that no list, show, backup or export fails.
    certificate->set_friendly_name(clean_friendly_name(friendly_name_in_header(chars)).text);
    return certificate;
}

Result<void> attach_private_key(Certificate& certificate, std::span<const std::uint8_t> key_pem,
                                std::string_view origin, PrivateKeyDecoder* decoder) {
    const std::string_view text(reinterpret_cast<const char*>(key_pem.data()), key_pem.size());
    if (text.find("BEGIN ENCRYPTED PRIVATE KEY") != std::string_view::npos ||
        text.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos)
        return fail(ErrorCode::unsupported,
                    std::string(origin) +
                        ": the private key is encrypted; give it unencrypted (openssl pkey -in "
                        "KEY -out PLAIN.pem), or import a PKCS#12 file with its password");
    if (text.find("PRIVATE KEY-----") == std::string_view::npos)
        return fail(ErrorCode::not_found,
                    std::string(origin) +
                        ": holds no private key (expected a PEM block of type PRIVATE KEY); give "
                        "the file with the certificate's private key");
    if (decoder == nullptr)
        return certificate.attach_key_pem(key_pem, origin);
    auto key = decoder->decode(key_pem, origin);
    if (!key)
        return std::unexpected(key.error());
    if (!key_matches(certificate.leaf(), key->get()))
        return fail(ErrorCode::invalid_argument,
                    std::string(origin) + ": the private key does not belong to certificate " +
                        certificate.sha256_hex());
    // Certificate takes a decoded key only at creation: rebuild it around the same objects.
    std::vector<ossl::X509Ptr> chain;
    for (const auto& issuer : certificate.chain())
        chain.push_back(ossl::share(issuer.get()));
    auto with_key = Certificate::create(ossl::share(certificate.leaf()), std::move(*key),
                                        std::move(chain), certificate.friendly_name());
    if (!with_key)
        return std::unexpected(with_key.error());
    certificate = std::move(*with_key);
    return {};
}

}  // namespace certbackup
