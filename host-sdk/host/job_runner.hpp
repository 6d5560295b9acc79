// The job runner: drives plugin instances through the ABI's lifecycle against backup storage
// (issue 3; plugin_abi.h rule 7; docs/STORAGE.md).
//
// Every plugin job runs on a fresh instance: options checked -> create -> begin_job -> the work
// -> end_job (always, once begin_job succeeded: with the work's outcome, or `cancelled` when the
// cancellation flag was set) -> destroy. One thread (the caller's) makes every call.
//
// Backups (run_backup): one set per run at the target; each plugin's items are stored below its
// own prefix "<plugin-id>/" (the plugin sees unprefixed names), so sets of one plugin and of
// several (full-system jobs) share one layout. The set record names the job, and per plugin its
// id, version, format version, prefix, a summary line, its warnings and its structured result.
// The set is committed only if every plugin succeeded and nothing asked to stop; otherwise it is
// aborted (the partial set removed), and the first failure is returned: Status::cancelled when
// the flag was set.
//
// Restores and verifies read a complete set; storage checks every item's size and digest as it
// is read; each plugin reads only the items below its own prefix.
//
// Failures are SDK Failures whose status gives the exit code (CLI.md). Nothing here prints:
// results come back to the command, which reports them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <backup_host/host/loader.hpp>
#include <backup_host/host/option_validation.hpp>
#include <backup_host/status.hpp>
#include <backup_host/types.hpp>

#include "backup_set.pb.h"
#include "host-sdk/host/host_job_services.hpp"
#include "host-sdk/storage/set_reader.hpp"
#include "host-sdk/storage/storage_io.hpp"
#include "host-sdk/storage/storage_target.hpp"

namespace certbackup::host {

// One plugin of a job and the options given to it: configured defaults first, then -o
// (host_config.hpp configured_options). Checked against the plugin's declarations for the job's
// kind before anything runs.
struct PluginJob {
    backup_host::LoadedPlugin plugin;
    backup_host::OptionAssignments options;
};

// What one plugin's job left.
struct PluginOutcome {
    std::string plugin_id;
    backup_host::Status status = backup_host::Status::ok;
    std::string message;                // the failure's message; empty on success
    std::optional<std::string> result;  // its set_result JSON
    std::vector<std::string> warnings;  // what it logged at warn level and above
    std::uint64_t items = 0;            // backup: items stored
    std::uint64_t bytes = 0;            // backup: bytes stored
};

// The item prefix of `plugin_id` in the sets this runner writes: "<plugin-id>/".
std::string item_prefix_for(const std::string& plugin_id);

struct BackupRequest {
    std::string job_name;  // the ad-hoc `backup` command: the plugin id
    std::vector<PluginJob> plugins;
    std::string target;  // --to TARGET (storage_target.hpp parse_target)
    // Where "-" goes (output_fd) and where a tar target is spooled; storage's defaults otherwise.
    backup_host::StorageOptions storage;
    // How the set reaches storage; null is the real file system (a test injects faults).
    const backup_host::StorageIo* io = nullptr;
};

// What a run did. `failure` is the first failure (the command's exit status), if any;
// `plugins` holds one outcome per plugin job that was created, in order.
struct BackupReport {
    std::optional<backup_host::Failure> failure;
    backup_host::proto::BackupSet record;  // as committed; empty when the set was not committed
    std::string destination;               // where the set went, for messages
    std::vector<PluginOutcome> plugins;
};

struct RestoreRequest {
    std::vector<PluginJob> plugins;  // the plugins of the set to restore, in order
    // The operator named `plugins` (--plugin): the only way to restore from a set whose record
    // is not authenticated (written without a password).
    bool plugins_named = false;
    bool dry_run = false;  // RestoreOptions::dry_run
};

struct RestoreReport {
    std::optional<backup_host::Failure> failure;
    std::optional<bool> record_authenticated;  // as VerifyReport's
    std::vector<PluginOutcome> plugins;
};

struct VerifyReport {
    std::optional<backup_host::Failure> failure;
    // Whether the record's MAC matched under the password (false: the record carries none);
    // nullopt when the check itself failed.
    std::optional<bool> record_authenticated;
    bool items_checked = false;  // storage read every item and found it intact
    std::uint64_t items = 0;     // items whose size and digest the host checked
    std::uint64_t bytes = 0;
    std::vector<PluginOutcome> plugins;  // each plugin's own verify, in order
};

// Checks every plugin's options, begins the set, runs each plugin's backup into it, commits.
BackupReport run_backup(HostContext& context, const BackupRequest& request);

// Restore, in this order, before any plugin writes anything: the set record is authenticated
// (record_authentication.hpp; a set without authentication restores only plugins the operator
// named, else bad_usage); a plugin the set does not hold and any option problem are refused;
// the plan is printed: every plugin with its items and options, and, when several plugins
// restore, each one's own dry run. Then each plugin restores, in order, stopping at the first
// failure.
RestoreReport run_restore(HostContext& context, const backup_host::SetReader& set,
                          const RestoreRequest& request);

// Verify: the set record is authenticated when it carries authentication (an unauthenticated
// record is reported as such, and verified as far as it goes); storage reads every item of the
// set and checks its size and digest (a failure names the item: Status::corrupt, and no plugin
// runs); then each plugin's verify job runs, all of them even after one fails; the first
// failure is the report's.
VerifyReport run_verify(HostContext& context, const backup_host::SetReader& set,
                        const std::vector<PluginJob>& plugins);

// An action job: `backup-host PLUGIN ACTION ARGS...`. The outcome's status is the action's.
PluginOutcome run_action(HostContext& context, const PluginJob& job, const std::string& action,
                         const std::vector<std::string>& args);

}  // namespace certbackup::host
