// What every job and action of the certificates plugin needs: the store, the password, the
// hooks that connect long work to the host's progress and cancellation.
#pragma once

#include <backup_host/plugin.hpp>

#include <memory>
#include <string_view>

#include "certbackup/base/parallel_tasks.hpp"
#include "core/directory_store.hpp"
#include "core/snapshot.hpp"
#include "plugin_options.hpp"

namespace certbackup::plugin {

inline constexpr const char* kPluginId = "certificates";
inline constexpr const char* kPluginVersion = "0.1.0";

// Opens the store named by `path` (or the `store` option when `path` is empty). `create`: make
// a missing store (restore into a new machine). Errors say how to name a store.
backup_host::Result<std::unique_ptr<DirectoryStore>> open_store(
    const std::optional<std::filesystem::path>& path, bool create);

// The job's password as UTF-8 text, valid until the job ends.
backup_host::Result<std::string_view> job_password(const backup_host::Host& host,
                                                   backup_host::SecretUse use);

// Progress in certificates and the host's cancellation flag.
WorkHooks work_hooks(const backup_host::Host& host, std::string message);

// Snapshot options from the plugin options and the store (its settings and identity).
backup_host::Result<SnapshotOptions> snapshot_options(const CertificatesOptions& options,
                                                      DirectoryStore& store);

// Every certificate of the scope with its bindings, required and unused; `storage` keeps them
// alive while the returned candidates point into it.
backup_host::Result<std::vector<SnapshotCandidate>> snapshot_candidates(
    DirectoryStore& store, const std::string& scope, std::vector<StoredCertificate>& storage);

// This machine's host name.
std::string host_name();

}  // namespace certbackup::plugin
