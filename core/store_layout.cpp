#include "core/store_layout.hpp"

#include "core/thumbprint.hpp"

namespace certbackup {
namespace {

std::optional<std::string> thumbprint_before(std::string_view name, std::string_view suffix) {
    if (!name.ends_with(suffix))
        return std::nullopt;
    const std::string_view stem = name.substr(0, name.size() - suffix.size());
    if (!is_thumbprint(stem))
        return std::nullopt;
    return std::string(stem);
}

}  // namespace

std::optional<std::string> StoreLayout::thumbprint_of_certificate_file(std::string_view name) {
    // "<t>.key.pem" also ends in ".pem"; its stem "<t>.key" is not a thumbprint, so it is refused.
    return thumbprint_before(name, ".pem");
}

std::optional<std::string> StoreLayout::thumbprint_of_key_file(std::string_view name) {
    return thumbprint_before(name, ".key.pem");
}

bool StoreLayout::is_store_file_path(std::string_view relative_path) {
    if (relative_path.starts_with("certs/"))
        return thumbprint_of_certificate_file(relative_path.substr(6)).has_value();
    if (relative_path.starts_with("keys/"))
        return thumbprint_of_key_file(relative_path.substr(5)).has_value();
    return false;
}

}  // namespace certbackup
