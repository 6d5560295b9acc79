// backup_host/plugin/plugin_base.hpp: the class plugin authors derive from, and the static
// description of a plugin.
//
// A plugin class P derives from backup_host::Plugin, overrides the work functions of the job
// kinds it lists in its PluginInfo, and provides
//
//     static backup_host::Result<std::unique_ptr<P>> create(backup_host::Host host,
//                                                           const backup_host::OptionValues&);
//
// BACKUP_HOST_PLUGIN(P, info) (backup_host/plugin.hpp) exports it. One object per job; the
// host calls it from one thread (plugin_abi.h rules 7 and 8). Work functions return a Failure
// for anything that went wrong; exceptions that escape are caught at the boundary and reported
// as Status::failed with their what() text, so they never cross into the host.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backup_host/plugin/host.hpp"
#include "backup_host/plugin_abi.h"
#include "backup_host/status.hpp"
#include "backup_host/types.hpp"

namespace backup_host {

// The declared options and actions are the C records themselves, so that a plugin's tables are
// constant data (designated initializers read well: {.name = "path", .type = BH_OPTION_PATH}).
using OptionSpec = bh_option_spec;
using ActionSpec = bh_action_spec;

// What a plugin is, for its descriptor. Every pointer must refer to static data (string
// literals, namespace-scope constexpr arrays): the descriptor outlives every call.
struct PluginInfo {
    const char* id = nullptr;           // [a-z0-9][a-z0-9_-]*
    const char* version = nullptr;      // e.g. "1.0.0"
    std::uint32_t format_version = 1;   // of the items the plugin writes
    const char* description = nullptr;  // one line
    std::uint32_t jobs = 0;             // BH_JOBS_* mask
    std::span<const OptionSpec> options;
    std::span<const ActionSpec> actions;  // non-empty exactly when jobs has BH_JOBS_ACTION
};

class Plugin {
  public:
    explicit Plugin(Host host) noexcept : host_(host) {}
    virtual ~Plugin() = default;
    Plugin(const Plugin&) = delete;
    Plugin& operator=(const Plugin&) = delete;

    // Prepares the one job of this object. When it succeeds, end_job follows for sure.
    virtual Result<void> begin_job(JobKind kind) {
        (void)kind;
        return {};
    }

    // Stores the data as items through host().begin_item / write / end_item.
    virtual Result<void> backup() { return not_implemented(JobKind::backup); }

    // Writes the data back from the items as `options` say; with options.dry_run, reports
    // what would be created, skipped or replaced and writes nothing.
    virtual Result<void> restore(const RestoreOptions& options) {
        (void)options;
        return not_implemented(JobKind::restore);
    }

    // Reads every item and checks it; changes nothing.
    virtual Result<void> verify() { return not_implemented(JobKind::verify); }

    // What a backup would store now; stores nothing.
    virtual Result<Estimate> estimate() {
        return std::unexpected(not_implemented(JobKind::estimate).error());
    }

    // Runs the action `name` (one of the declared ones) with its arguments.
    virtual Result<void> action(std::string_view name, const std::vector<std::string>& args) {
        (void)name;
        (void)args;
        return not_implemented(JobKind::action);
    }

    // Always called after a successful begin_job, also after a failure or cancellation;
    // `outcome` is the status of the work (Status::ok when it succeeded). Undo or clean up
    // here; a failure returned here is reported, but never hides the work's own failure.
    virtual Result<void> end_job(Status outcome) {
        (void)outcome;
        return {};
    }

  protected:
    const Host& host() const noexcept { return host_; }

  private:
    static Result<void> not_implemented(JobKind kind) {
        return fail(Status::unsupported,
                    std::string("this plugin does not implement ") + to_string(kind) + " jobs");
    }

    Host host_;
};

}  // namespace backup_host
