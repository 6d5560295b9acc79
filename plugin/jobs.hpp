// The certificates plugin's jobs (DESIGN §2, CLI.md): each runs inside one host job, on the
// job thread, and reports to the person through host output and to scripts through the
// structured result.
#pragma once

#include <backup_host/plugin.hpp>

#include "plugin_options.hpp"

namespace certbackup::plugin {

// Writes the snapshot of DESIGN §4 as items: payloads first, manifest.pb last.
backup_host::Result<void> run_backup(const backup_host::Host& host,
                                     const CertificatesOptions& options);

// Import of the set's certificates into the target store: checks everything (password, MAC,
// digests, every payload) before the first change, then commits all changes together or none.
backup_host::Result<void> run_restore(const backup_host::Host& host,
                                      const CertificatesOptions& options,
                                      const backup_host::RestoreOptions& restore);

// Opens every payload with the password and checks it against the manifest; touches no store.
backup_host::Result<void> run_verify(const backup_host::Host& host);

// How many certificates and about how many bytes a backup would write now.
backup_host::Result<backup_host::Estimate> run_estimate(const backup_host::Host& host,
                                                        const CertificatesOptions& options);

}  // namespace certbackup::plugin
