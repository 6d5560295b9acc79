#include "core/bindings_file.hpp"

#include <toml++/toml.h>

#include "certbackup/base/toml_reading.hpp"
#include "core/thumbprint.hpp"

namespace certbackup {
namespace {

constexpr std::string_view kHeader =
    "# certbackup certificate store: which certificate serves what.\n"
    "#\n"
    "# [bindings] maps a purpose to the SHA-256 thumbprint of the certificate in certs/ that\n"
    "# serves it. Purposes: ssl, server_encryption, database/<db>, master_key/<db>/<domain>,\n"
    "# discovery_service/<db>/<name>, password_reset/<db>/<name>. A purpose has exactly one\n"
    "# certificate; a certificate may serve several purposes; one that serves none is unused.\n"
    "#\n"
    "# This file is also the commit record of the store: every change replaces it atomically\n"
    "# and increments `generation`. Change the store with certbackup's tools; edit this file\n"
    "# by hand only while nothing else uses the store, and keep its shape.\n";

SourcePosition position_of(const toml::source_region& region) {
    return {static_cast<std::size_t>(region.begin.line),
            static_cast<std::size_t>(region.begin.column)};
}

std::unexpected<Error> corrupt_at(std::string_view origin, const toml::source_region& region,
                                  const std::string& problem) {
    return fail(ErrorCode::corrupt,
                describe_position(origin, position_of(region)) + ": " + problem);
}

Result<std::int64_t> read_integer(std::string_view origin, const toml::key& key,
                                  const toml::node& node) {
    const auto* value = node.as_integer();
    if (value == nullptr)
        return corrupt_at(origin, node.source(),
                          "'" + std::string(key.str()) + "' must be a whole number");
    return value->get();
}

Result<void> read_bindings_table(std::string_view origin, const toml::table& table,
                                 BindingsFile& file) {
    for (const auto& [key, node] : table) {
        const std::string purpose_text(key.str());
        if (node.is_table())
            return corrupt_at(origin, key.source(),
                              "'" + purpose_text +
                                  "' is a table; write each purpose as one quoted key, e.g. "
                                  "\"database/db1\" = \"<sha256>\"");
        auto purpose = Binding::parse(purpose_text);
        if (!purpose)
            return corrupt_at(origin, key.source(),
                              purpose.error().message + "; fix or remove this line");
        const auto* value = node.as_string();
        if (value == nullptr)
            return corrupt_at(
                origin, node.source(),
                "the certificate of '" + purpose_text + "' must be a SHA-256 thumbprint in quotes");
        auto thumbprint = parse_thumbprint(value->get());
        if (!thumbprint)
            return corrupt_at(origin, node.source(),
                              "'" + value->get() + "' (for " + purpose_text +
                                  ") is not a SHA-256 thumbprint: give the 64 hex digits of the "
                                  "certificate's file name in certs/");
        file.positions[*purpose] = position_of(key.source());
        file.holders[*purpose] = std::move(*thumbprint);
    }
    return {};
}

}  // namespace

std::string describe_position(std::string_view origin, SourcePosition position) {
    return toml_reading::position(origin, position.line, position.column);
}

Result<BindingsFile> parse_bindings_file(std::string_view text, std::string_view origin) {
    auto document = toml_reading::parse(
        text, origin, ErrorCode::corrupt,
        "; fix the TOML syntax (the format is described at the top of the file)");
    if (!document)
        return std::unexpected(document.error());

    BindingsFile file;
    for (const auto& [key, node] : *document) {
        const std::string name(key.str());
        if (name == "format") {
            auto version = read_integer(origin, key, node);
            if (!version)
                return std::unexpected(version.error());
            if (*version != BindingsFile::kFormatVersion)
                return fail(ErrorCode::unsupported,
                            describe_position(origin, position_of(node.source())) + ": format " +
                                std::to_string(*version) +
                                " is not supported; this version reads format " +
                                std::to_string(BindingsFile::kFormatVersion) +
                                " (use the certbackup version that wrote the store)");
        } else if (name == "generation") {
            auto generation = read_integer(origin, key, node);
            if (!generation)
                return std::unexpected(generation.error());
            if (*generation < 0)
                return corrupt_at(origin, node.source(), "'generation' must not be negative");
            file.generation = *generation;
        } else if (name == "bindings") {
            const auto* table = node.as_table();
            if (table == nullptr)
                return corrupt_at(origin, node.source(),
                                  "'bindings' must be a table: write [bindings] on its own line, "
                                  "then one \"purpose\" = \"<sha256>\" per line");
            if (auto read = read_bindings_table(origin, *table, file); !read)
                return std::unexpected(read.error());
        } else {
            return corrupt_at(origin, key.source(),
                              "unknown key '" + name +
                                  "': this file holds only format, generation and [bindings] "
                                  "(store settings belong in settings.toml); remove it");
        }
    }
    return file;
}

std::string format_bindings_file(const BindingsFile& file) {
    std::string out(kHeader);
    out += "format = " + std::to_string(BindingsFile::kFormatVersion) + "\n";
    out += "generation = " + std::to_string(file.generation) + "\n";
    out += "\n[bindings]\n";
    // Purposes consist of letters, digits, '.', '-', '_' and '/' (Binding::parse), and
    // thumbprints of hex digits: neither needs TOML escaping inside double quotes.
    for (const auto& [purpose, thumbprint] : file.holders)
        out += "\"" + purpose.to_string() + "\" = \"" + thumbprint + "\"\n";
    return out;
}

}  // namespace certbackup
