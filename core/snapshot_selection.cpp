#include "core/snapshot_selection.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

namespace certbackup {
namespace {

struct Token {
    std::optional<CertificateKind> kind;
    std::string database;    // with kind: KIND/DB
    std::string thumbprint;  // lower-case hex prefix
};

bool is_hex(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c));
    });
}

bool matches(const Token& t, const ManifestEntry& e) {
    if (!t.thumbprint.empty())
        return e.certificate.info.sha256_hex.starts_with(t.thumbprint);
    return std::any_of(e.bindings.begin(), e.bindings.end(), [&](const Binding& b) {
        return b.kind == *t.kind && (t.database.empty() || b.database == t.database);
    });
}

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return std::string(s);
}

}  // namespace

Result<EntryFilter> parse_selection(std::string_view text, const SnapshotManifest& manifest) {
    if (trim(text).empty())
        return EntryFilter{};
    const std::string shapes =
        "use a kind (ssl, server_encryption, database, master_key, discovery_service, "
        "password_reset), KIND/DB, or a SHA-256 thumbprint (8 or more hex digits)";
    auto tokens = std::make_shared<std::vector<Token>>();
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        const std::string raw = trim(text.substr(start, comma - start));
        start = comma + 1;
        if (raw.empty())
            continue;
        Token token;
        const std::size_t slash = raw.find('/');
        if (auto kind = parse_kind(raw.substr(0, slash))) {
            token.kind = kind;
            if (slash != std::string::npos)
                token.database = raw.substr(slash + 1);
            if (slash != std::string::npos && token.database.empty())
                return fail(ErrorCode::invalid_argument,
                            "selection '" + raw + "' names no database; " + shapes);
        } else if (is_hex(raw) && raw.size() >= 8 && raw.size() <= 64) {
            token.thumbprint = raw;
            std::transform(token.thumbprint.begin(), token.thumbprint.end(),
                           token.thumbprint.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        } else {
            return fail(ErrorCode::invalid_argument,
                        "selection '" + raw + "' is not understood; " + shapes);
        }
        const auto hits = std::count_if(manifest.entries.begin(), manifest.entries.end(),
                                        [&](const ManifestEntry& e) { return matches(token, e); });
        if (hits == 0)
            return fail(ErrorCode::not_found,
                        "selection '" + raw + "' matches no certificate in this backup");
        if (!token.thumbprint.empty() && hits > 1)
            return fail(ErrorCode::invalid_argument, "thumbprint prefix '" + raw + "' matches " +
                                                         std::to_string(hits) +
                                                         " certificates; give more digits");
        tokens->push_back(std::move(token));
    }
    if (tokens->empty())
        return EntryFilter{};
    return EntryFilter([tokens](const ManifestEntry& e) {
        return std::any_of(tokens->begin(), tokens->end(),
                           [&](const Token& t) { return matches(t, e); });
    });
}

}  // namespace certbackup
