// A binding names what a certificate serves (DESIGN §3): `ssl`, `server_encryption`,
// `database/<db>`, `master_key/<db>/<domain>`, `discovery_service/<db>/<name>`,
// `password_reset/<db>/<name>`. A certificate with at least one binding is required.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "certbackup/base/error.hpp"

namespace certbackup {

enum class CertificateKind {
    ssl,
    server_encryption,
    database,
    master_key,
    discovery_service,
    password_reset,
};

// "ssl", "server_encryption", "database", ... (the names used in bindings and CLI selections).
std::string_view to_string(CertificateKind kind) noexcept;
std::optional<CertificateKind> parse_kind(std::string_view name) noexcept;

struct Binding {
    CertificateKind kind{};
    std::string database;  // empty for ssl and server_encryption
    std::string name;      // AD domain (master_key) or service name; empty otherwise

    // Parses "master_key/db1/example.com" and the like. Segments are non-empty and consist of
    // letters, digits, '.', '-', '_'. The error names the text and the expected shape.
    static Result<Binding> parse(std::string_view text);

    // The canonical text form, the inverse of parse.
    std::string to_string() const;
    // The scope part used in payload names: "server" for ssl and server_encryption, otherwise
    // the database, then the name, joined by '-' ("db1-example.com").
    std::string scope() const;

    friend bool operator==(const Binding&, const Binding&) = default;
    friend auto operator<=>(const Binding& a, const Binding& b) {
        return a.to_string() <=> b.to_string();
    }
};

}  // namespace certbackup
