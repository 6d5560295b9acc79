#include "core/binding.hpp"

#include <array>
#include <vector>

namespace certbackup {
namespace {

constexpr std::array<std::pair<CertificateKind, std::string_view>, 6> kKindNames{{
    {CertificateKind::ssl, "ssl"},
    {CertificateKind::server_encryption, "server_encryption"},
    {CertificateKind::database, "database"},
    {CertificateKind::master_key, "master_key"},
    {CertificateKind::discovery_service, "discovery_service"},
    {CertificateKind::password_reset, "password_reset"},
}};

// How many segments after the kind each kind takes.
std::size_t arity(CertificateKind kind) {
    switch (kind) {
        case CertificateKind::ssl:
        case CertificateKind::server_encryption:
            return 0;
        case CertificateKind::database:
            return 1;
        default:
            return 2;
    }
}

bool valid_segment(std::string_view s) {
    if (s.empty())
        return false;
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
        if (!ok)
            return false;
    }
    return true;
}

std::vector<std::string_view> split(std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t slash = text.find('/', start);
        parts.push_back(
            text.substr(start, slash == std::string_view::npos ? slash : slash - start));
        if (slash == std::string_view::npos)
            break;
        start = slash + 1;
    }
    return parts;
}

}  // namespace

std::string_view to_string(CertificateKind kind) noexcept {
    for (const auto& [k, name] : kKindNames)
        if (k == kind)
            return name;
    return "unknown";
}

std::optional<CertificateKind> parse_kind(std::string_view name) noexcept {
    for (const auto& [k, n] : kKindNames)
        if (n == name)
            return k;
    return std::nullopt;
}

Result<Binding> Binding::parse(std::string_view text) {
    const auto parts = split(text);
    const auto kind = parse_kind(parts.front());
    const std::string expected =
        "expected ssl, server_encryption, database/<db>, master_key/<db>/<domain>, "
        "discovery_service/<db>/<name> or password_reset/<db>/<name>";
    if (!kind)
        return fail(ErrorCode::invalid_argument,
                    "unknown binding kind in '" + std::string(text) + "': " + expected);
    if (parts.size() != 1 + arity(*kind))
        return fail(
            ErrorCode::invalid_argument,
            "binding '" + std::string(text) + "' has the wrong number of parts: " + expected);
    for (std::size_t i = 1; i < parts.size(); ++i)
        if (!valid_segment(parts[i]))
            return fail(ErrorCode::invalid_argument,
                        "binding '" + std::string(text) + "' has an invalid part '" +
                            std::string(parts[i]) + "' (letters, digits, '.', '-', '_' only)");
    Binding b;
    b.kind = *kind;
    if (parts.size() > 1)
        b.database = parts[1];
    if (parts.size() > 2)
        b.name = parts[2];
    return b;
}

std::string Binding::to_string() const {
    std::string out(certbackup::to_string(kind));
    if (!database.empty())
        out += "/" + database;
    if (!name.empty())
        out += "/" + name;
    return out;
}

std::string Binding::scope() const {
    if (database.empty())
        return "server";
    return name.empty() ? database : database + "-" + name;
}

}  // namespace certbackup
