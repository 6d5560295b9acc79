// The host's side of the authenticated set record (docs/STORAGE.md, "The authenticated record";
// host-sdk/storage/set_authentication.hpp has the format).
//
// Backup: a RecordSealer made when the job begins starts deriving the record key at once, on a
// background thread, when the password can be read without asking (a file, a descriptor,
// standard input, $BACKUP_HOST_PASSWORD_FILE), so that the derivation runs beside the plugins'
// work instead of after it. Otherwise the key is derived at commit if a plugin asked for the
// password during the job; a backup that never had a password is committed without one.
//
// Restore and verify: authenticate_record checks a set's record before any plugin runs. It
// asks for the password when the record carries an authentication field (wrong_password: exit
// 3; a record changed after the backup: corrupt, exit 4).
#pragma once

#include <future>
#include <optional>

#include <backup_host/status.hpp>

#include "host-sdk/host/host_job_services.hpp"
#include "host-sdk/storage/set_authentication.hpp"
#include "host-sdk/storage/set_reader.hpp"

namespace certbackup::host {

class RecordSealer {
  public:
    explicit RecordSealer(HostContext& context);
    ~RecordSealer();  // waits for a derivation still running
    RecordSealer(const RecordSealer&) = delete;
    RecordSealer& operator=(const RecordSealer&) = delete;

    // Set when the password could not be read at the start (the backup stops at once).
    const std::optional<backup_host::Failure>& early_failure() const { return early_failure_; }

    // The key to seal the record with, or nullopt when the backup had no password. Call once,
    // after the plugins' work.
    backup_host::Result<std::optional<backup_host::SetRecordKey>> key();

  private:
    HostContext& context_;
    std::future<Result<backup_host::SetRecordKey>> pending_;
    std::optional<backup_host::Failure> early_failure_;
};

enum class RecordTrust {
    authenticated,    // its MAC matched under the job's password
    unauthenticated,  // written without a password: nothing vouches for its plugins and digests
};

// Checks the record of `set` (see the top of this file) and says so on the job's output.
backup_host::Result<RecordTrust> authenticate_record(HostContext& context,
                                                     const backup_host::SetReader& set);

}  // namespace certbackup::host
