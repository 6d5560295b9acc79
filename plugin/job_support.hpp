// What every job and action of the certificates plugin needs: the store, the password, the
// hooks that connect long work to the host's progress and cancellation.
#pragma once

#include <backup_host/plugin.hpp>

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "certbackup/base/parallel_tasks.hpp"
#include "core/directory_store.hpp"
#include "core/snapshot.hpp"
#include "core/snapshot_reader.hpp"
#include "plugin_options.hpp"

namespace certbackup::plugin {

inline constexpr const char* kPluginId = "certificates";
inline constexpr const char* kPluginVersion = "0.1.0";

// Opens the store named by `path` (or the `store` option when `path` is empty). `create`: make
// a missing store (restore into a new machine). Errors say how to name a store.
// `access`: write refuses a root that another user owns or that group or others may write
// (bad_usage, exit 2); read opens it with DirectoryStore::warnings() (warn_about_store).
backup_host::Result<std::unique_ptr<DirectoryStore>> open_store(
    const std::optional<std::filesystem::path>& path, bool create,
    StoreAccess access = StoreAccess::read);

// Passes the store's warnings (a root others may write) to the person.
void warn_about_store(const backup_host::Host& host, const DirectoryStore& store);

// The existing store at `path` (open_store without `create`), its warnings passed to `host`
// (warn_about_store).
backup_host::Result<std::unique_ptr<DirectoryStore>> open_existing_store(
    const backup_host::Host& host, const std::optional<std::filesystem::path>& path,
    StoreAccess access = StoreAccess::read);

// Opens the store an import or a restore writes into: an existing store, or a missing or empty
// directory, which becomes a new store. A dry run creates nothing and gives nullptr for such a
// directory (everything would be created). A non-empty directory that is not a store is refused
// with bad_usage, naming `what` ("target_store", "--store") and `verb` ("restore", "import").
// Opened for writing (a dry run for reading).
backup_host::Result<std::unique_ptr<DirectoryStore>> open_target_store(
    const std::filesystem::path& target, const std::string& what, const std::string& verb,
    bool dry_run);

// Whether a job may go on without a password (the host's --no-password gives an empty one).
enum class NoPassword { refused, accepted };

// The job's password as UTF-8 text, valid until the job ends. Empty only when `no_password`
// is accepted and the host was told --no-password; otherwise an empty one is bad_usage.
backup_host::Result<std::string_view> job_password(const backup_host::Host& host,
                                                   backup_host::SecretUse use,
                                                   NoPassword no_password = NoPassword::refused);

// Progress in `unit` (certificates unless told) and the host's cancellation flag.
WorkHooks work_hooks(const backup_host::Host& host, std::string message,
                     std::string unit = "certificates");

// Snapshot options from the plugin options and the store (its settings and identity).
backup_host::Result<SnapshotOptions> snapshot_options(const CertificatesOptions& options,
                                                      DirectoryStore& store);

// Every certificate of the scope with its bindings, required and unused; `storage` keeps them
// alive while the returned candidates point into it.
backup_host::Result<std::vector<SnapshotCandidate>> snapshot_candidates(
    DirectoryStore& store, const std::string& scope, std::vector<StoredCertificate>& storage);

// The same as deferred candidates (SnapshotCandidate::Deferred): nothing is read until the
// writer loads each certificate, with its key, while its PFX bag or file is made. The candidates
// keep a consistent view of the store (DirectoryStoreReading: commits wait) until they are
// destroyed. For a backup, which holds one decoded key at a time per thread this way.
backup_host::Result<std::vector<SnapshotCandidate>> deferred_snapshot_candidates(
    DirectoryStore& store, const std::string& scope);

// What a backup, an estimate or an export writes: the snapshot options and the candidates of
// the scope (snapshot_options, then snapshot_candidates). `candidates` point into `storage`;
// moving the selection keeps them valid.
struct SnapshotSelection {
    SnapshotOptions options;
    std::vector<StoredCertificate> storage;
    std::vector<SnapshotCandidate> candidates;
};
backup_host::Result<SnapshotSelection> select_snapshot(const CertificatesOptions& options,
                                                       DirectoryStore& store);
// The same from the store the `store` option names (backup, estimate), after warning `host`
// about the store (warn_about_store); the store is closed again: the selection owns what it
// read.
backup_host::Result<SnapshotSelection> select_snapshot(const backup_host::Host& host,
                                                       const CertificatesOptions& options);

// The snapshot of a restore or verify job: the job's password, then the host's items opened
// and checked by SnapshotReader::open (version, password, MAC). `reader` reads from `source`.
struct JobSnapshot {
    std::unique_ptr<ItemSource> source;
    std::optional<SnapshotReader> reader;
};
backup_host::Result<JobSnapshot> open_job_snapshot(const backup_host::Host& host);

// This machine's host name.
std::string host_name();

}  // namespace certbackup::plugin
