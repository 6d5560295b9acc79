#include "host-sdk/host/host_config.hpp"

#include <algorithm>
#include <cstdlib>
#include <system_error>
#include <utility>

#include "certbackup/base/abi_status.hpp"
#include "certbackup/base/env.hpp"
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
