#include "host-sdk/host/host_output.hpp"

#include <backup_host/types.hpp>

#include "certbackup/base/printable_text.hpp"
#include "host-sdk/storage/set_record.hpp"

namespace certbackup::host {
namespace {

nlohmann::json job_list(std::uint32_t mask) {
    nlohmann::json jobs = nlohmann::json::array();
    for (backup_host::JobKind kind : backup_host::all_job_kinds)
        if ((mask & backup_host::job_bit(kind)) != 0)
            jobs.push_back(backup_host::to_string(kind));
    return jobs;
}

const char* role_name(backup_host::OptionRole role) {
    switch (role) {
        case backup_host::OptionRole::none:
            return "none";
        case backup_host::OptionRole::restore_target:
            return "restore_target";
        case backup_host::OptionRole::overwrite:
            return "overwrite";
        case backup_host::OptionRole::selection:
            return "selection";
    }
    return "none";
}

}  // namespace

nlohmann::json plugin_json(const backup_host::PluginDescription& plugin) {
    nlohmann::json options = nlohmann::json::array();
    for (const backup_host::OptionDescription& option : plugin.options) {
        nlohmann::json entry = {
            {"name", option.name},
            {"type", backup_host::to_string(option.type)},
            {"jobs", job_list(option.jobs)},
            {"role", role_name(option.role)},
            {"default", option.default_value ? nlohmann::json(*option.default_value)
                                             : nlohmann::json(nullptr)},
            {"description", option.description},
        };
        if (!option.choices.empty())
            entry["choices"] = option.choices;
        options.push_back(std::move(entry));
    }
    nlohmann::json actions = nlohmann::json::array();
    for (const backup_host::ActionDescription& action : plugin.actions)
        actions.push_back(
            {{"name", action.name}, {"summary", action.summary}, {"usage", action.usage}});
    return {
        {"id", plugin.id},
        {"version", plugin.version},
        {"abi", std::to_string(plugin.abi_major) + "." + std::to_string(plugin.abi_minor)},
        {"format_version", plugin.format_version},
        {"description", plugin.description},
        {"file", plugin.file.string()},
        {"jobs", job_list(plugin.jobs)},
        {"options", std::move(options)},
        {"actions", std::move(actions)},
    };
}

nlohmann::json json_or_text(const std::string& text) {
    auto parsed = nlohmann::json::parse(text, nullptr, false);
    return parsed.is_discarded() ? nlohmann::json(text) : parsed;
}

nlohmann::json set_json(const backup_host::proto::BackupSet& set) {
    nlohmann::json plugins = nlohmann::json::array();
    for (const auto& plugin : set.plugins()) {
        nlohmann::json warnings = nlohmann::json::array();
        for (const std::string& warning : plugin.warnings())
            warnings.push_back(warning);
        plugins.push_back({
            {"id", plugin.id()},
            {"version", plugin.version()},
            {"format_version", plugin.format_version()},
            {"item_prefix", plugin.item_prefix()},
            {"summary", plugin.summary()},
            {"warnings", std::move(warnings)},
            {"result", plugin.result_json().empty() ? nlohmann::json(nullptr)
                                                    : json_or_text(plugin.result_json())},
        });
    }
    return {
        {"id", set.set_id()},
        {"time", set.created_rfc3339()},
        {"job", set.job()},
        {"host", set.host()},
        {"status", std::string(backup_host::to_string(set.status()))},
        {"size", set.total_size()},
        {"items", set.items_size()},
        {"plugins", std::move(plugins)},
    };
}

nlohmann::json outcome_json(const PluginOutcome& outcome) {
    nlohmann::json json = {
        {"id", outcome.plugin_id},
        {"status", backup_host::to_string(outcome.status)},
        {"result", outcome.result ? json_or_text(*outcome.result) : nlohmann::json(nullptr)},
        {"warnings", outcome.warnings},
    };
    if (outcome.status != backup_host::Status::ok)
        json["message"] = outcome.message;
    return json;
}

void print_json(std::FILE* out, const nlohmann::json& value) {
    // The JSON encoder escapes C0 but not DEL, C1 or bidi controls; printable() escapes those
    // the JSON way, so every value stays as it was.
    const std::string text = printable(
        value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace), LineBreaks::keep);
    std::fputs(text.c_str(), out);
    std::fputc('\n', out);
    std::fflush(out);
}

std::string plugin_list(const backup_host::proto::BackupSet& set) {
    std::string ids;
    for (const auto& plugin : set.plugins())
        ids += (ids.empty() ? "" : ",") + plugin.id();
    return ids;
}

}  // namespace certbackup::host
