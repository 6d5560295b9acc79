// `certificates import FILE`: the certificates with private keys of a PFX into the store, through
// the same code path as a restore (core/store_import.hpp). With the host's --no-password the job
// password is empty and opens a file protected by no password.
#include "action_args.hpp"
#include "actions.hpp"
#include "certificate_view.hpp"
#include "core/pkcs12.hpp"
#include "core/store_import.hpp"
#include "job_support.hpp"
#include "plugin_errors.hpp"

namespace certbackup::plugin {
namespace {

// What a PFX gives an import: its keyed certificates, and what to warn about.
struct ImportFile {
    std::vector<ImportCandidate> candidates;
    std::vector<std::string> warnings;
};

// Opens `file` with the job's password (empty: --no-password) and gives `purpose`, when set, to
// its one certificate with a key. Certificates without a key travel as chains of keyed ones.
backup_host::Result<ImportFile> read_import_file(const backup_host::Host& host,
                                                 const std::string& file,
                                                 const std::optional<Binding>& purpose) {
    auto bytes = Env::posix().read_file(file);
    if (!bytes)
        return lift_error(bytes.error());
    auto password = job_password(host, backup_host::SecretUse::existing, NoPassword::accepted);
    if (!password)
        return std::unexpected(password.error());
    const bool unprotected = password->empty();
    auto contents = import_pkcs12(*bytes, *password, file, /*require_private_key=*/true);
    if (!contents && unprotected && contents.error().code == ErrorCode::wrong_password)
        return backup_host::fail(backup_host::Status::wrong_password,
                                 file +
                                     " is protected by a password: give it with "
                                     "--password-file, --password-fd or --password-stdin "
                                     "instead of --no-password");
    if (!contents)
        return lift_error(contents.error());

    ImportFile out;
    out.warnings = std::move(contents->warnings);
    if (contents->mac_algorithm.empty())
        out.warnings.push_back(file +
                               " has no integrity check (MAC): a change to it cannot be "
                               "detected; check that the certificates are the ones you expect");
    if (unprotected)
        out.warnings.push_back(file +
                               " was not protected by a password: anyone with a copy of it can "
                               "read its private keys; delete the copies you no longer need");
    for (auto& c : contents->certificates) {
        if (!c.has_key())
            continue;
        auto encoded = encode_certificate(c);
        if (!encoded)
            return lift_error(encoded.error().with_context(file));
        out.candidates.push_back({std::move(*encoded), {}});
    }
    if (purpose) {
        if (out.candidates.size() != 1)
            return backup_host::fail(
                backup_host::Status::bad_usage,
                file + " holds " + std::to_string(out.candidates.size()) +
                    " certificates with a private key; --bind needs exactly one. Import without "
                    "--bind, or split it into one PFX per certificate (openssl pkcs12) and import "
                    "each with its --bind");
        out.candidates.front().bindings.push_back(*purpose);
    }
    return out;
}

// Imports into the store at `target`, which a missing or empty directory becomes (not in a dry
// run, which plans everything as created there).
backup_host::Result<ImportReport> import_into(const std::filesystem::path& target,
                                              const std::string& what,
                                              std::vector<ImportCandidate> candidates,
                                              const ImportOptions& import_options) {
    auto store = open_target_store(target, what, "import", import_options.dry_run);
    if (!store)
        return std::unexpected(store.error());
    if (!*store)
        return plan_into_new_store(candidates);
    auto report = import_certificates(**store, std::move(candidates), import_options);
    if (!report)
        return lift_error(report.error());
    return std::move(*report);
}

std::string report_text(const ImportReport& report, const std::string& file, bool dry_run) {
    std::string text = dry_run ? "Dry run: nothing is changed. Importing " + file + " would:\n"
                               : "Imported " + file + ":\n";
    for (const auto& a : report.actions) {
        text += "  " + std::string(to_string(a.kind)) + "  " + a.thumbprint + "  " + a.subject +
                "  " + join_bindings(a.bindings) + "\n";
        for (const auto& d : a.details)
            text += "      " + d + "\n";
    }
    return text;
}

}  // namespace

backup_host::Result<void> action_import(const backup_host::Host& host,
                                        const CertificatesOptions& options,
                                        const std::vector<std::string>& args) {
    ActionContext action(
        host, options,
        "Import the certificates and private keys of a PFX (PKCS#12) file, with its password "
        "(--no-password for a file protected by none). A missing or empty --store directory "
        "becomes a new store.",
        "import");
    std::string file;
    std::optional<std::string> bind;
    std::string overwrite = "skip";
    bool dry_run = false;
    action.app().add_option("FILE", file, "the .pfx / .p12 file")->required();
    action.app().add_option(
        "--bind", bind,
        "give the certificate this purpose (database/DB, master_key/DB/DOMAIN, ...)");
    action.app().add_option("--overwrite", overwrite,
                            "skip (default): stop if the purpose is held by another certificate; "
                            "replace: move the purpose to the imported one");
    action.app().add_flag("--dry-run", dry_run, "show what would change; change nothing");
    auto parsed = action.parse(args);
    if (!parsed || !*parsed)
        return finished(parsed);

    ImportOptions import_options;
    import_options.dry_run = dry_run;
    auto policy = parse_overwrite_policy(overwrite);
    if (!policy)
        return lift_error(policy.error());
    import_options.overwrite = *policy;
    std::optional<Binding> purpose;
    if (bind) {
        auto b = Binding::parse(*bind);
        if (!b)
            return lift_error(b.error().with_context("--bind"));
        purpose = *b;
    }
    const auto target = action.store_path();
    if (!target)
        return std::unexpected(open_store(target, false).error());  // says how to name one

    auto read = read_import_file(host, file, purpose);
    if (!read)
        return std::unexpected(read.error());
    // Opening a large PFX takes time: a cancellation that came meanwhile is honoured here, and
    // again before each certificate and the commit.
    if (auto go_on = host.check_cancelled(); !go_on)
        return go_on;
    import_options.cancelled = [host] { return host.cancelled(); };
    auto report = import_into(*target, action.store_given() ? "--store" : "store",
                              std::move(read->candidates), import_options);
    if (!report)
        return std::unexpected(report.error());
    for (const auto& warning : read->warnings)
        host.warn(warning);
    return host.output(report_text(*report, file, dry_run));
}

}  // namespace certbackup::plugin
