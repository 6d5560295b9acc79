#include "host-sdk/host/host_config.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <system_error>
#include <utility>

#include "certbackup/base/abi_status.hpp"
#include "certbackup/base/env.hpp"
#include "certbackup/base/printable_text.hpp"
#include "certbackup/base/toml_reading.hpp"

namespace certbackup::host {
namespace {

namespace fs = std::filesystem;

std::string position(const fs::path& file, const toml::source_region& region) {
    return toml_reading::position(file.string(), region);
}

// Every mistake in the file is the person's: invalid_argument, which the one table
// (abi_status.hpp) makes bad usage (exit 2), as for the [[job]] entries (job_config.hpp).
std::unexpected<backup_host::Failure> config_error(const Error& error) {
    return to_unexpected(error, ArgumentSource::user);
}
std::unexpected<backup_host::Failure> config_error(std::string message) {
    return config_error(Error{ErrorCode::invalid_argument, std::move(message)});
}

// toml++ keeps a table's keys sorted; people read a file top to bottom, and so do its checks.
template <typename Entry>
void sort_by_line(std::vector<Entry>& entries) {
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return a.line < b.line; });
}

backup_host::Result<ConfiguredOption> read_option(const fs::path& file, const std::string& table,
                                                  const toml::key& key, const toml::node& node) {
    ConfiguredOption option;
    option.key = std::string(key.str());
    option.where = position(file, key.source());
    option.line = key.source().begin.line;
    auto scalar = toml_reading::scalar_value(node);
    if (!scalar)
        return config_error(option.where + ": " + table + "." + option.key +
                            " must be a string, a boolean or an integer, not " +
                            toml_reading::type_name(node));
    option.kind = scalar->kind;
    option.text = std::move(scalar->text);
    return option;
}

// [plugins] and its [plugins.<id>] tables.
backup_host::Result<void> read_plugins(const fs::path& file, const toml::key& key,
                                       const toml::node& node, HostConfig& config) {
    const toml::table* plugins = node.as_table();
    if (plugins == nullptr)
        return config_error(position(file, key.source()) +
                            ": 'plugins' must be a table of [plugins.<id>] tables");
    for (const auto& [id_key, table_node] : *plugins) {
        const std::string id(id_key.str());
        const std::string name = "plugins." + id;
        const toml::table* table = table_node.as_table();
        if (table == nullptr)
            return config_error(position(file, id_key.source()) + ": '" + name +
                                "' must be a table of option defaults ([" + name + "])");
        PluginDefaults defaults;
        defaults.plugin_id = id;
        defaults.file = file;
        defaults.where = position(file, id_key.source());
        defaults.line = id_key.source().begin.line;
        for (const auto& [option_key, value] : *table) {
            auto option = read_option(file, name, option_key, value);
            if (!option)
                return std::unexpected(option.error());
            defaults.options.push_back(std::move(*option));
        }
        sort_by_line(defaults.options);
        config.plugins.push_back(std::move(defaults));
    }
    sort_by_line(config.plugins);
    return {};
}

// [[job]] entries: parsed and validated by the management library (job_config.hpp); its errors
// name FILE:LINE:COLUMN, the job and the key, and keep their code.
backup_host::Result<void> read_jobs(const fs::path& file, const toml::key&, const toml::node& node,
                                    HostConfig& config) {
    auto jobs = backup_host::parse_job_entries(node, file);
    if (!jobs)
        return config_error(jobs.error());
    config.jobs = std::move(*jobs);
    return {};
}

// "N", "N B", "N KiB" ... "N TiB" (binary units); nullopt for anything else, zero or overflow.
std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
    constexpr std::pair<std::string_view, unsigned> kUnits[] = {
        {"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}, {"", 0}};
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
        ++digits;
    if (digits == 0 || digits > 19)
        return std::nullopt;
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < digits; ++i)
        value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
    std::string_view unit = text.substr(digits);
    if (!unit.empty() && unit.front() == ' ')
        unit.remove_prefix(1);
    for (const auto& [name, shift] : kUnits) {
        if (unit != name)
            continue;
        if (value == 0 || value > (std::numeric_limits<std::uint64_t>::max() >> shift))
            return std::nullopt;
        return value << shift;
    }
    return std::nullopt;
}

// One [limits] value: a positive integer, or for a byte count also a size with a unit.
backup_host::Result<std::uint64_t> read_limit(const fs::path& file, const toml::key& key,
                                              const toml::node& node, bool byte_size) {
    const std::string where = position(file, key.source());
    const std::string accepted = byte_size ? "a positive integer of bytes or a size such as "
                                             "\"64 GiB\" (units B, KiB, MiB, GiB, TiB)"
                                           : "a positive integer";
    const std::string name = "limits." + std::string(key.str());
    if (const auto* integer = node.as_integer(); integer != nullptr && integer->get() > 0)
        return static_cast<std::uint64_t>(integer->get());
    if (const auto* text = node.as_string(); text != nullptr && byte_size)
        if (auto size = parse_byte_size(text->get()))
            return *size;
    std::string given = toml_reading::type_name(node);
    if (const auto* integer = node.as_integer())
        given = std::to_string(integer->get());
    else if (const auto* text = node.as_string())
        given = "\"" + printable(text->get()) + "\"";
    return config_error(where + ": " + name + " must be " + accepted + ", not " + given);
}

// [limits]: what one tar file or stream may hold (read_limits.hpp).
backup_host::Result<void> read_limits(const fs::path& file, const toml::key& key,
                                      const toml::node& node, HostConfig& config) {
    const toml::table* table = node.as_table();
    if (table == nullptr)
        return config_error(position(file, key.source()) +
                            ": 'limits' must be a table ([limits]), not " +
                            toml_reading::type_name(node));
    for (const auto& [limit_key, value] : *table) {
        std::optional<std::uint64_t>* target = nullptr;
        bool byte_size = false;
        if (limit_key.str() == "tar_max_members") {
            target = &config.limits.tar_max_members;
        } else if (limit_key.str() == "tar_max_bytes") {
            target = &config.limits.tar_max_bytes;
            byte_size = true;
        } else {
            return config_error(position(file, limit_key.source()) + ": unknown key 'limits." +
                                std::string(limit_key.str()) +
                                "' (this version reads: tar_max_members, tar_max_bytes)");
        }
        auto limit = read_limit(file, limit_key, value, byte_size);
        if (!limit)
            return std::unexpected(limit.error());
        *target = *limit;
    }
    return {};
}

// The top-level sections this version reads. A new section is one more entry.
using SectionReader = backup_host::Result<void> (*)(const fs::path&, const toml::key&,
                                                    const toml::node&, HostConfig&);
struct Section {
    std::string_view key;
    SectionReader read;
};
constexpr Section kSections[] = {
    {"plugins", &read_plugins},
    {"job", &read_jobs},
    {"limits", &read_limits},
};

std::string section_names() {
    std::string names;
    for (const Section& section : kSections)
        names += (names.empty() ? "" : ", ") + std::string(section.key);
    return names;
}

// The TOML type a declared option type takes.
ConfiguredOption::Kind kind_for(backup_host::OptionType type) {
    switch (type) {
        case backup_host::OptionType::boolean:
            return ConfiguredOption::Kind::boolean;
        case backup_host::OptionType::integer:
            return ConfiguredOption::Kind::integer;
        case backup_host::OptionType::string:
        case backup_host::OptionType::path:
            return ConfiguredOption::Kind::string;
    }
    return ConfiguredOption::Kind::string;
}

// The value's text as the option validation takes it: relative paths anchored at the file's
// directory (an administrator writes them relative to the file, not to wherever a job runs).
std::string value_text(const ConfiguredOption& option,
                       const backup_host::OptionDescription& declared, const fs::path& file) {
    if (declared.type != backup_host::OptionType::path || option.text.empty() || file.empty())
        return option.text;
    const fs::path path(option.text);
    if (path.is_absolute())
        return option.text;
    std::error_code error;
    const fs::path base = fs::absolute(file, error).parent_path();
    return error ? option.text : (base / path).lexically_normal().string();
}

backup_host::Result<void> check_option(const ConfiguredOption& option,
                                       const backup_host::OptionDescription& declared,
                                       const backup_host::PluginDescription& plugin,
                                       const fs::path& file) {
    const std::string name = "plugins." + plugin.id + "." + option.key;
    if (option.kind != kind_for(declared.type))
        return config_error(option.where + ": " + name + " must be " +
                            toml_reading::kind_phrase(kind_for(declared.type)) +
                            " (the plugin declares a " + backup_host::to_string(declared.type) +
                            " option), not " + toml_reading::kind_phrase(option.kind));
    auto value = backup_host::parse_option_value(plugin, declared,
                                                 value_text(option, declared, file), false);
    if (!value)
        return config_error(option.where + ": " + value.error().message);
    return {};
}

}  // namespace

const PluginDefaults* HostConfig::find_plugin(std::string_view id) const noexcept {
    for (const PluginDefaults& defaults : plugins)
        if (defaults.plugin_id == id)
            return &defaults;
    return nullptr;
}

std::optional<fs::path> config_file_to_read(const std::optional<std::string>& given) {
    if (given)
        return fs::path(*given);
    if (const char* named = std::getenv(std::string(kConfigEnvironmentVariable).c_str());
        named != nullptr && *named != '\0')
        return fs::path(named);
    std::error_code error;
    if (fs::exists(fs::path(kSystemConfigFile), error))
        return fs::path(kSystemConfigFile);
    return std::nullopt;
}

backup_host::Result<HostConfig> parse_config(std::string_view text, const fs::path& file) {
    auto document = toml_reading::parse(text, file.string(), ErrorCode::invalid_argument);
    if (!document)
        return config_error(document.error());
    HostConfig config;
    config.file = file;
    for (const auto& [key, node] : *document) {
        const Section* section = nullptr;
        for (const Section& candidate : kSections)
            if (candidate.key == key.str())
                section = &candidate;
        if (section == nullptr)
            return config_error(position(file, key.source()) + ": unknown key '" +
                                std::string(key.str()) + "' in " + file.string() +
                                " (this version of backup-host reads: " + section_names() + ")");
        if (auto read = section->read(file, key, node, config); !read)
            return std::unexpected(read.error());
    }
    return config;
}

backup_host::Result<HostConfig> load_config(const fs::path& file) {
    auto bytes = Env::posix().read_file(file);
    if (!bytes)
        return config_error("cannot read the configuration file " + file.string() + ": " +
                            bytes.error().message);
    const std::string text(bytes->begin(), bytes->end());
    return parse_config(text, file);
}

backup_host::Result<HostConfig> load_host_config(const std::optional<std::string>& given) {
    const auto file = config_file_to_read(given);
    if (!file)
        return HostConfig{};
    return load_config(*file);
}

backup_host::Result<void> check_plugin_defaults(const PluginDefaults& defaults,
                                                const backup_host::PluginDescription& plugin) {
    for (const ConfiguredOption& option : defaults.options) {
        const backup_host::OptionDescription* declared = plugin.find_option(option.key);
        if (declared == nullptr)
            return config_error(option.where + ": plugin '" + plugin.id + "' has no option '" +
                                option.key + "'; its options are: " + plugin.option_names());
        if (auto checked = check_option(option, *declared, plugin, defaults.file); !checked)
            return checked;
    }
    return {};
}

backup_host::Result<backup_host::OptionAssignments> configured_options(
    const HostConfig& config, const backup_host::PluginDescription& plugin,
    backup_host::JobKind kind) {
    backup_host::OptionAssignments assignments;
    const PluginDefaults* defaults = config.find_plugin(plugin.id);
    if (defaults == nullptr)
        return assignments;
    if (auto checked = check_plugin_defaults(*defaults, plugin); !checked)
        return std::unexpected(checked.error());
    for (const ConfiguredOption& option : defaults->options) {
        const backup_host::OptionDescription* declared = plugin.find_option(option.key);
        if (declared->used_by(kind))
            assignments.emplace_back(option.key, value_text(option, *declared, defaults->file));
    }
    return assignments;
}

}  // namespace certbackup::host
