#include <ctime>
#include <span>
#include <string_view>

#include "action_args.hpp"
#include "actions.hpp"
#include "certbackup/base/utc_time.hpp"
#include "certificate_view.hpp"
#include "core/snapshot_writer.hpp"
#include "core/store_settings.hpp"
#include "job_support.hpp"
#include "plugin_errors.hpp"

namespace certbackup::plugin {
namespace {

// Writes an export into a hidden temporary directory in the location; `publish` fsyncs it and
// renames it to its final name, so a failed export leaves no half-written directory that
// looks complete. An unpublished directory is removed on destruction.
class ExportDirectory final : public ItemSink {
  public:
    explicit ExportDirectory(std::filesystem::path final_dir)
        : final_(std::move(final_dir)), temp_(temp_sibling(final_)) {}
    ~ExportDirectory() override {
        if (!published_)
            (void)Env::posix().remove_tree(temp_);
    }

    Result<void> create() { return Env::posix().create_dir(temp_, 0700); }

    Result<void> write_item(std::string_view name, std::span<const std::uint8_t> bytes) override {
        // Export files hold encrypted keys: private to the owner like the store.
        return Env::posix().write_file(temp_ / std::string(name), bytes, 0600);
    }

    Result<void> publish() {
        if (auto synced = Env::posix().sync_dir(temp_); !synced)
            return synced;
        if (auto renamed = Env::posix().rename(temp_, final_); !renamed)
            return renamed;
        published_ = true;
        return Env::posix().sync_dir(final_.parent_path());
    }

  private:
    std::filesystem::path final_;
    std::filesystem::path temp_;
    bool published_ = false;
};

std::string utc_stamp() {
    return format_utc(std::chrono::system_clock::now(), "%Y%m%dT%H%M%SZ");
}

constexpr std::string_view kNoLocation =
    "no storage location for the export: give --location DIR, or set one with "
    "`backup-host certificates settings --location DIR`";

// Asks the person at the terminal through the host's prompt service (ABI 1.1); empty when
// nothing was entered. A host without a terminal (or of ABI 1.0) makes it bad usage naming
// --location.
backup_host::Result<std::filesystem::path> ask_location(const backup_host::Host& host) {
    auto answer = host.prompt("No storage location is set for exports. Directory to export to: ");
    if (answer)
        return std::filesystem::path(*answer);
    if (answer.error().status != backup_host::Status::unsupported)
        return std::unexpected(answer.error());
    return backup_host::fail(backup_host::Status::bad_usage,
                             std::string(kNoLocation) + " (" + answer.error().message + ")");
}

// --location, else the store's location setting, else the person at the terminal.
backup_host::Result<std::filesystem::path> export_location(const backup_host::Host& host,
                                                           const std::optional<std::string>& given,
                                                           const StoreSettings& settings) {
    auto dir = given               ? std::filesystem::path(*given)
               : settings.location ? std::filesystem::path(*settings.location)
                                   : ask_location(host);
    if (!dir)
        return dir;
    if (dir->empty())
        return backup_host::fail(backup_host::Status::bad_usage, std::string(kNoLocation));
    return dir;
}

// What an export writes: every required certificate but SSL (it is recreated), one file or one
// per certificate as the flag or the setting says.
backup_host::Result<SnapshotSelection> export_selection(const CertificatesOptions& options,
                                                        DirectoryStore& store, bool per_certificate,
                                                        const StoreSettings& settings) {
    CertificatesOptions export_options = options;
    export_options.include_ssl = false;
    export_options.include_unused = false;
    export_options.scope = "all";
    export_options.per_certificate_files = per_certificate || settings.per_certificate_files;
    return select_snapshot(export_options, store);
}

// Writes the snapshot into a new certificates-export-<UTC time> directory of `dir`.
backup_host::Result<SnapshotSummary> write_export(const backup_host::Host& host,
                                                  const SnapshotOptions& snapshot,
                                                  std::span<const SnapshotCandidate> candidates,
                                                  std::string_view password,
                                                  const std::filesystem::path& final_dir) {
    ExportDirectory out(final_dir);
    if (auto created = out.create(); !created)
        return lift_error(created.error());
    SnapshotWriter writer(snapshot, work_hooks(host, "exporting"));
    auto summary = writer.write(candidates, password, out);
    if (!summary)
        return lift_error(summary.error());
    if (auto published = out.publish(); !published)
        return lift_error(published.error());
    return std::move(*summary);
}

std::string export_report(const SnapshotSummary& summary, const std::filesystem::path& final_dir,
                          bool per_certificate_files) {
    std::string text = "Exported " + std::to_string(summary.manifest.entries.size()) +
                       " certificates to " + final_dir.string() + " (" +
                       (per_certificate_files ? "one PFX file per certificate" : "one PFX file") +
                       ", with manifest.pb):\n";
    for (const auto& item : summary.items_written)
        text += "  " + item + "\n";
    for (const auto& x : summary.manifest.excluded)
        text += "Not exported: " + join_bindings(x.bindings) + " " +
                x.certificate.info.sha256_hex.substr(0, 16) + ": " + x.reason_text + "\n";
    return text;
}

}  // namespace

backup_host::Result<void> action_export(const backup_host::Host& host,
                                        const CertificatesOptions& options,
                                        const std::vector<std::string>& args) {
    ActionContext action(host, options,
                         "Export the certificates (not SSL) with their keys, protected by a "
                         "password, to the storage location.",
                         "export");
    std::optional<std::string> location;
    bool per_certificate = false;
    action.app().add_option("--location", location,
                            "export into this directory (default: the location setting)");
    action.app().add_flag("--per-certificate-files", per_certificate,
                          "one PFX file per certificate (default: the setting)");
    auto store = action.parse_and_open(args);
    if (!store || !*store)
        return finished(store);
    auto settings = read_store_settings(Env::posix(), (*store)->layout().settings_file());
    if (!settings)
        return lift_error(settings.error());
    auto dir = export_location(host, location, *settings);
    if (!dir)
        return std::unexpected(dir.error());
    // The password before anything is created: a refused one leaves no empty location behind.
    auto password = job_password(host, backup_host::SecretUse::new_secret);
    if (!password)
        return std::unexpected(password.error());
    if (auto made = create_dirs(Env::posix(), std::filesystem::absolute(*dir), 0700); !made)
        return lift_error(made.error());
    auto selection = export_selection(options, **store, per_certificate, *settings);
    if (!selection)
        return std::unexpected(selection.error());
    const auto final_dir = std::filesystem::absolute(*dir) / ("certificates-export-" + utc_stamp());
    auto summary =
        write_export(host, selection->options, selection->candidates, *password, final_dir);
    if (!summary)
        return std::unexpected(summary.error());
    return host.output(
        export_report(*summary, final_dir, selection->options.per_certificate_files));
}

}  // namespace certbackup::plugin
