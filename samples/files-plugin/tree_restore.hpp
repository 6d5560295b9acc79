// Restoring a backed-up tree into a target directory, in two phases: plan_restore decides for
// every selected entry what happens (and is all a dry run does); apply_restore carries the plan
// out. Conflicts are found while planning, so a refused restore writes nothing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <vector>

#include <backup_host/plugin/host.hpp>
#include <backup_host/status.hpp>
#include <backup_host/types.hpp>

#include "manifest.hpp"

namespace files_plugin {

enum class Step {
    create,   // nothing there yet
    replace,  // something there, overwrite=replace: a file is replaced, a non-directory where a
              // directory belongs is removed first
    keep,     // a directory that is already there: files go into it
    skip,     // something there, overwrite=skip: left alone (with everything below it)
};

// "create", "replace", "keep", "skip".
const char* to_string(Step step);

// Reads the item of `entry` to its end through `buffer`, handing each chunk to `take` (as
// ItemReader::read_chunks) and reporting progress; Status::corrupt when the item's size is not
// the manifest's.
backup_host::Result<void> read_entry_item(
    backup_host::ItemReader& reader, std::span<std::uint8_t> buffer, const Entry& entry,
    const backup_host::Host& host, std::uint64_t& done, std::uint64_t total,
    const std::function<backup_host::Result<void>(std::span<const std::uint8_t>)>& take);

struct PlannedEntry {
    const Entry* entry;  // into the manifest the plan was made from
    Step step;
    std::filesystem::path destination;
};

struct RestorePlan {
    std::vector<PlannedEntry> entries;  // in manifest (tree) order
    std::uint64_t created = 0;
    std::uint64_t replaced = 0;
    std::uint64_t skipped = 0;
    std::uint64_t bytes = 0;  // file bytes to write
};

// Decides what restoring `manifest` into `target` does, reading the target but writing
// nothing. Selection entries name files or directories (relative, as in the manifest); one
// that matches nothing is Status::not_found. A directory of the target where the backup has a
// file, with overwrite=replace, is Status::conflict (the plugin never deletes directories).
// A target that exists but is not a directory is Status::bad_usage.
backup_host::Result<RestorePlan> plan_restore(const Manifest& manifest,
                                              const std::filesystem::path& target,
                                              const backup_host::RestoreOptions& options);

// Carries out `plan`: creates directories, writes each file to a temporary name in its
// directory (read from its item through the host, which checks the item's digest), sets its
// mode and modification time, fsyncs and renames it into place; then sets the directories'
// modes and times, deepest first (with overwrite=replace also those that were kept).
// Stops at the first failure or cancellation, leaving what was already restored and no
// temporary file; a file whose item is damaged is never put in place.
backup_host::Result<void> apply_restore(const RestorePlan& plan, backup_host::Overwrite overwrite,
                                        const backup_host::Host& host);

}  // namespace files_plugin
