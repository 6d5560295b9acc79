#include "core/certificate_summary.hpp"

#include <openssl/x509.h>

#include <optional>

#include "certbackup/base/ossl.hpp"
#include "core/certificate.hpp"

namespace certbackup {
namespace {

// DER tags of the Certificate structure (RFC 5280 4.1; X.690).
constexpr std::uint8_t kInteger = 0x02;
constexpr std::uint8_t kBitString = 0x03;
constexpr std::uint8_t kUtcTime = 0x17;
constexpr std::uint8_t kGeneralizedTime = 0x18;
constexpr std::uint8_t kSequence = 0x30;
constexpr std::uint8_t kConstructed = 0x20;
constexpr std::uint8_t kVersion = 0xa0;          // [0] EXPLICIT
constexpr std::uint8_t kIssuerUniqueId = 0x81;   // [1] IMPLICIT, primitive
constexpr std::uint8_t kSubjectUniqueId = 0x82;  // [2] IMPLICIT, primitive
constexpr std::uint8_t kExtensions = 0xa3;       // [3] EXPLICIT

// One tag-length-value: `whole` is all of it, `value` its contents.
struct Tlv {
    std::uint8_t tag = 0;
    std::span<const std::uint8_t> value;
    std::span<const std::uint8_t> whole;
};

// Reads TLVs one after the other from a span, checking every length against what is left.
class DerCursor {
  public:
    explicit DerCursor(std::span<const std::uint8_t> bytes) : rest_(bytes) {}

    bool empty() const noexcept { return rest_.empty(); }
    std::optional<std::uint8_t> peek_tag() const noexcept {
        return rest_.empty() ? std::nullopt : std::optional<std::uint8_t>(rest_.front());
    }

    // The next TLV, which must have tag `tag`; `what` names it in the error. A constructed tag
    // (SEQUENCE, [0], [3]) is also taken with its constructed bit clear: OpenSSL's certificate
    // decoder takes that and keeps the encoding as it is (fuzz_certificate_summary found it),
    // and list must read what backup and show read.
    Result<Tlv> next(std::uint8_t tag, std::string_view what) {
        auto tlv = next_any(what);
        if (!tlv)
            return tlv;
        const bool same =
            tlv->tag == tag || ((tag & kConstructed) != 0 &&
                                tlv->tag == static_cast<std::uint8_t>(tag & ~kConstructed));
        if (!same)
            return bad(what, "has an unexpected tag");
        return tlv;
    }

    Result<Tlv> next_any(std::string_view what) {
        if (rest_.size() < 2)
            return bad(what, "is missing or truncated");
        const std::uint8_t tag = rest_[0];
        if ((tag & 0x1f) == 0x1f)
            return bad(what, "has a multi-byte tag");
        std::size_t offset = 2;
        std::size_t length = rest_[1];
        if (length & 0x80) {
            const std::size_t count = length & 0x7f;
            // 0x80 is BER's indefinite length; more than 4 bytes of length is no certificate.
            if (count == 0 || count > 4)
                return bad(what, "has an invalid length");
            if (rest_.size() < 2 + count)
                return bad(what, "is truncated");
            length = 0;
            for (std::size_t i = 0; i < count; ++i)
                length = (length << 8) | rest_[2 + i];
            // DER: the shortest form (no leading zero byte, long form only from 128 on).
            if (rest_[2] == 0 || length < 0x80)
                return bad(what, "has a length that is not DER");
            offset += count;
        }
        if (length > rest_.size() - offset)
            return bad(what, "is truncated");
        Tlv tlv{tag, rest_.subspan(offset, length), rest_.first(offset + length)};
        rest_ = rest_.subspan(offset + length);
        return tlv;
    }

    // Fails unless every byte was read.
    Result<void> expect_end(std::string_view what) const {
        if (!rest_.empty())
            return bad(what, "has unexpected data at its end");
        return {};
    }

  private:
    static std::unexpected<Error> bad(std::string_view what, std::string_view problem) {
        return fail(ErrorCode::corrupt,
                    "the certificate's " + std::string(what) + " " + std::string(problem));
    }
    std::span<const std::uint8_t> rest_;
};

// The parts of a certificate the summary needs, each checked for shape.
struct CertificateParts {
    std::span<const std::uint8_t> whole;
    Tlv issuer;
    Tlv not_before;
    Tlv not_after;
    Tlv subject;
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
    DerCursor tbs(tbs_value);
    if (tbs.peek_tag() == kVersion ||
        tbs.peek_tag() == static_cast<std::uint8_t>(kVersion & ~kConstructed)) {
        auto version = tbs.next(kVersion, "version");
        if (!version)
            return std::unexpected(version.error());
        DerCursor inner(version->value);
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
    DerCursor times(validity->value);
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
    DerCursor key_parts(key->value);
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
              next_tag == static_cast<std::uint8_t>(kExtensions & ~kConstructed)))
            continue;
        auto field = tbs.next(tag, what);
        if (!field)
            return std::unexpected(field.error());
        if (tag == kExtensions) {
            DerCursor inner(field->value);
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
    DerCursor outer(der);
    auto certificate = outer.next(kSequence, "outer structure");
    if (!certificate)
        return std::unexpected(certificate.error());
    if (auto end = outer.expect_end("encoding"); !end)
        return std::unexpected(end.error());
    DerCursor fields(certificate->value);
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
