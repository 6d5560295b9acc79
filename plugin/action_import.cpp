#include "action_args.hpp"
#include "actions.hpp"
#include "certificate_view.hpp"
#include "core/pkcs12.hpp"
#include "core/store_import.hpp"
#include "job_support.hpp"
#include "plugin_errors.hpp"

namespace certbackup::plugin {

backup_host::Result<void> action_import(const backup_host::Host& host,
                                        const CertificatesOptions& options,
                                        const std::vector<std::string>& args) {
    CLI::App app(
        "Import the certificates and private keys of a PFX (PKCS#12) file, with its password.",
        "import");
    std::string file;
    std::optional<std::string> store_dir;
    std::optional<std::string> bind;
    std::string overwrite = "skip";
    bool dry_run = false;
    app.add_option("FILE", file, "the .pfx / .p12 file")->required();
    app.add_option("--store", store_dir, "the store directory (default: the store option)");
    app.add_option("--bind", bind,
                   "give the certificate this purpose (database/DB, master_key/DB/DOMAIN, ...)");
    app.add_option("--overwrite", overwrite,
                   "skip (default): stop if the purpose is held by another certificate; "
                   "replace: move the purpose to the imported one");
    app.add_flag("--dry-run", dry_run, "show what would change; change nothing");
    auto parsed = parse_action_args(host, app, args);
    if (!parsed || !*parsed)
        return parsed ? backup_host::Result<void>{} : std::unexpected(parsed.error());

    auto policy = parse_overwrite_policy(overwrite);
    if (!policy)
        return lift_error(policy.error());
    std::optional<Binding> purpose;
    if (bind) {
        auto b = Binding::parse(*bind);
        if (!b)
            return lift_error(b.error().with_context("--bind"));
        purpose = *b;
    }
    auto bytes = Env::posix().read_file(file);
    if (!bytes)
        return lift_error(bytes.error());
    auto password = job_password(host, backup_host::SecretUse::existing);
    if (!password)
        return std::unexpected(password.error());
    auto contents = import_pkcs12(*bytes, *password, file, /*require_private_key=*/true);
    if (!contents)
        return lift_error(contents.error());

    std::vector<ImportCandidate> candidates;
    for (auto& c : contents->certificates) {
        if (!c.has_key())
            continue;  // issuers without a key travel as the chain of a keyed one
        candidates.push_back({std::move(c), {}});
    }
    if (purpose) {
        if (candidates.size() != 1)
            return backup_host::fail(
                backup_host::Status::bad_usage,
                file + " holds " + std::to_string(candidates.size()) +
                    " certificates with a private key; --bind needs exactly one. Import without "
                    "--bind, or split it into one PFX per certificate (openssl pkcs12) and import "
                    "each with its --bind");
        candidates.front().bindings.push_back(*purpose);
    }
    auto store = open_store(
        store_dir ? std::optional<std::filesystem::path>(*store_dir) : options.store, false);
    if (!store)
        return std::unexpected(store.error());
    ImportOptions import;
    import.overwrite = *policy;
    import.dry_run = dry_run;
    auto report = import_certificates(**store, std::move(candidates), import);
    if (!report)
        return lift_error(report.error());
    std::string text = dry_run ? "Dry run: nothing is changed. Importing " + file + " would:\n"
                               : "Imported " + file + ":\n";
    for (const auto& a : report->actions) {
        text += "  " + std::string(to_string(a.kind)) + "  " + a.thumbprint + "  " + a.subject +
                "  " + join_bindings(a.bindings) + "\n";
        for (const auto& d : a.details)
            text += "      " + d + "\n";
    }
    return host.output(text);
}

}  // namespace certbackup::plugin
