#include "core/certificate_summary.hpp"

#include <openssl/x509.h>

#include "certbackup/base/ossl.hpp"
#include "core/certificate.hpp"
#include "core/der_cursor.hpp"

namespace certbackup {
namespace {

// DER tags of the Certificate structure (RFC 5280 4.1; X.690).
constexpr std::uint8_t kInteger = 0x02;
constexpr std::uint8_t kBitString = 0x03;
constexpr std::uint8_t kUtcTime = 0x17;
constexpr std::uint8_t kGeneralizedTime = 0x18;
constexpr std::uint8_t kSequence = 0x30;
constexpr std::uint8_t kVersion = 0xa0;          // [0] EXPLICIT
constexpr std::uint8_t kIssuerUniqueId = 0x81;   // [1] IMPLICIT, primitive
constexpr std::uint8_t kSubjectUniqueId = 0x82;  // [2] IMPLICIT, primitive
constexpr std::uint8_t kExtensions = 0xa3;       // [3] EXPLICIT

// How DerCursor errors begin here.
constexpr std::string_view kCertificate = "the certificate's";

// The parts of a certificate the summary needs, each checked for shape.
struct CertificateParts {
    std::span<const std::uint8_t> whole;
    Tlv issuer;
    Tlv not_before;
    Tlv not_after;
    Tlv subject;
    Tlv public_key;
};

Result<Tlv> read_time(DerCursor& validity, std::string_view what) {
    auto time = validity.next_any(what);
    if (!time)
        return time;
    if (time->tag != kUtcTime && time->tag != kGeneralizedTime)
        return fail(ErrorCode::corrupt, "the certificate's " + std::string(what) +
                                            " is neither a UTCTime nor a GeneralizedTime");
    return time;
}

// TBSCertificate: version, serial, signature algorithm, issuer, validity, subject, public key,
// then the optional unique identifiers and extensions, in this order.
Result<void> read_tbs(std::span<const std::uint8_t> tbs_value, CertificateParts& parts) {
    DerCursor tbs(tbs_value, kCertificate);
    if (tbs.peek_tag() == kVersion ||
        tbs.peek_tag() == static_cast<std::uint8_t>(kVersion & ~kDerConstructed)) {
        auto version = tbs.next(kVersion, "version");
        if (!version)
            return std::unexpected(version.error());
        DerCursor inner(version->value, kCertificate);
        if (auto number = inner.next(kInteger, "version"); !number)
            return std::unexpected(number.error());
        if (auto end = inner.expect_end("version"); !end)
            return end;
    }
    if (auto serial = tbs.next(kInteger, "serial number"); !serial)
        return std::unexpected(serial.error());
    if (auto algorithm = tbs.next(kSequence, "signature algorithm"); !algorithm)
        return std::unexpected(algorithm.error());
    auto issuer = tbs.next(kSequence, "issuer");
    if (!issuer)
        return std::unexpected(issuer.error());
    parts.issuer = *issuer;
    auto validity = tbs.next(kSequence, "validity");
    if (!validity)
        return std::unexpected(validity.error());
    DerCursor times(validity->value, kCertificate);
    auto not_before = read_time(times, "notBefore");
    if (!not_before)
        return std::unexpected(not_before.error());
    auto not_after = read_time(times, "notAfter");
    if (!not_after)
        return std::unexpected(not_after.error());
    if (auto end = times.expect_end("validity"); !end)
        return end;
    parts.not_before = *not_before;
    parts.not_after = *not_after;
    auto subject = tbs.next(kSequence, "subject");
    if (!subject)
        return std::unexpected(subject.error());
    parts.subject = *subject;
    auto key = tbs.next(kSequence, "public key");
    if (!key)
        return std::unexpected(key.error());
    parts.public_key = *key;
    DerCursor key_parts(key->value, kCertificate);
    if (auto algorithm = key_parts.next(kSequence, "public key algorithm"); !algorithm)
        return std::unexpected(algorithm.error());
    if (auto bits = key_parts.next(kBitString, "public key"); !bits)
        return std::unexpected(bits.error());
    if (auto end = key_parts.expect_end("public key"); !end)
        return end;
    for (const auto& [tag, what] :
         {std::pair{kIssuerUniqueId, "issuer unique id"},
          std::pair{kSubjectUniqueId, "subject unique id"}, std::pair{kExtensions, "extensions"}}) {
        const auto next_tag = tbs.peek_tag();
        if (next_tag != tag &&
            !(tag == kExtensions &&
              next_tag == static_cast<std::uint8_t>(kExtensions & ~kDerConstructed)))
            continue;
        auto field = tbs.next(tag, what);
        if (!field)
            return std::unexpected(field.error());
        if (tag == kExtensions) {
            DerCursor inner(field->value, kCertificate);
            if (auto list = inner.next(kSequence, what); !list)
                return std::unexpected(list.error());
            if (auto end = inner.expect_end(what); !end)
                return end;
        }
    }
    return tbs.expect_end("signed part (TBSCertificate)");
}

// Certificate: SEQUENCE { TBSCertificate, signatureAlgorithm, signatureValue }, nothing after.
Result<CertificateParts> read_parts(std::span<const std::uint8_t> der) {
    if (der.size() > kMaxCertificateDerBytes)
        return fail(ErrorCode::corrupt, "the certificate is larger than " +
                                            std::to_string(kMaxCertificateDerBytes) + " bytes");
    DerCursor outer(der, kCertificate);
    auto certificate = outer.next(kSequence, "outer structure");
    if (!certificate)
        return std::unexpected(certificate.error());
    if (auto end = outer.expect_end("encoding"); !end)
        return std::unexpected(end.error());
    DerCursor fields(certificate->value, kCertificate);
    auto tbs = fields.next(kSequence, "signed part (TBSCertificate)");
    if (!tbs)
        return std::unexpected(tbs.error());
    if (auto algorithm = fields.next(kSequence, "signature algorithm"); !algorithm)
        return std::unexpected(algorithm.error());
    if (auto signature = fields.next(kBitString, "signature"); !signature)
        return std::unexpected(signature.error());
    if (auto end = fields.expect_end("outer structure"); !end)
        return std::unexpected(end.error());
    CertificateParts parts;
    parts.whole = certificate->whole;
    if (auto read = read_tbs(tbs->value, parts); !read)
        return std::unexpected(read.error());
    return parts;
}

Result<std::string> name_text(const Tlv& name, std::string_view what) {
    const unsigned char* p = name.whole.data();
    ossl::X509NamePtr decoded(d2i_X509_NAME(nullptr, &p, static_cast<long>(name.whole.size())));
    if (!decoded || p != name.whole.data() + name.whole.size()) {
        ossl::clear_errors();
        return fail(ErrorCode::corrupt, "the certificate's " + std::string(what) +
                                            " is not a valid distinguished name");
    }
    return name_rfc2253(decoded.get());
}

Result<std::int64_t> time_value(const Tlv& time, std::string_view what) {
    const unsigned char* p = time.whole.data();
    std::unique_ptr<ASN1_TIME, ossl::Deleter<ASN1_TIME, ASN1_TIME_free>> decoded(
        d2i_ASN1_TIME(nullptr, &p, static_cast<long>(time.whole.size())));
    if (!decoded) {
        ossl::clear_errors();
        return fail(ErrorCode::corrupt,
                    "the certificate's " + std::string(what) + " is not a valid time");
    }
    return asn1_time_to_unix(decoded.get());
}

}  // namespace

Result<void> check_certificate_der(std::span<const std::uint8_t> der) {
    auto parts = read_parts(der);
    if (!parts)
        return std::unexpected(parts.error());
    return {};
}

Result<CertificateDerParts> certificate_der_parts(std::span<const std::uint8_t> der) {
    auto parts = read_parts(der);
    if (!parts)
        return std::unexpected(parts.error());
    return CertificateDerParts{parts->issuer.whole, parts->subject.whole, parts->public_key.whole};
}

Result<CertificateSummary> read_certificate_summary(std::span<const std::uint8_t> der) {
    auto parts = read_parts(der);
    if (!parts)
        return std::unexpected(parts.error());
    CertificateSummary summary;
    auto subject = name_text(parts->subject, "subject");
    if (!subject)
        return std::unexpected(subject.error());
    auto issuer = name_text(parts->issuer, "issuer");
    if (!issuer)
        return std::unexpected(issuer.error());
    auto not_before = time_value(parts->not_before, "notBefore");
    if (!not_before)
        return std::unexpected(not_before.error());
    auto not_after = time_value(parts->not_after, "notAfter");
    if (!not_after)
        return std::unexpected(not_after.error());
    summary.subject = std::move(*subject);
    summary.issuer = std::move(*issuer);
    summary.not_before = *not_before;
    summary.not_after = *not_after;
    summary.sha256_hex = ossl::to_hex(ossl::sha256(parts->whole));
    return summary;
}

}  // namespace certbackup
