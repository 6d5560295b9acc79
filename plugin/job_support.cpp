#include "job_support.hpp"

#include <unistd.h>

#include "core/store_settings.hpp"
#include "host_items.hpp"
#include "plugin_errors.hpp"

namespace certbackup::plugin {

backup_host::Result<std::unique_ptr<DirectoryStore>> open_store(
    const std::optional<std::filesystem::path>& path, bool create, StoreAccess access) {
    if (!path || path->empty())
        return backup_host::fail(
            backup_host::Status::bad_usage,
            "no certificate store given: use -o store=DIR (or --store DIR for an action), "
            "or set store in [plugins.certificates] of the configuration");
    DirectoryStoreOptions options;
    options.create = create;
    options.access = access;
    auto store = DirectoryStore::open(*path, options);
    if (!store)
        return lift_error(store.error());
    return std::move(*store);
}

backup_host::Result<std::unique_ptr<DirectoryStore>> open_target_store(
    const std::filesystem::path& target, const std::string& what, const std::string& verb,
    bool dry_run) {
    if (!Env::posix().exists(target / "bindings.toml")) {
        std::error_code ec;
        const bool empty_or_missing =
            !std::filesystem::exists(target, ec) || std::filesystem::is_empty(target, ec);
        if (!empty_or_missing)
            return backup_host::fail(backup_host::Status::bad_usage,
                                     what + " " + target.string() +
                                         " is neither a certificate store nor empty; " + verb +
                                         " into a store, an empty directory, or a directory "
                                         "that does not exist yet");
        if (dry_run)
            return std::unique_ptr<DirectoryStore>();
    }
    return open_store(target, !dry_run, dry_run ? StoreAccess::read : StoreAccess::write);
}

void warn_about_store(const backup_host::Host& host, const DirectoryStore& store) {
    for (const std::string& warning : store.warnings())
        host.warn(warning);
}

backup_host::Result<std::unique_ptr<DirectoryStore>> open_existing_store(
    const backup_host::Host& host, const std::optional<std::filesystem::path>& path,
    StoreAccess access) {
    auto store = open_store(path, false, access);
    if (store)
        warn_about_store(host, **store);
    return store;
}

backup_host::Result<std::string_view> job_password(const backup_host::Host& host,
                                                   backup_host::SecretUse use,
                                                   NoPassword no_password) {
    auto secret = host.secret(use);
    if (!secret)
        return std::unexpected(secret.error());
    if (secret->empty() && no_password == NoPassword::refused)
        return backup_host::fail(backup_host::Status::bad_usage,
                                 "this needs a password (--no-password serves only "
                                 "`certificates import` of a PFX file that has none)");
    return std::string_view(reinterpret_cast<const char*>(secret->data()), secret->size());
}

WorkHooks work_hooks(const backup_host::Host& host, std::string message, std::string unit) {
    WorkHooks hooks;
    hooks.cancelled = [host] { return host.cancelled(); };
    hooks.progress = [host, message = std::move(message), unit = std::move(unit)](
                         std::size_t done, std::size_t total) {
        host.progress(done, total, unit, message);
    };
    return hooks;
}

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0)
        return "unknown";
    return name;
}

backup_host::Result<SnapshotOptions> snapshot_options(const CertificatesOptions& options,
                                                      DirectoryStore& store) {
    SnapshotOptions out;
    if (options.per_certificate_files) {
        out.per_certificate_files = *options.per_certificate_files;
    } else {
        auto settings = read_store_settings(Env::posix(), store.layout().settings_file());
        if (!settings)
            return lift_error(settings.error());
        out.per_certificate_files = settings->per_certificate_files;
    }
    out.include_ssl = options.include_ssl;
    out.include_unused = options.include_unused;
    out.profile = options.profile;
    out.host_name = host_name();
    out.plugin_id = kPluginId;
    out.plugin_version = kPluginVersion;
    out.store_identity = store.identity();
    out.scope = options.scope;
    return out;
}

backup_host::Result<std::vector<SnapshotCandidate>> snapshot_candidates(
    DirectoryStore& store, const std::string& scope, std::vector<StoredCertificate>& storage) {
    CertificateFilter filter;
    filter.include_unused = true;
    if (scope != "all")
        filter.database = scope;
    auto listed = store.list(filter);
    if (!listed)
        return lift_error(listed.error());
    storage = std::move(*listed);
    std::vector<SnapshotCandidate> candidates;
    candidates.reserve(storage.size());
    for (const auto& stored : storage)
        candidates.push_back({&stored.certificate, stored.bindings});
    return candidates;
}

backup_host::Result<std::vector<SnapshotCandidate>> deferred_snapshot_candidates(
    DirectoryStore& store, const std::string& scope) {
    auto view = store.reading();
    if (!view)
        return lift_error(view.error());
    const std::shared_ptr<const DirectoryStoreReading> reading = std::move(*view);
    CertificateFilter filter;
    filter.include_unused = true;
    if (scope != "all")
        filter.database = scope;
    std::vector<SnapshotCandidate> candidates;
    for (auto& entry : reading->entries(filter)) {
        SnapshotCandidate candidate;
        candidate.bindings = std::move(entry.bindings);
        const bool key = entry.key_stored;
        candidate.deferred = SnapshotCandidate::Deferred{
            entry.thumbprint, key, [reading, thumbprint = entry.thumbprint, key] {
                return reading->load(thumbprint, key);
            }};
        candidates.push_back(std::move(candidate));
    }
    return candidates;
}

backup_host::Result<SnapshotSelection> select_snapshot(const CertificatesOptions& options,
                                                       DirectoryStore& store) {
    SnapshotSelection selection;
    auto snapshot = snapshot_options(options, store);
    if (!snapshot)
        return std::unexpected(snapshot.error());
    selection.options = std::move(*snapshot);
    auto candidates = snapshot_candidates(store, options.scope, selection.storage);
    if (!candidates)
        return std::unexpected(candidates.error());
    selection.candidates = std::move(*candidates);
    return selection;
}

backup_host::Result<SnapshotSelection> select_snapshot(const backup_host::Host& host,
                                                       const CertificatesOptions& options) {
    auto store = open_existing_store(host, options.store);
    if (!store)
        return std::unexpected(store.error());
    return select_snapshot(options, **store);
}

backup_host::Result<JobSnapshot> open_job_snapshot(const backup_host::Host& host) {
    auto password = job_password(host, backup_host::SecretUse::existing);
    if (!password)
        return std::unexpected(password.error());
    JobSnapshot snapshot;
    snapshot.source = std::make_unique<HostItemSource>(host);
    auto reader = SnapshotReader::open(*snapshot.source, *password);
    if (!reader)
        return lift_error(reader.error());
    snapshot.reader.emplace(std::move(*reader));
    return snapshot;
}

}  // namespace certbackup::plugin
