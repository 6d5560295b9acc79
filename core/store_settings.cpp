#include "core/store_settings.hpp"

#include <toml++/toml.h>

#include <sstream>

#include "certbackup/base/toml_reading.hpp"
#include "core/bindings_file.hpp"

namespace certbackup {
namespace {

constexpr std::string_view kWhatToDo =
    "; fix the file or change the settings with `certificates settings`";

std::unexpected<Error> corrupt_at(std::string_view origin, const toml::source_region& where,
                                  const std::string& what) {
    return fail(ErrorCode::corrupt,
                toml_reading::position(origin, where) + ": " + what + std::string(kWhatToDo));
}

}  // namespace

Result<StoreSettings> parse_store_settings(std::string_view text, std::string_view origin) {
    auto document = toml_reading::parse(text, origin, ErrorCode::corrupt, kWhatToDo);
    if (!document)
        return std::unexpected(document.error());
    StoreSettings settings;
    for (const auto& [key, node] : *document) {
        if (key == "format") {
            const auto* value = node.as_integer();
            if (value == nullptr)
                return corrupt_at(origin, node.source(), "format must be an integer");
            if (value->get() != 1)
                return fail(ErrorCode::unsupported, std::string(origin) + " has settings format " +
                                                        std::to_string(value->get()) +
                                                        "; this version knows format 1");
        } else if (key == "per_certificate_files") {
            const auto* value = node.as_boolean();
            if (value == nullptr)
                return corrupt_at(origin, node.source(),
                                  "per_certificate_files must be true or false");
            settings.per_certificate_files = value->get();
        } else if (key == "location") {
            const auto* value = node.as_string();
            if (value == nullptr || value->get().empty())
                return corrupt_at(origin, node.source(),
                                  "location must be a non-empty string (a directory)");
            settings.location = std::filesystem::path(value->get());
        } else {
            return corrupt_at(origin, node.source(),
                              "unknown setting '" + std::string(key.str()) +
                                  "' (known: format, per_certificate_files, location)");
        }
    }
    return settings;
}

std::string format_store_settings(const StoreSettings& settings) {
    toml::table table;
    table.insert("format", 1);
    table.insert("per_certificate_files", settings.per_certificate_files);
    if (settings.location)
        table.insert("location", settings.location->string());
    std::ostringstream out;
    out << "# Certificate manager settings (certbackup). Change them with\n"
           "# `backup-host certificates settings`.\n"
        << table << "\n";
    return out.str();
}

Result<StoreSettings> read_store_settings(Env& env, const std::filesystem::path& file) {
    if (!env.exists(file))
        return StoreSettings{};
    auto bytes = env.read_file(file);
    if (!bytes)
        return std::unexpected(bytes.error());
    return parse_store_settings(
        std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()),
        file.string());
}

Result<void> write_store_settings(Env& env, const std::filesystem::path& file,
                                  const StoreSettings& settings) {
    const std::string text = format_store_settings(settings);
    return atomic_write(env, file,
                        std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
                        0600);
}

}  // namespace certbackup
