#include "core/pkcs12_pairing.hpp"

#include <openssl/x509_vfy.h>

#include <algorithm>
#include <limits>
#include <string>
#include <unordered_map>

namespace certbackup::pkcs12_detail {
namespace {

// Longer chains than this are not real; the limit only guards against loops.
constexpr std::size_t kMaxChainLength = 16;
constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

struct Node {
    ossl::X509Ptr certificate;
    std::string friendly_name;
    std::vector<std::vector<std::uint8_t>> local_key_ids;
    ossl::EvpPkeyPtr key;
    std::string key_friendly_name;
    bool issued_another = false;
};

unsigned long name_hash(const X509_NAME* name) {
    int ok = 0;
    const unsigned long hash = X509_NAME_hash_ex(name, nullptr, nullptr, &ok);
    ossl::clear_errors();
    return ok == 1 ? hash : 0;
}

bool is_issued_by(X509* subject, X509* issuer) {
    const bool issued = X509_check_issued(issuer, subject) == X509_V_OK;
    ossl::clear_errors();
    return issued;
}

class CertificateGraph {
  public:
    explicit CertificateGraph(const std::vector<Node>& nodes) : nodes_(nodes) {
        for (std::size_t i = 0; i < nodes_.size(); ++i)
            by_subject_.emplace(name_hash(X509_get_subject_name(nodes_[i].certificate.get())), i);
    }

    // The certificates in the file that issued node `i`, other than `i` itself.
    std::vector<std::size_t> issuers_of(std::size_t i) const {
        std::vector<std::size_t> out;
        X509* subject = nodes_[i].certificate.get();
        const auto [first, last] =
            by_subject_.equal_range(name_hash(X509_get_issuer_name(subject)));
        for (auto it = first; it != last; ++it) {
            if (it->second != i && is_issued_by(subject, nodes_[it->second].certificate.get()))
                out.push_back(it->second);
        }
        std::sort(out.begin(), out.end());  // file order, whatever the hash map's order
        return out;
    }

    std::vector<std::size_t> chain_of(std::size_t leaf) const {
        std::vector<std::size_t> chain;
        std::vector<bool> used(nodes_.size(), false);
        used[leaf] = true;
        std::size_t current = leaf;
        while (chain.size() < kMaxChainLength) {
            X509* cert = nodes_[current].certificate.get();
            if (is_issued_by(cert, cert))
                break;  // self-issued: the top of the chain
            std::size_t next = kNone;
            for (std::size_t candidate : issuers_of(current)) {
                if (!used[candidate]) {
                    next = candidate;
                    break;
                }
            }
            if (next == kNone)
                break;
            chain.push_back(next);
            used[next] = true;
            current = next;
        }
        return chain;
    }

  private:
    const std::vector<Node>& nodes_;
    std::unordered_multimap<unsigned long, std::size_t> by_subject_;
};

std::vector<Node> unique_nodes(std::vector<CertificateItem> items) {
    std::vector<Node> nodes;
    std::unordered_map<std::string, std::size_t> by_digest;
    for (auto& item : items) {
        const std::string digest = sha256_hex_of(item.certificate.get());
        auto [it, inserted] = by_digest.emplace(digest, nodes.size());
        if (inserted) {
            nodes.push_back(Node{std::move(item.certificate), {}, {}, nullptr, {}, false});
        }
        Node& node = nodes[it->second];
        if (node.friendly_name.empty())
            node.friendly_name = std::move(item.friendly_name);
        if (!item.local_key_id.empty())
            node.local_key_ids.push_back(std::move(item.local_key_id));
    }
    return nodes;
}

// The certificates carrying each localKeyID, in file order: a bundle pairs thousands of keys,
// which a scan of every certificate per key would make quadratic.
using LocalKeyIdIndex = std::unordered_map<std::string, std::vector<std::size_t>>;

std::string id_text(const std::vector<std::uint8_t>& id) {
    return std::string(id.begin(), id.end());
}

LocalKeyIdIndex index_local_key_ids(const std::vector<Node>& nodes) {
    LocalKeyIdIndex index;
    for (std::size_t i = 0; i < nodes.size(); ++i)
        for (const auto& id : nodes[i].local_key_ids) {
            auto& holders = index[id_text(id)];
            if (holders.empty() || holders.back() != i)
                holders.push_back(i);
        }
    return index;
}

// Index of the certificate that `key` belongs to, by localKeyID first, else by public key
// among certificates without a key; kNone when none fits.
std::size_t find_certificate_for(const KeyItem& key, const std::vector<Node>& nodes,
                                 const LocalKeyIdIndex& by_local_key_id) {
    if (!key.local_key_id.empty()) {
        if (const auto found = by_local_key_id.find(id_text(key.local_key_id));
            found != by_local_key_id.end())
            for (std::size_t i : found->second)
                if (key_matches(nodes[i].certificate.get(), key.key.get()))
                    return i;
    }
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (!nodes[i].key && key_matches(nodes[i].certificate.get(), key.key.get()))
            return i;
    }
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (key_matches(nodes[i].certificate.get(), key.key.get()))
            return i;  // already paired: this key is a second copy
    }
    return kNone;
}

}  // namespace

Result<std::vector<Certificate>> assemble_certificates(std::vector<CertificateItem> certificates,
                                                       std::vector<KeyItem> keys,
                                                       std::string_view origin) {
    std::vector<Node> nodes = unique_nodes(std::move(certificates));
    const LocalKeyIdIndex by_local_key_id = index_local_key_ids(nodes);
    for (std::size_t k = 0; k < keys.size(); ++k) {
        const std::size_t target = find_certificate_for(keys[k], nodes, by_local_key_id);
        if (target == kNone) {
            const std::string name =
                keys[k].friendly_name.empty() ? "" : " ('" + keys[k].friendly_name + "')";
            return fail(ErrorCode::unsupported,
                        std::string(origin) + ": private key " + std::to_string(k + 1) + name +
                            " has no matching certificate in the file; a key can be imported "
                            "only together with its certificate");
        }
        if (nodes[target].key)
            continue;
        nodes[target].key = std::move(keys[k].key);
        nodes[target].key_friendly_name = std::move(keys[k].friendly_name);
    }

    CertificateGraph graph(nodes);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        for (std::size_t issuer : graph.issuers_of(i))
            nodes[issuer].issued_another = true;
    }

    std::vector<Certificate> out;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        Node& node = nodes[i];
        const bool leaf = node.key || !node.local_key_ids.empty() || !node.issued_another;
        if (!leaf)
            continue;
        std::vector<ossl::X509Ptr> chain;
        for (std::size_t issuer : graph.chain_of(i))
            chain.push_back(ossl::share(nodes[issuer].certificate.get()));
        std::string name = node.friendly_name.empty() ? node.key_friendly_name : node.friendly_name;
        auto certificate =
            Certificate::create(ossl::share(node.certificate.get()), std::move(node.key),
                                std::move(chain), std::move(name));
        if (!certificate)
            return std::unexpected(certificate.error().with_context(origin));
        out.push_back(std::move(*certificate));
    }
    return out;
}

}  // namespace certbackup::pkcs12_detail
