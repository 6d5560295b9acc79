#include <nlohmann/json.hpp>

#include "action_args.hpp"
#include "actions.hpp"
#include "core/store_settings.hpp"
#include "job_support.hpp"
#include "plugin_errors.hpp"

namespace certbackup::plugin {

backup_host::Result<void> action_settings(const backup_host::Host& host,
                                          const CertificatesOptions& options,
                                          const std::vector<std::string>& args) {
    ActionContext action(host, options,
                         "Show or change the certificate manager's settings, kept in the store.",
                         "settings");
    std::optional<std::string> per_certificate;
    std::optional<std::string> location;
    bool json = false;
    action.app()
        .add_option("--per-certificate-files", per_certificate,
                    "on: one PFX file per certificate; off: one for all")
        ->check(CLI::IsMember({"on", "off"}));
    action.app().add_option("--location", location,
                            "the storage location of exports (a directory)");
    action.app().add_flag("--json", json, "one JSON document");
    auto store = action.parse_and_open(args, StoreAccess::write);
    if (!store || !*store)
        return finished(store);
    const auto file = (*store)->layout().settings_file();
    const bool changing = per_certificate || location;
    // A change reads and writes under the store's writer lock, so that two changes never lose
    // one another and store recovery never takes the settings' temporary file for a stray one.
    std::unique_ptr<StoreTransaction> lock;
    if (changing) {
        auto begun = (*store)->begin();
        if (!begun)
            return lift_error(begun.error());
        lock = std::move(*begun);
    }
    auto settings = read_store_settings(Env::posix(), file);
    if (!settings)
        return lift_error(settings.error());
    if (per_certificate)
        settings->per_certificate_files = *per_certificate == "on";
    if (location) {
        if (location->empty())
            return backup_host::fail(backup_host::Status::bad_usage,
                                     "--location needs a directory");
        settings->location = std::filesystem::absolute(*location);
    }
    if (changing)
        if (auto written = write_store_settings(Env::posix(), file, *settings); !written)
            return lift_error(written.error());

    if (json)
        return host.output(
            nlohmann::json{
                {"per_certificate_files", settings->per_certificate_files},
                {"location", settings->location ? nlohmann::json(settings->location->string())
                                                : nlohmann::json(nullptr)}}
                .dump(2) +
            "\n");
    return host.output(
        std::string(changing ? "Settings saved.\n" : "") + "per_certificate_files  " +
        (settings->per_certificate_files ? "on" : "off") + "\nlocation               " +
        (settings->location ? settings->location->string() : "(not set)") + "\n");
}

}  // namespace certbackup::plugin
