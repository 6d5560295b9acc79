// PKCS#12 import (DESIGN §4): decode, check the MAC, decrypt the safes, collect the bags as DER
// (certificates as the certBags hold them, keys as decrypted PKCS#8), then pair keys and
// certificates and hand out each certificate as it is assembled (pkcs12_pairing.cpp).
//
// Passwords are tried the way `openssl pkcs12` tries them, so that every file it opens opens
// here: an empty password is first tried as "no password" (NULL), then as the empty string;
// a non-ASCII password is also tried in the form OpenSSL before 1.1.0 used (each byte taken
// as Latin-1), which old files were written with.
#include <openssl/err.h>
#include <openssl/pkcs7.h>

#include <algorithm>
#include <cctype>
#include <future>
#include <limits>
#include <memory>
#include <optional>

#include "core/pkcs12.hpp"

#include "certbackup/base/parallel_tasks.hpp"
#include "core/der_cursor.hpp"
#include "core/pkcs12_algorithms.hpp"
#include "core/pkcs12_pairing.hpp"
#include "core/pkcs12_pbes2.hpp"
#include "core/pkcs12_work.hpp"
#include "core/private_key_decoder.hpp"
#include "core/unicode_text.hpp"

namespace certbackup {
namespace {

using pkcs12_detail::CertificateItem;
using pkcs12_detail::DerivationBudget;
using pkcs12_detail::KeyItem;
using pkcs12_detail::PasswordArg;

// Nested safeContents bags deeper than this are not real files.
constexpr int kMaxSafeContentsDepth = 8;

// The passwords to try, in order. Owns the derived forms.
class PasswordCandidates {
  public:
    explicit PasswordCandidates(const PasswordArg& given) {
        if (given.size == 0) {
            candidates_.push_back(PasswordArg{nullptr, 0});
            candidates_.push_back(PasswordArg{"", 0});
            return;
        }
        candidates_.push_back(given);
        const std::string_view text(given.data, static_cast<std::size_t>(given.size));
        if (std::any_of(text.begin(), text.end(), [](char c) { return (c & 0x80) != 0; })) {
            // OpenSSL < 1.1.0 made the BMPString by widening each byte; re-encoding the bytes
            // as Latin-1 in UTF-8 gives the same BMPString through today's UTF-8 conversion.
            latin1_form_.resize(text.size() * 2);
            std::size_t n = 0;
            for (char c : text) {
                const auto b = static_cast<std::uint8_t>(c);
                if (b < 0x80) {
                    latin1_form_.data()[n++] = b;
                } else {
                    latin1_form_.data()[n++] = static_cast<std::uint8_t>(0xC0 | (b >> 6));
                    latin1_form_.data()[n++] = static_cast<std::uint8_t>(0x80 | (b & 0x3F));
                }
            }
            latin1_form_.resize(n);
            candidates_.push_back(PasswordArg{reinterpret_cast<const char*>(latin1_form_.data()),
                                              static_cast<int>(n)});
        }
    }
    PasswordCandidates(const PasswordCandidates&) = delete;
    PasswordCandidates& operator=(const PasswordCandidates&) = delete;

    const std::vector<PasswordArg>& all() const { return candidates_; }

  private:
    SecureBuffer latin1_form_;
    std::vector<PasswordArg> candidates_;
};

std::string lower(std::string text) {
    for (char& c : text)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

struct MacInfo {
    bool present = false;
    std::string algorithm;  // "sha256"
    std::int64_t iterations = 0;
};

MacInfo read_mac_info(const PKCS12* pfx) {
    MacInfo info;
    if (PKCS12_mac_present(pfx) != 1)
        return info;
    info.present = true;
    const X509_ALGOR* digest = nullptr;
    const ASN1_INTEGER* iterations = nullptr;
    PKCS12_get0_mac(nullptr, &digest, nullptr, &iterations, pfx);
    const ASN1_OBJECT* oid = nullptr;
    X509_ALGOR_get0(&oid, nullptr, nullptr, digest);
    const int nid = OBJ_obj2nid(oid);
    info.algorithm = nid != NID_undef ? lower(OBJ_nid2sn(nid)) : pkcs12_detail::describe_oid(oid);
    info.iterations = 1;  // RFC 7292: an absent iteration count means 1
    if (iterations != nullptr && ASN1_INTEGER_get_int64(&info.iterations, iterations) != 1)
        info.iterations = std::numeric_limits<std::int64_t>::max();  // too large to read
    ossl::clear_errors();
    return info;
}

// Everything the bags held, before pairing: DER, not decoded objects (pkcs12_pairing.hpp).
struct Collected {
    std::vector<CertificateItem> certificates;
    std::vector<KeyItem> keys;
    std::vector<std::string> ignored;
    std::size_t derivations = 0;  // run by every walk it took (one per password tried)
};

// This thread's decoder chain for PKCS#8 keys. Building a chain costs more than decoding a few
// keys, and a per-certificate restore imports thousands of one-key files on every core (perf,
// 1000 files: a fifth of the CPU time went to OSSL_DECODER_CTX_new_for_pkey): each thread
// builds one and keeps it for every file it imports (a chain is not thread-safe). Keys are
// decoded when they are paired, on the importing thread.
PrivateKeyDecoder& thread_key_decoder() {
    thread_local PrivateKeyDecoder decoder{PrivateKeyDecoder::Input::der_private_key_info};
    return decoder;
}

// The derived keys of a walk with one password: PBES2 keys cached (a file that certbackup wrote
// costs one derivation however many keys it holds), and a count of the derivations that
// OpenSSL ran for other algorithms (one per structure).
// Every derivation is charged to `budget` before it runs.
struct WalkKeys {
    WalkKeys(const PasswordArg& password, DerivationBudget& budget)
        : cache(password), budget(budget) {}
    pkcs12_detail::Pbes2KeyCache cache;
    DerivationBudget& budget;
    std::size_t openssl_derivations = 0;
    std::size_t derivations() const { return cache.derivations() + openssl_derivations; }
};

// What a walk with one password needs to know and say.
struct WalkContext {
    PasswordArg password;
    bool mac_verified = false;
    std::string origin;
    WalkKeys* keys = nullptr;  // never null; mutable through a const context
};

// `what` is "the file's encrypted contents" or "a private key".
Error decryption_error(const WalkContext& context, const std::string& what,
                       const X509_ALGOR* algorithm) {
    const auto failure = pkcs12_detail::take_openssl_failure();
    const std::string algorithm_name = pkcs12_detail::describe_algorithm(algorithm);
    if (failure.unsupported_algorithm)
        return Error{ErrorCode::unsupported,
                     context.origin + ": cannot decrypt " + what + ": it uses " + algorithm_name +
                         ", which this OpenSSL does not support; " +
                         pkcs12_detail::unsupported_algorithm_hint() + " (" + failure.detail + ")"};
    if (context.mac_verified)
        return Error{ErrorCode::wrong_password,
                     context.origin + ": the password passes the file's integrity check but " +
                         "does not decrypt " + what + " (" + algorithm_name +
                         "): the file was made with a separate encryption password, or it is "
                         "damaged"};
    return Error{ErrorCode::wrong_password,
                 context.origin + ": wrong password: it does not decrypt " + what + " (" +
                     algorithm_name + "); check the password and try again"};
}

// Refuses a key derivation that is not allowed or too expensive, and charges an allowed one to
// the walk's budget, before it runs (pkcs12_work.hpp).
Result<void> charge_derivation(const X509_ALGOR* algorithm, std::string_view what,
                               const WalkContext& context) {
    auto cost = pkcs12_detail::derivation_cost(algorithm, what, context.origin);
    if (!cost)
        return std::unexpected(cost.error());
    return context.keys->budget.charge(*cost);
}

std::string bytes_of(const ASN1_STRING* text) {
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                       static_cast<std::size_t>(ASN1_STRING_length(text)));
}

std::string bmp_to_utf8(const ASN1_STRING* bmp) {
    return utf16be_to_utf8(std::span<const std::uint8_t>(
        ASN1_STRING_get0_data(bmp), static_cast<std::size_t>(ASN1_STRING_length(bmp))));
}

// friendlyName is a BMPString (RFC 7292); some producers write UTF8String, accept both. The
// text is as the file has it: clean_names() makes it fit for the store.
std::string friendly_name_of(const PKCS12_SAFEBAG* bag) {
    const ASN1_TYPE* value = PKCS12_SAFEBAG_get0_attr(bag, NID_friendlyName);
    if (value == nullptr)
        return {};
    std::string name;
    if (value->type == V_ASN1_BMPSTRING)
        name = bmp_to_utf8(value->value.bmpstring);
    else if (value->type == V_ASN1_UTF8STRING)
        name = bytes_of(value->value.utf8string);
    ossl::clear_errors();
    return name;
}

// Makes the friendly name valid UTF-8 without control characters (a trailing NUL, as Windows
// writes, is dropped); says so when it had to be repaired.
std::optional<std::string> clean_name(Certificate& certificate, const std::string& origin) {
    CleanName clean = clean_friendly_name(certificate.friendly_name());
    std::optional<std::string> warning;
    if (clean.repaired)
        warning = origin + ": the friendly name of certificate " + certificate.sha256_hex() + " (" +
                  certificate.info().subject +
                  ") held invalid UTF-8 or control characters; they were replaced with U+FFFD: "
                  "'" +
                  clean.text + "'";
    certificate.set_friendly_name(std::move(clean.text));
    return warning;
}

std::vector<std::uint8_t> local_key_id_of(const PKCS12_SAFEBAG* bag) {
    const ASN1_TYPE* value = PKCS12_SAFEBAG_get0_attr(bag, NID_localKeyID);
    if (value == nullptr || value->type != V_ASN1_OCTET_STRING)
        return {};
    const ASN1_OCTET_STRING* id = value->value.octet_string;
    const unsigned char* data = ASN1_STRING_get0_data(id);
    return std::vector<std::uint8_t>(data, data + ASN1_STRING_length(id));
}

// Frees what an i2d function allocated, wiping it first (a private key).
struct ClearFree {
    int length = 0;
    void operator()(unsigned char* p) const noexcept {
        OPENSSL_clear_free(p, static_cast<std::size_t>(length));
    }
};

// The key of PKCS#8 PrivateKeyInfo DER, through `decoder` (the thread's chain); what it
// cannot decode goes through EVP_PKCS82PKEY, which also tries OpenSSL's legacy decoders and
// says why a key fails.
Result<ossl::EvpPkeyPtr> key_from_pkcs8(std::span<const std::uint8_t> der,
                                        const std::string& origin, PrivateKeyDecoder& decoder) {
    if (auto decoded = decoder.decode(der, origin))
        return decoded;
    ossl::clear_errors();
    const unsigned char* cursor = der.data();
    const ossl::Pkcs8PrivKeyInfoPtr pkcs8(
        d2i_PKCS8_PRIV_KEY_INFO(nullptr, &cursor, static_cast<long>(der.size())));
    if (!pkcs8)
        return fail(ErrorCode::corrupt, origin + ": a private key in the file is malformed (" +
                                            ossl::drain_errors() + ")");
    ossl::EvpPkeyPtr key(EVP_PKCS82PKEY(pkcs8.get()));
    if (key)
        return key;
    const ASN1_OBJECT* oid = nullptr;
    PKCS8_pkey_get0(&oid, nullptr, nullptr, nullptr, pkcs8.get());
    const auto failure = pkcs12_detail::take_openssl_failure();
    if (failure.unsupported_algorithm)
        return fail(ErrorCode::unsupported,
                    origin + ": a private key of type " + pkcs12_detail::describe_oid(oid) +
                        " cannot be used with this OpenSSL (" + failure.detail + ")");
    return fail(ErrorCode::corrupt, origin + ": a private key (" +
                                        pkcs12_detail::describe_oid(oid) +
                                        ") in the file is malformed (" + failure.detail + ")");
}

// The DER of a key bag's PrivateKeyInfo, kept (wiped when dropped) until the key is paired.
Result<SecureBuffer> pkcs8_der_of(const PKCS8_PRIV_KEY_INFO* pkcs8, const std::string& origin) {
    unsigned char* der = nullptr;
    const int length = i2d_PKCS8_PRIV_KEY_INFO(pkcs8, &der);
    if (length <= 0)
        return fail(ErrorCode::corrupt, origin + ": a private key in the file is malformed (" +
                                            ossl::drain_errors() + ")");
    const std::unique_ptr<unsigned char, ClearFree> owned(der, ClearFree{length});
    return SecureBuffer(std::span<const std::uint8_t>(der, static_cast<std::size_t>(length)));
}

// The certificate DER a certBag holds, without decoding the certificate (pkcs12_pairing.hpp
// says why). OpenSSL has no accessor for the bag's OCTET STRING, so the bag is encoded and
// read: SafeBag ::= SEQUENCE { bagId, bagValue [0] EXPLICIT CertBag, bagAttributes OPTIONAL },
// CertBag ::= SEQUENCE { certId, certValue [0] EXPLICIT OCTET STRING } (RFC 7292 4.2).
Result<std::vector<std::uint8_t>> certificate_der_of(const PKCS12_SAFEBAG* bag,
                                                     const std::string& origin) {
    constexpr std::uint8_t kSequence = 0x30;
    constexpr std::uint8_t kObject = 0x06;
    constexpr std::uint8_t kExplicit0 = 0xa0;
    constexpr std::uint8_t kOctetString = 0x04;
    unsigned char* encoded = nullptr;
    const int length = i2d_PKCS12_SAFEBAG(bag, &encoded);
    if (length <= 0)
        return fail(ErrorCode::corrupt, origin + ": a certificate bag in the file is malformed (" +
                                            ossl::drain_errors() + ")");
    const std::unique_ptr<unsigned char, ClearFree> owned(encoded, ClearFree{length});
    const std::string subject = origin + ": a certificate bag's";
    DerCursor outer(std::span<const std::uint8_t>(encoded, static_cast<std::size_t>(length)),
                    subject);
    auto safe_bag = outer.next(kSequence, "structure");
    if (!safe_bag)
        return std::unexpected(safe_bag.error());
    DerCursor fields(safe_bag->value, subject);
    if (auto id = fields.next(kObject, "type"); !id)
        return std::unexpected(id.error());
    auto value = fields.next(kExplicit0, "value");
    if (!value)
        return std::unexpected(value.error());
    DerCursor value_cursor(value->value, subject);
    auto cert_bag = value_cursor.next(kSequence, "certificate bag");
    if (!cert_bag)
        return std::unexpected(cert_bag.error());
    DerCursor cert_fields(cert_bag->value, subject);
    if (auto id = cert_fields.next(kObject, "certificate type"); !id)
        return std::unexpected(id.error());
    auto cert_value = cert_fields.next(kExplicit0, "certificate value");
    if (!cert_value)
        return std::unexpected(cert_value.error());
    DerCursor octets(cert_value->value, subject);
    auto der = octets.next(kOctetString, "certificate");
    if (!der)
        return std::unexpected(der.error());
    return std::vector<std::uint8_t>(der->value.begin(), der->value.end());
}

std::span<const std::uint8_t> octets_of(const ASN1_OCTET_STRING* s) {
    return {ASN1_STRING_get0_data(s), static_cast<std::size_t>(ASN1_STRING_length(s))};
}

// Decrypts through the cache when it handles the algorithm: the plaintext, std::nullopt when
// the caller must use OpenSSL, or the error to report. `what` as for decryption_error.
Result<std::optional<SecureBuffer>> decrypt_cached(const WalkContext& context,
                                                   const std::string& what,
                                                   const X509_ALGOR* algorithm,
                                                   const ASN1_OCTET_STRING* ciphertext) {
    auto plaintext = context.keys->cache.decrypt(algorithm, octets_of(ciphertext));
    if (plaintext || plaintext.error().code != ErrorCode::wrong_password)
        return plaintext;
    return std::unexpected(decryption_error(context, what, algorithm));
}

Result<ossl::Pkcs8PrivKeyInfoPtr> decrypt_key(const PKCS12_SAFEBAG* bag,
                                              const WalkContext& context) {
    const X509_ALGOR* algorithm = nullptr;
    const ASN1_OCTET_STRING* ciphertext = nullptr;
    X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &algorithm, &ciphertext);
    if (auto r = charge_derivation(algorithm, "a private key", context); !r)
        return std::unexpected(r.error());
    auto plaintext = decrypt_cached(context, "a private key", algorithm, ciphertext);
    if (!plaintext)
        return std::unexpected(plaintext.error());
    ossl::Pkcs8PrivKeyInfoPtr pkcs8;
    if (*plaintext) {
        const unsigned char* cursor = (*plaintext)->data();
        pkcs8.reset(
            d2i_PKCS8_PRIV_KEY_INFO(nullptr, &cursor, static_cast<long>((*plaintext)->size())));
    } else {
        ++context.keys->openssl_derivations;
        const auto& decryption = pkcs12_detail::decryption_context();
        pkcs8.reset(PKCS12_decrypt_skey_ex(bag, context.password.data, context.password.size,
                                           decryption.libctx, nullptr));
    }
    if (!pkcs8)  // a wrong key whose padding happened to check decodes to garbage
        return std::unexpected(decryption_error(context, "a private key", algorithm));
    return pkcs8;
}

Result<ossl::Pkcs12SafeBagStackPtr> decrypt_safe(const PKCS7_ENC_CONTENT* content,
                                                 const WalkContext& context) {
    const std::string what = "the file's encrypted contents";
    auto plaintext = decrypt_cached(context, what, content->algorithm, content->enc_data);
    if (!plaintext)
        return std::unexpected(plaintext.error());
    ossl::Pkcs12SafeBagStackPtr bags;
    if (*plaintext) {
        const unsigned char* cursor = (*plaintext)->data();
        bags.reset(reinterpret_cast<STACK_OF(PKCS12_SAFEBAG)*>(
            ASN1_item_d2i(nullptr, &cursor, static_cast<long>((*plaintext)->size()),
                          ASN1_ITEM_rptr(PKCS12_SAFEBAGS))));
    } else {
        ++context.keys->openssl_derivations;
        const auto& decryption = pkcs12_detail::decryption_context();
        bags.reset(static_cast<STACK_OF(PKCS12_SAFEBAG)*>(PKCS12_item_decrypt_d2i_ex(
            content->algorithm, ASN1_ITEM_rptr(PKCS12_SAFEBAGS), context.password.data,
            context.password.size, content->enc_data, 1, decryption.libctx, nullptr)));
    }
    if (!bags)
        return std::unexpected(decryption_error(context, what, content->algorithm));
    return bags;
}

Result<void> collect_bags(const STACK_OF(PKCS12_SAFEBAG) * bags, const WalkContext& context,
                          int depth, Collected& out);

Result<void> collect_bag(const PKCS12_SAFEBAG* bag, const WalkContext& context, int depth,
                         Collected& out) {
    switch (PKCS12_SAFEBAG_get_nid(bag)) {
        case NID_keyBag: {
            auto der = pkcs8_der_of(PKCS12_SAFEBAG_get0_p8inf(bag), context.origin);
            if (!der)
                return std::unexpected(der.error());
            out.keys.push_back(
                KeyItem{std::move(*der), friendly_name_of(bag), local_key_id_of(bag)});
            return {};
        }
        case NID_pkcs8ShroudedKeyBag: {
            auto pkcs8 = decrypt_key(bag, context);
            if (!pkcs8)
                return std::unexpected(pkcs8.error());
            auto der = pkcs8_der_of(pkcs8->get(), context.origin);
            if (!der)
                return std::unexpected(der.error());
            out.keys.push_back(
                KeyItem{std::move(*der), friendly_name_of(bag), local_key_id_of(bag)});
            return {};
        }
        case NID_certBag: {
            if (PKCS12_SAFEBAG_get_bag_nid(bag) != NID_x509Certificate) {
                out.ignored.push_back(
                    "a certificate of type " +
                    pkcs12_detail::describe_oid(PKCS12_SAFEBAG_get0_bag_type(bag)));
                return {};
            }
            auto der = certificate_der_of(bag, context.origin);
            if (!der)
                return std::unexpected(der.error());
            out.certificates.push_back(
                CertificateItem{std::move(*der), friendly_name_of(bag), local_key_id_of(bag)});
            return {};
        }
        case NID_safeContentsBag:
            if (depth >= kMaxSafeContentsDepth)
                return fail(ErrorCode::corrupt,
                            context.origin + ": safe contents are nested too deeply");
            return collect_bags(PKCS12_SAFEBAG_get0_safes(bag), context, depth + 1, out);
        case NID_crlBag:
            out.ignored.push_back("a certificate revocation list (crlBag)");
            return {};
        case NID_secretBag:
            out.ignored.push_back("a secret (secretBag)");
            return {};
        default:
            out.ignored.push_back("a bag of type " +
                                  pkcs12_detail::describe_oid(PKCS12_SAFEBAG_get0_type(bag)));
            return {};
    }
}

Result<void> collect_bags(const STACK_OF(PKCS12_SAFEBAG) * bags, const WalkContext& context,
                          int depth, Collected& out) {
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); ++i) {
        if (auto r = collect_bag(sk_PKCS12_SAFEBAG_value(bags, i), context, depth, out); !r)
            return r;
    }
    return {};
}

Result<ossl::Pkcs12SafeBagStackPtr> open_safe(PKCS7* safe, const WalkContext& context) {
    const int type = OBJ_obj2nid(safe->type);
    if (type == NID_pkcs7_data) {
        ossl::Pkcs12SafeBagStackPtr bags(PKCS12_unpack_p7data(safe));
        if (!bags)
            return fail(ErrorCode::corrupt, context.origin + ": a safe in the file is malformed (" +
                                                ossl::drain_errors() + ")");
        return bags;
    }
    if (type == NID_pkcs7_encrypted) {
        const PKCS7_ENC_CONTENT* content =
            safe->d.encrypted != nullptr ? safe->d.encrypted->enc_data : nullptr;
        if (content == nullptr || content->algorithm == nullptr || content->enc_data == nullptr)
            return fail(ErrorCode::corrupt,
                        context.origin + ": an encrypted safe in the file has no content");
        if (auto r =
                charge_derivation(content->algorithm, "the file's encrypted contents", context);
            !r)
            return std::unexpected(r.error());
        return decrypt_safe(content, context);
    }
    if (type == NID_pkcs7_enveloped)
        return fail(ErrorCode::unsupported,
                    context.origin +
                        ": the file uses PKCS#12 public-key privacy mode (an "
                        "envelopedData safe), which certbackup does not support; "
                        "re-export it with password privacy");
    return fail(ErrorCode::unsupported, context.origin + ": a safe of unknown type " +
                                            pkcs12_detail::describe_oid(safe->type) +
                                            " cannot be read");
}

// Collects the bags of a safe just opened, freeing each bag once collected: the certificates'
// safe of a bundle of thousands is megabytes of decoded bags, no longer needed as their DER is
// copied out.
Result<void> collect_opened_safe(ossl::Pkcs12SafeBagStackPtr bags, const WalkContext& context,
                                 Collected& out) {
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags.get()); ++i) {
        PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags.get(), i);
        auto r = collect_bag(bag, context, 0, out);
        sk_PKCS12_SAFEBAG_set(bags.get(), i, nullptr);  // returns the new value, not `bag`
        PKCS12_SAFEBAG_free(bag);
        if (!r)
            return r;
    }
    return {};
}

// With `release_safes` (the last password to try), each safe is freed once opened: its
// ciphertext is as large as what it holds.
Result<Collected> collect(STACK_OF(PKCS7) * safes, const WalkContext& context, bool release_safes) {
    Collected out;
    for (int i = 0; i < sk_PKCS7_num(safes); ++i) {
        PKCS7* safe = sk_PKCS7_value(safes, i);
        auto bags = open_safe(safe, context);
        if (!bags)
            return std::unexpected(bags.error());
        if (release_safes) {
            sk_PKCS7_set(safes, i, nullptr);
            PKCS7_free(safe);
        }
        if (auto r = collect_opened_safe(std::move(*bags), context, out); !r)
            return std::unexpected(r.error());
    }
    return out;
}

// The candidate that verifies the MAC, or the error to report when none does.
Result<PasswordArg> verify_mac(PKCS12* pfx, const PasswordCandidates& candidates,
                               const MacInfo& mac, const std::string& origin,
                               DerivationBudget& budget) {
    auto cost = pkcs12_detail::mac_derivation_cost(mac.iterations, origin);
    if (!cost)
        return std::unexpected(cost.error());
    std::optional<pkcs12_detail::OpenSslFailure> first_failure;
    for (const PasswordArg& candidate : candidates.all()) {
        if (auto r = budget.charge(*cost); !r)
            return std::unexpected(r.error());
        if (PKCS12_verify_mac(pfx, candidate.data, candidate.size) == 1) {
            ossl::clear_errors();
            return candidate;
        }
        auto failure = pkcs12_detail::take_openssl_failure();
        if (!first_failure)
            first_failure = std::move(failure);
    }
    if (first_failure && first_failure->unsupported_algorithm)
        return fail(ErrorCode::unsupported,
                    origin + ": the file's integrity check uses " + mac.algorithm +
                        ", which this OpenSSL cannot compute (" + first_failure->detail + ")");
    return fail(ErrorCode::wrong_password,
                origin + ": wrong password: the file's integrity check (MAC, " + mac.algorithm +
                    ") does not verify with it (or the file was altered); check the password "
                    "and try again");
}

Result<ossl::Pkcs12Ptr> decode(std::span<const std::uint8_t> pfx, const std::string& origin) {
    const unsigned char* cursor = pfx.data();
    ossl::Pkcs12Ptr decoded(
        pfx.empty() ? nullptr : d2i_PKCS12(nullptr, &cursor, static_cast<long>(pfx.size())));
    if (!decoded) {
        ossl::clear_errors();
        const std::string_view text(reinterpret_cast<const char*>(pfx.data()), pfx.size());
        if (text.starts_with("-----BEGIN"))
            return fail(ErrorCode::corrupt,
                        origin +
                            ": this is PEM text, not a PKCS#12 (PFX) file, which is binary "
                            "DER");
        return fail(ErrorCode::corrupt,
                    origin + ": not a PKCS#12 (PFX) file, or it is truncated or damaged (" +
                        std::to_string(pfx.size()) + " bytes could not be decoded)");
    }
    const auto consumed = static_cast<std::size_t>(cursor - pfx.data());
    if (consumed != pfx.size())
        return fail(ErrorCode::corrupt,
                    origin + ": " + std::to_string(pfx.size() - consumed) +
                        " bytes of unexpected data follow the PKCS#12 structure; the file is "
                        "damaged or two files were joined");
    return decoded;
}

Result<ossl::Pkcs7StackPtr> unpack_safes(const PKCS12* pfx, const std::string& origin) {
    ossl::Pkcs7StackPtr safes(PKCS12_unpack_authsafes(pfx));
    if (safes)
        return safes;
    const unsigned long code = ERR_peek_error();
    const std::string detail = ossl::drain_errors();
    if (ERR_GET_LIB(code) == ERR_LIB_PKCS12 &&
        ERR_GET_REASON(code) == PKCS12_R_CONTENT_TYPE_NOT_DATA)
        return fail(ErrorCode::unsupported,
                    origin +
                        ": the file uses PKCS#12 public-key integrity mode (signed), which "
                        "certbackup does not support; re-export it with a password");
    return fail(ErrorCode::corrupt,
                origin + ": the contents of the file are malformed (" + detail + ")");
}

// Adds up what one password needs to open the structures visible without decrypting anything:
// the MAC, every encrypted safe, and the shrouded keys of unencrypted safes. Refuses a file whose
// work is not allowed or passes the budget before any derivation runs. (Keys inside an encrypted
// safe show only after its decryption; the walk charges them as it finds them.)
Result<void> plan_bags(const STACK_OF(PKCS12_SAFEBAG) * bags, int depth, DerivationBudget& plan,
                       const std::string& origin) {
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags) && depth <= kMaxSafeContentsDepth; ++i) {
        const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags, i);
        const int type = PKCS12_SAFEBAG_get_nid(bag);
        if (type == NID_safeContentsBag) {
            if (auto r = plan_bags(PKCS12_SAFEBAG_get0_safes(bag), depth + 1, plan, origin); !r)
                return r;
        } else if (type == NID_pkcs8ShroudedKeyBag) {
            const X509_ALGOR* algorithm = nullptr;
            X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &algorithm, nullptr);
            auto cost = pkcs12_detail::derivation_cost(algorithm, "a private key", origin);
            if (!cost)
                return std::unexpected(cost.error());
            if (auto r = plan.charge(*cost); !r)
                return r;
        }
    }
    return {};
}

Result<void> plan_work(STACK_OF(PKCS7) * safes, const MacInfo& mac, const std::string& origin,
                       std::int64_t limit) {
    DerivationBudget plan(origin, limit);
    if (mac.present) {
        auto cost = pkcs12_detail::mac_derivation_cost(mac.iterations, origin);
        if (!cost)
            return std::unexpected(cost.error());
        if (auto r = plan.charge(*cost); !r)
            return r;
    }
    for (int i = 0; i < sk_PKCS7_num(safes); ++i) {
        PKCS7* safe = sk_PKCS7_value(safes, i);
        const int type = OBJ_obj2nid(safe->type);
        if (type == NID_pkcs7_encrypted && safe->d.encrypted != nullptr &&
            safe->d.encrypted->enc_data != nullptr) {
            auto cost = pkcs12_detail::derivation_cost(safe->d.encrypted->enc_data->algorithm,
                                                       "the file's encrypted contents", origin);
            if (!cost)
                return std::unexpected(cost.error());
            if (auto r = plan.charge(*cost); !r)
                return r;
        } else if (type == NID_pkcs7_data) {
            // Malformed safes are reported by the walk, with its message.
            ossl::Pkcs12SafeBagStackPtr bags(PKCS12_unpack_p7data(safe));
            ossl::clear_errors();
            if (bags)
                if (auto r = plan_bags(bags.get(), 0, plan, origin); !r)
                    return r;
        }
    }
    return {};
}

// The PBES2 key of the first encrypted safe, derived on another thread while the MAC is checked
// (both need only the password and a salt from the file), for a file with a MAC and a single
// password to try: the walk then finds it in its cache. The derivation is one that plan_work
// has counted already. std::nullopt when there is nothing to derive ahead.
struct KeyAhead {
    pkcs12_detail::Pbes2KeyId id;
    std::future<Result<SecureBuffer>> key;
};

std::optional<KeyAhead> start_key_ahead(STACK_OF(PKCS7) * safes, const PasswordArg& password) {
    for (int i = 0; i < sk_PKCS7_num(safes); ++i) {
        const PKCS7* safe = sk_PKCS7_value(safes, i);
        if (OBJ_obj2nid(safe->type) != NID_pkcs7_encrypted || safe->d.encrypted == nullptr ||
            safe->d.encrypted->enc_data == nullptr)
            continue;
        auto id = pkcs12_detail::pbes2_key_id(safe->d.encrypted->enc_data->algorithm);
        if (!id)
            return std::nullopt;
        KeyAhead ahead{*id, {}};
        ahead.key = start_background_task([password, id = std::move(*id)] {
            return pkcs12_detail::derive_pbes2_key(password, id);
        });
        return ahead;
    }
    return std::nullopt;
}

// Walks the safes with each password in turn until one decrypts them (without a MAC, only
// decryption tells whether a candidate is right), using the key derived ahead if any.
Result<Collected> walk(STACK_OF(PKCS7) * safes, const std::vector<PasswordArg>& to_try,
                       bool mac_verified, const std::string& origin, DerivationBudget& budget,
                       std::optional<KeyAhead>& ahead) {
    std::optional<Result<Collected>> collected;
    std::size_t derivations = 0;
    for (const PasswordArg& candidate : to_try) {
        const bool last = &candidate == &to_try.back();
        budget.forget_shared_keys();
        WalkKeys keys(candidate, budget);
        if (ahead) {
            // A failed derivation ahead is simply run again by the walk, which reports it.
            if (auto key = ahead->key.get())
                keys.cache.adopt(std::move(ahead->id), std::move(*key));
            ahead.reset();
        }
        collected = collect(safes, WalkContext{candidate, mac_verified, origin, &keys}, last);
        derivations += keys.derivations();
        if (*collected || collected->error().code != ErrorCode::wrong_password)
            break;
    }
    if (*collected)
        (*collected)->derivations = derivations;
    return std::move(*collected);
}

// Pairs what the walk found, hands out each certificate with its name cleaned, and returns the
// file's details.
Result<Pkcs12Details> assemble(Collected collected, const MacInfo& mac, const std::string& origin,
                               bool require_private_key, const Pkcs12Sink& sink) {
    if (require_private_key && collected.keys.empty())
        return fail(ErrorCode::not_found,
                    origin +
                        ": the file holds no private key (only certificates); export the "
                        "certificate again together with its private key");
    std::vector<std::pair<std::size_t, std::string>> warnings;  // by file index
    auto assembled = pkcs12_detail::assemble_certificates(
        std::move(collected.certificates), std::move(collected.keys), origin,
        [&](const SecureBuffer& pkcs8) {  // on the pairing's workers too: each its own decoder
            return key_from_pkcs8(pkcs8.span(), origin, thread_key_decoder());
        },
        [&](std::size_t index, Certificate certificate) {
            if (auto warning = clean_name(certificate, origin))
                warnings.emplace_back(index, std::move(*warning));
            return sink(index, std::move(certificate));
        });
    if (!assembled)
        return std::unexpected(assembled.error());

    Pkcs12Details details;
    std::stable_sort(warnings.begin(), warnings.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [index, text] : warnings)
        details.warnings.push_back(std::move(text));
    details.mac_algorithm = mac.present ? mac.algorithm : std::string();
    details.mac_iterations = mac.present ? static_cast<int>(mac.iterations) : 0;
    details.ignored_items = std::move(collected.ignored);
    details.decryption_key_derivations = static_cast<int>(collected.derivations);
    return details;
}

}  // namespace

Result<Pkcs12Details> import_pkcs12_each(std::span<const std::uint8_t> pfx,
                                         std::string_view password, std::string_view origin_view,
                                         const Pkcs12ImportOptions& options,
                                         const Pkcs12Sink& sink) {
    const std::string origin(origin_view);
    auto password_arg = pkcs12_detail::password_arg(password);
    if (!password_arg)
        return std::unexpected(password_arg.error().with_context(origin));
    auto decoded = decode(pfx, origin);
    if (!decoded)
        return std::unexpected(decoded.error());
    PKCS12* file = decoded->get();

    if (options.release_after_decode != nullptr)
        std::vector<std::uint8_t>().swap(*options.release_after_decode);  // `pfx` is gone now
    const MacInfo mac = read_mac_info(file);
    auto safes = unpack_safes(file, origin);
    if (!safes)
        return std::unexpected(safes.error());
    // Nothing is derived before the work one password needs is known to be allowed and bounded.
    // A payload certbackup wrote (vouched for by its digest) may need one derivation per key.
    const std::int64_t limit = options.source == Pkcs12Source::untrusted_file
                                   ? pkcs12_detail::kMaxFileIterations
                                   : std::numeric_limits<std::int64_t>::max() / 4;
    if (auto r = plan_work(safes->get(), mac, origin, limit); !r)
        return std::unexpected(r.error());

    const PasswordCandidates candidates(*password_arg);
    // What the import may spend in all: the planned work once per password it may have to try.
    DerivationBudget budget(origin, limit * static_cast<std::int64_t>(candidates.all().size()));
    std::vector<PasswordArg> to_try = candidates.all();
    std::optional<KeyAhead> ahead;
    if (mac.present) {
        if (to_try.size() == 1)
            ahead = start_key_ahead(safes->get(), to_try.front());
        auto verified = verify_mac(file, candidates, mac, origin, budget);
        if (!verified)
            return std::unexpected(verified.error());  // waits for `ahead` and drops its key
        to_try = {*verified};
    }
    // The safes are decoded copies: the file's own tree is no longer needed (a bundle of 10000
    // certificates is megabytes of it).
    decoded->reset();
    file = nullptr;

    auto collected = walk(safes->get(), to_try, mac.present, origin, budget, ahead);
    if (!collected)
        return std::unexpected(collected.error());
    safes->reset();
    return assemble(std::move(*collected), mac, origin, options.require_private_key, sink);
}

Result<Pkcs12Contents> import_pkcs12(std::span<const std::uint8_t> pfx, std::string_view password,
                                     std::string_view origin, bool require_private_key,
                                     Pkcs12Source source) {
    std::vector<std::pair<std::size_t, Certificate>> certificates;
    auto details = import_pkcs12_each(
        pfx, password, origin, Pkcs12ImportOptions{require_private_key, source, nullptr},
        [&](std::size_t index, Certificate certificate) -> Result<void> {
            certificates.emplace_back(index, std::move(certificate));
            return {};
        });
    if (!details)
        return std::unexpected(details.error());
    std::stable_sort(certificates.begin(), certificates.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    Pkcs12Contents contents;
    static_cast<Pkcs12Details&>(contents) = std::move(*details);
    contents.certificates.reserve(certificates.size());
    for (auto& [index, certificate] : certificates)
        contents.certificates.push_back(std::move(certificate));
    return contents;
}

}  // namespace certbackup
