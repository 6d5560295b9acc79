#include <nlohmann/json.hpp>

#include "action_args.hpp"
#include "actions.hpp"
#include "certbackup/base/printable_text.hpp"
#include "certificate_view.hpp"
#include "job_support.hpp"
#include "plugin_errors.hpp"

namespace certbackup::plugin {
namespace {

nlohmann::json chain_json(const Certificate& c) {
    nlohmann::json chain = nlohmann::json::array();
    for (const auto& issuer : c.chain()) {
        auto copy = Certificate::create(ossl::share(issuer.get()), nullptr, {});
        if (!copy)
            continue;
        const auto info = copy->info();
        chain.push_back({{"subject", info.subject},
                         {"sha256", info.sha256_hex},
                         {"not_after", format_date(info.not_after)}});
    }
    return chain;
}

}  // namespace

backup_host::Result<void> action_show(const backup_host::Host& host,
                                      const CertificatesOptions& options,
                                      const std::vector<std::string>& args) {
    ActionContext action(host, options, "Show every detail of one certificate.", "show");
    std::string thumbprint;
    bool json = false;
    action.app()
        .add_option("THUMBPRINT", thumbprint,
                    "SHA-256 thumbprint, or a unique prefix of 8 or more hex digits")
        ->required();
    action.app().add_flag("--json", json, "one JSON document");
    auto store = action.parse_and_open(args);
    if (!store || !*store)
        return finished(store);
    auto found = (*store)->get(thumbprint);
    if (!found)
        return lift_error(found.error());
    const auto info = found->certificate.info();
    nlohmann::json doc = info_json(info);
    doc["kind"] = kind_label(found->bindings);
    doc["bindings"] = bindings_json(found->bindings);
    doc["required"] = found->required();
    doc["private_key"] = found->certificate.has_key();
    doc["friendly_name"] = found->certificate.friendly_name();
    doc["chain"] = chain_json(found->certificate);
    if (json)
        return host.output(doc.dump(2) + "\n");

    std::string sans;
    for (const auto& s : info.subject_alt_names)
        sans += (sans.empty() ? "" : ", ") + s;
    std::string text;
    auto line = [&](const std::string& label, const std::string& value) {
        text += label + std::string(label.size() < 16 ? 16 - label.size() : 1, ' ') +
                printable(value) + "\n";
    };
    line("Subject", info.subject);
    line("Issuer", info.issuer);
    line("Serial", info.serial_hex);
    line("Not before", format_date(info.not_before));
    line("Not after",
         format_date(info.not_after) + " (" + describe_days_left(info.not_after) + ")");
    line("Key", describe_key(info) + (found->certificate.has_key() ? ", private key in the store"
                                                                   : ", NO private key"));
    line("SANs", sans.empty() ? "(none)" : sans);
    line("Bindings", join_bindings(found->bindings));
    line("Friendly name", found->certificate.friendly_name().empty()
                              ? "(none)"
                              : found->certificate.friendly_name());
    line("SHA-1", info.sha1_hex);
    line("SHA-256", info.sha256_hex);
    if (doc["chain"].empty()) {
        line("Chain", "(none)");
    } else {
        for (std::size_t i = 0; i < doc["chain"].size(); ++i)
            line(i == 0 ? "Chain" : "",
                 doc["chain"][i]["subject"].get<std::string>() + "  " +
                     doc["chain"][i]["sha256"].get<std::string>().substr(0, 16));
    }
    return host.output(text);
}

}  // namespace certbackup::plugin
