#include <nlohmann/json.hpp>

#include "action_args.hpp"
#include "actions.hpp"
#include "certbackup/base/text_table.hpp"
#include "certificate_view.hpp"
#include "job_support.hpp"
#include "plugin_errors.hpp"

namespace certbackup::plugin {

backup_host::Result<void> action_list(const backup_host::Host& host,
                                      const CertificatesOptions& options,
                                      const std::vector<std::string>& args) {
    ActionContext action(
        host, options,
        "List the certificates of the store: the required ones, and with --all the unused ones "
        "too.",
        "list");
    bool all = false;
    bool json = false;
    std::optional<std::string> database;
    action.app().add_flag("--all", all, "also list unused certificates (marked)");
    action.app().add_option("--database", database, "only certificates bound under this database");
    action.app().add_flag("--json", json, "one JSON document");
    auto store = action.parse_and_open(args);
    if (!store || !*store)
        return finished(store);
    CertificateFilter filter;
    filter.include_unused = all;
    filter.database = database;
    // Summaries: the certificates are not decoded whole, and KEY says whether the store holds
    // a key without reading it.
    auto listed = (*store)->list_summaries(filter);
    if (!listed)
        return lift_error(listed.error());

    if (json) {
        nlohmann::json rows = nlohmann::json::array();
        for (const auto& s : *listed) {
            const CertificateSummary& info = s.summary;
            rows.push_back({{"kind", kind_label(s.bindings)},
                            {"bindings", bindings_json(s.bindings)},
                            {"required", s.required()},
                            {"subject", info.subject},
                            {"sha256", info.sha256_hex},
                            {"not_after", format_date(info.not_after)},
                            {"days_left", days_left(info.not_after)},
                            {"private_key", s.key_stored}});
        }
        return host.output(
            nlohmann::json{{"store", (*store)->root().string()}, {"certificates", rows}}.dump(2) +
            "\n");
    }
    std::vector<std::vector<std::string>> rows{
        {"KIND", "BINDINGS", "SUBJECT", "SHA-256", "NOT AFTER", "KEY"}};
    for (const auto& s : *listed) {
        const CertificateSummary& info = s.summary;
        rows.push_back(
            {s.required() ? kind_label(s.bindings) : "unused *", join_bindings(s.bindings),
             info.subject, info.sha256_hex,
             format_date(info.not_after) + " (" + describe_days_left(info.not_after) + ")",
             s.key_stored ? "yes" : "no"});
    }
    std::string text = format_table(rows);
    text += std::to_string(listed->size()) + " certificate" + (listed->size() == 1 ? "" : "s");
    if (all)
        text += "; * unused: no purpose uses it (delete-unused removes these)";
    return host.output(text + "\n");
}

}  // namespace certbackup::plugin
