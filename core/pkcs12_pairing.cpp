#include "core/pkcs12_pairing.hpp"

#include <openssl/x509_vfy.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <optional>
#include <string>
#include <unordered_map>

#include "certbackup/base/parallel_tasks.hpp"
#include "core/certificate_summary.hpp"

namespace certbackup::pkcs12_detail {
namespace {

// Longer chains than this are not real; the limit only guards against loops.
constexpr std::size_t kMaxChainLength = 16;
constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

// One distinct certificate of the file. `public_key` views into `der` (a moved vector keeps its
// buffer).
struct Node {
    std::vector<std::uint8_t> der;
    std::string friendly_name;
    std::vector<std::vector<std::uint8_t>> local_key_ids;
    unsigned long subject_hash = 0;
    unsigned long issuer_hash = 0;
    std::span<const std::uint8_t> public_key;  // empty when the DER walk could not find it
    ossl::X509Ptr issuer;                      // kept decoded once tried as an issuer
    bool has_key = false;
    bool handed_out = false;
};

unsigned long name_hash(const X509_NAME* name) {
    int ok = 0;
    const unsigned long hash = X509_NAME_hash_ex(name, nullptr, nullptr, &ok);
    ossl::clear_errors();
    return ok == 1 ? hash : 0;
}

// The hash of a Name's DER; 0 (a bucket like any other) when it does not decode.
unsigned long name_hash(std::span<const std::uint8_t> der) {
    const unsigned char* cursor = der.data();
    const ossl::X509NamePtr name(d2i_X509_NAME(nullptr, &cursor, static_cast<long>(der.size())));
    if (!name) {
        ossl::clear_errors();
        return 0;
    }
    return name_hash(name.get());
}

bool is_issued_by(X509* subject, X509* issuer) {
    const bool issued = X509_check_issued(issuer, subject) == X509_V_OK;
    ossl::clear_errors();
    return issued;
}

std::string text_of(std::span<const std::uint8_t> bytes) {
    return std::string(bytes.begin(), bytes.end());
}

// The public key's SubjectPublicKeyInfo DER; empty when it cannot be encoded.
std::string public_key_der(EVP_PKEY* key) {
    unsigned char* der = nullptr;
    const int length = i2d_PUBKEY(key, &der);
    if (length <= 0) {
        ossl::clear_errors();
        return {};
    }
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
    OPENSSL_free(der);
    return out;
}

// As OpenSSL's PKCS12_SAFEBAG_get1_cert decodes a certBag: bytes after the certificate are
// ignored.
Result<ossl::X509Ptr> decode_certificate_der(const std::vector<std::uint8_t>& der,
                                             const std::string& origin) {
    const unsigned char* cursor = der.data();
    ossl::X509Ptr decoded(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
    if (!decoded)
        return fail(ErrorCode::corrupt, origin + ": a certificate in the file is malformed (" +
                                            ossl::drain_errors() + ")");
    return decoded;
}

// The certificate found for a key, decoded.
struct Match {
    std::size_t index = kNone;
    ossl::X509Ptr certificate;
};

// A key made ready for its pairing (by a worker when keys are decoded ahead): decoded, and
// with the certificate its localKeyID names when that one holds its public key.
struct DecodedKey {
    KeyItem item;  // its PKCS#8 goes to the Certificate (Certificate::create)
    ossl::EvpPkeyPtr key;
    Match by_local_key_id;  // no index when the localKeyID names no certificate of this key
};

class Assembler {
  public:
    Assembler(std::string_view origin, const AssembledSink& sink) : origin_(origin), sink_(sink) {}

    Result<void> add_certificates(std::vector<CertificateItem> items);
    // Thread-safe once the certificates are added, also while pair_key runs: it reads only
    // what add_certificates made (each certificate's DER, the localKeyID index).
    Result<DecodedKey> decode_key(KeyItem item, const KeyDecoder& decode_pkcs8) const;
    // `number`: the key's place in the file, from 1, for messages. In key order.
    Result<void> pair_key(std::size_t number, DecodedKey decoded);
    Result<void> hand_out_leaves_without_key();

  private:
    Result<ossl::X509Ptr> decode(std::size_t i);
    Result<X509*> issuer_candidate(std::size_t i);
    Result<void> index_names(Node& node);
    Result<Match> match_by_public_key(EVP_PKEY* key);
    Result<Match> first_match(const std::vector<std::size_t>& candidates, bool with_key,
                              EVP_PKEY* key);
    Result<bool> matches(std::size_t i, EVP_PKEY* key, Match& match);
    Result<bool> issued_another(std::size_t i);
    Result<std::vector<ossl::X509Ptr>> chain_of(std::size_t leaf, X509* decoded);
    Result<void> hand_out(std::size_t i, ossl::X509Ptr decoded, ossl::EvpPkeyPtr key,
                          SecureBuffer key_der, std::string name);

    std::string origin_;
    const AssembledSink& sink_;
    std::vector<Node> nodes_;
    std::unordered_map<unsigned long, std::vector<std::size_t>> by_subject_;
    std::unordered_map<unsigned long, std::vector<std::size_t>> by_issuer_;
    std::unordered_map<std::string, std::vector<std::size_t>> by_local_key_id_;
    // Built when a key is first paired by public key (files without localKeyIDs), with the
    // list of every certificate in file order that the match falls back to.
    std::optional<std::unordered_map<std::string, std::vector<std::size_t>>> by_public_key_;
    std::vector<std::size_t> every_certificate_;
};

Result<ossl::X509Ptr> Assembler::decode(std::size_t i) {
    Node& node = nodes_[i];
    if (node.issuer)
        return ossl::share(node.issuer.get());
    return decode_certificate_der(node.der, origin_);
}

Result<X509*> Assembler::issuer_candidate(std::size_t i) {
    if (!nodes_[i].issuer) {
        auto decoded = decode(i);
        if (!decoded)
            return std::unexpected(decoded.error());
        nodes_[i].issuer = std::move(*decoded);
    }
    return nodes_[i].issuer.get();
}

// Name hashes from the DER walk; a certificate the walk does not read (BER that OpenSSL
// accepts) is decoded for them.
Result<void> Assembler::index_names(Node& node) {
    if (auto parts = certificate_der_parts(node.der)) {
        node.subject_hash = name_hash(parts->subject);
        node.issuer_hash = name_hash(parts->issuer);
        node.public_key = parts->public_key;
        return {};
    }
    auto decoded = decode_certificate_der(node.der, origin_);
    if (!decoded)
        return std::unexpected(decoded.error());
    node.subject_hash = name_hash(X509_get_subject_name(decoded->get()));
    node.issuer_hash = name_hash(X509_get_issuer_name(decoded->get()));
    return {};
}

Result<void> Assembler::add_certificates(std::vector<CertificateItem> items) {
    std::unordered_map<std::string, std::size_t> by_digest;
    for (auto& item : items) {
        auto [it, inserted] = by_digest.emplace(text_of(ossl::sha256(item.der)), nodes_.size());
        if (inserted) {
            Node node;
            node.der = std::move(item.der);
            if (auto indexed = index_names(node); !indexed)
                return indexed;
            nodes_.push_back(std::move(node));
        }
        const std::size_t i = it->second;
        Node& node = nodes_[i];
        if (node.friendly_name.empty())
            node.friendly_name = std::move(item.friendly_name);
        if (!item.local_key_id.empty()) {
            auto& holders = by_local_key_id_[text_of(item.local_key_id)];
            if (holders.empty() || holders.back() != i)
                holders.push_back(i);
            node.local_key_ids.push_back(std::move(item.local_key_id));
        }
        if (inserted) {
            by_subject_[node.subject_hash].push_back(i);
            by_issuer_[node.issuer_hash].push_back(i);
        }
    }
    return {};
}

// True (with `match` filled) when certificate `i` holds the public key of `key`.
Result<bool> Assembler::matches(std::size_t i, EVP_PKEY* key, Match& match) {
    auto decoded = decode(i);
    if (!decoded)
        return std::unexpected(decoded.error());
    if (!key_matches(decoded->get(), key))
        return false;
    match = Match{i, std::move(*decoded)};
    return true;
}

// The first certificate without a key whose public key is the key's, else the first with one
// (the key is then a second copy): by the SubjectPublicKeyInfo encoding first, then, for
// encodings that differ, by decoding every certificate.
Result<Match> Assembler::match_by_public_key(EVP_PKEY* key) {
    if (!by_public_key_) {
        by_public_key_.emplace();
        for (std::size_t i = 0; i < nodes_.size(); ++i)
            if (!nodes_[i].public_key.empty())
                (*by_public_key_)[text_of(nodes_[i].public_key)].push_back(i);
        every_certificate_.resize(nodes_.size());
        std::iota(every_certificate_.begin(), every_certificate_.end(), std::size_t{0});
    }
    const auto same = by_public_key_->find(public_key_der(key));
    for (const bool with_key : {false, true}) {
        if (same != by_public_key_->end()) {
            auto match = first_match(same->second, with_key, key);
            if (!match || match->index != kNone)
                return match;
        }
        auto match = first_match(every_certificate_, with_key, key);
        if (!match || match->index != kNone)
            return match;
    }
    return Match{};
}

// The first of `candidates` (file order) with a key (`with_key`) or without one that holds the
// public key of `key`; a Match without an index when none does.
Result<Match> Assembler::first_match(const std::vector<std::size_t>& candidates, bool with_key,
                                     EVP_PKEY* key) {
    Match match;
    for (std::size_t i : candidates) {
        if (nodes_[i].has_key != with_key)
            continue;
        auto found = matches(i, key, match);
        if (!found)
            return std::unexpected(found.error());
        if (*found)
            return match;
    }
    return match;
}

Result<DecodedKey> Assembler::decode_key(KeyItem item, const KeyDecoder& decode_pkcs8) const {
    auto key = decode_pkcs8(item.pkcs8);
    if (!key)
        return std::unexpected(key.error());
    DecodedKey decoded{std::move(item), std::move(*key), {}};
    if (decoded.item.local_key_id.empty())
        return decoded;
    const auto found = by_local_key_id_.find(text_of(decoded.item.local_key_id));
    if (found == by_local_key_id_.end())
        return decoded;
    for (std::size_t i : found->second) {
        // From the DER, not through decode(): the issuer cache belongs to the pairing thread.
        auto certificate = decode_certificate_der(nodes_[i].der, origin_);
        if (!certificate)
            return std::unexpected(certificate.error());
        if (key_matches(certificate->get(), decoded.key.get())) {
            decoded.by_local_key_id = Match{i, std::move(*certificate)};
            break;
        }
    }
    return decoded;
}

Result<void> Assembler::pair_key(std::size_t number, DecodedKey decoded) {
    KeyItem& item = decoded.item;
    auto match = decoded.by_local_key_id.index != kNone
                     ? Result<Match>(std::move(decoded.by_local_key_id))
                     : match_by_public_key(decoded.key.get());
    if (!match)
        return std::unexpected(match.error());
    if (match->index == kNone)
        return fail(ErrorCode::unsupported,
                    origin_ + ": private key " + std::to_string(number) +
                        (item.friendly_name.empty() ? "" : " ('" + item.friendly_name + "')") +
                        " has no matching certificate in the file; a key can be imported only "
                        "together with its certificate");
    Node& node = nodes_[match->index];
    if (node.has_key)
        return {};  // a second copy
    node.has_key = true;
    std::string name =
        node.friendly_name.empty() ? std::move(item.friendly_name) : node.friendly_name;
    // The certificate keeps the key's DER, to write it as it is (Certificate::create).
    return hand_out(match->index, std::move(match->certificate), std::move(decoded.key),
                    std::move(item.pkcs8), std::move(name));
}

// Whether certificate `i` issued another certificate of the file.
Result<bool> Assembler::issued_another(std::size_t i) {
    const auto subjects = by_issuer_.find(nodes_[i].subject_hash);
    if (subjects == by_issuer_.end())
        return false;
    for (std::size_t j : subjects->second) {
        if (j == i)
            continue;
        auto issuer = issuer_candidate(i);
        if (!issuer)
            return std::unexpected(issuer.error());
        auto subject = decode(j);
        if (!subject)
            return std::unexpected(subject.error());
        if (is_issued_by(subject->get(), *issuer))
            return true;
    }
    return false;
}

// The chain of `leaf` (decoded: `certificate`), its issuer first.
Result<std::vector<ossl::X509Ptr>> Assembler::chain_of(std::size_t leaf, X509* certificate) {
    std::vector<std::size_t> used{leaf};
    std::vector<ossl::X509Ptr> chain;
    std::size_t current = leaf;
    X509* current_certificate = certificate;
    while (chain.size() < kMaxChainLength &&
           !is_issued_by(current_certificate, current_certificate)) {
        const auto candidates = by_subject_.find(nodes_[current].issuer_hash);
        if (candidates == by_subject_.end())
            break;
        std::size_t next = kNone;
        for (std::size_t candidate : candidates->second) {  // file order
            if (std::find(used.begin(), used.end(), candidate) != used.end())
                continue;
            auto issuer = issuer_candidate(candidate);
            if (!issuer)
                return std::unexpected(issuer.error());
            if (is_issued_by(current_certificate, *issuer)) {
                next = candidate;
                current_certificate = *issuer;
                break;
            }
        }
        if (next == kNone)
            break;
        chain.push_back(ossl::share(current_certificate));
        used.push_back(next);
        current = next;
    }
    return chain;
}

Result<void> Assembler::hand_out(std::size_t i, ossl::X509Ptr decoded, ossl::EvpPkeyPtr key,
                                 SecureBuffer key_der, std::string name) {
    nodes_[i].handed_out = true;
    auto chain = chain_of(i, decoded.get());
    if (!chain)
        return std::unexpected(chain.error());
    auto certificate = Certificate::create(std::move(decoded), std::move(key), std::move(*chain),
                                           std::move(name), std::move(key_der));
    if (!certificate)
        return std::unexpected(certificate.error().with_context(origin_));
    return sink_(i, std::move(*certificate));
}

Result<void> Assembler::hand_out_leaves_without_key() {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        Node& node = nodes_[i];
        if (node.handed_out)
            continue;
        if (node.local_key_ids.empty()) {
            auto issued = issued_another(i);
            if (!issued)
                return std::unexpected(issued.error());
            if (*issued)
                continue;  // a chain certificate
        }
        auto decoded = decode(i);
        if (!decoded)
            return std::unexpected(decoded.error());
        if (auto r = hand_out(i, std::move(*decoded), nullptr, {}, node.friendly_name); !r)
            return r;
    }
    return {};
}

}  // namespace

Result<void> assemble_certificates(std::vector<CertificateItem> certificates,
                                   std::vector<KeyItem> keys, std::string_view origin,
                                   const KeyDecoder& decode_key, const AssembledSink& sink) {
    Assembler assembler(origin, sink);
    if (auto added = assembler.add_certificates(std::move(certificates)); !added)
        return added;
    if (keys.size() < kParallelPairingFrom) {
        for (std::size_t k = 0; k < keys.size(); ++k) {
            auto decoded = assembler.decode_key(std::move(keys[k]), decode_key);
            if (!decoded)
                return std::unexpected(decoded.error());
            if (auto paired = assembler.pair_key(k + 1, std::move(*decoded)); !paired)
                return paired;
        }
    } else {
        // Key k is decoded into slot k % window once key k - window has been paired.
        std::vector<std::optional<DecodedKey>> ahead(kPairingWindow);
        const auto decode = [&](std::size_t k) -> Result<void> {
            auto decoded = assembler.decode_key(std::move(keys[k]), decode_key);
            if (!decoded)
                return std::unexpected(decoded.error());
            ahead[k % kPairingWindow] = std::move(*decoded);
            return {};
        };
        const auto pair = [&](std::size_t k) -> Result<void> {
            DecodedKey decoded = std::move(*ahead[k % kPairingWindow]);
            ahead[k % kPairingWindow].reset();
            return assembler.pair_key(k + 1, std::move(decoded));
        };
        auto paired = run_parallel_in_order(keys.size(), 0, kPairingWindow, decode, pair,
                                            WorkHooks{}, "pairing the keys");
        if (!paired)
            return paired;
    }
    return assembler.hand_out_leaves_without_key();
}

}  // namespace certbackup::pkcs12_detail
