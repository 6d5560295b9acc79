// backup_host/host/plugin_instance.hpp: one plugin instance running one job, host side.
//
// Made by LoadedPlugin::create. Drives the lifecycle of plugin_abi.h rule 7 and refuses calls
// out of order (a second job, work of another kind, work after end_job) with
// Status::bad_usage before they reach the plugin. Once begin_job succeeded, end_job runs for
// sure: the host calls it with the work's outcome, or the destructor does (with
// Status::cancelled if the job was cancelled, else Status::failed).
//
// Ownership: holds a shared_ptr to the plugin's library, so the code it calls stays loaded
// until the instance is gone, whatever happens to the LoadedPlugin or the PluginLoader. The
// JobServices given to create must outlive the instance.
// Threads: not thread-safe; all calls from the job thread. Cancellation goes through
// JobServices::cancelled, which other threads may flip at any time.
// Failures: Failure with the plugin's status and message, prefixed with "plugin '<id>': ".
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#ifndef BOOST_DLL_USE_STD_FS
#define BOOST_DLL_USE_STD_FS  // std::filesystem in Boost.DLL: no boost_filesystem to link
#endif
#include <boost/dll/shared_library.hpp>

#include "backup_host/host/job_services.hpp"
#include "backup_host/host/plugin_description.hpp"
#include "backup_host/host/services_bridge.hpp"
#include "backup_host/plugin_abi.h"
#include "backup_host/status.hpp"
#include "backup_host/types.hpp"

namespace backup_host {

class LoadedPlugin;

class PluginInstance {
  public:
    ~PluginInstance() {
        if (state_ == State::in_job)
            (void)end_job(bridge_->cancelled() ? Status::cancelled : Status::failed);
        functions_->destroy(handle_);
    }
    PluginInstance(const PluginInstance&) = delete;
    PluginInstance& operator=(const PluginInstance&) = delete;

    const PluginDescription& description() const noexcept { return *description_; }

    // Starts the one job of this instance. The kind must be one the plugin supports.
    Result<void> begin_job(JobKind kind) {
        if (state_ != State::created)
            return usage("an instance runs one job; create another instance for the next");
        if (!description_->supports(kind))
            return usage(std::string("it does not support ") + to_string(kind) +
                         " jobs (it supports: " + job_names(description_->jobs) + ")");
        bridge_->start_job(kind);
        bridge_->begin_call();
        auto begun = call(functions_->begin_job(handle_, static_cast<int>(kind)), "begin_job");
        if (!begun) {
            bridge_->finish_job();
            state_ = State::ended;
            return begun;
        }
        kind_ = kind;
        state_ = State::in_job;
        return {};
    }

    Result<void> backup() {
        if (auto ready = ready_for(JobKind::backup); !ready)
            return ready;
        bridge_->begin_call();
        auto done = call(functions_->backup(handle_), "backup");
        if (done && bridge_->open_item_name())
            return fail(Status::failed, prefix() + "the backup ended with item '" +
                                            *bridge_->open_item_name() + "' still open");
        return done;
    }

    Result<void> restore(const RestoreOptions& options) {
        if (auto ready = ready_for(JobKind::restore); !ready)
            return ready;
        const std::string target = options.target ? options.target->string() : std::string();
        std::vector<const char*> selection;
        selection.reserve(options.selection.size());
        for (const std::string& entry : options.selection)
            selection.push_back(entry.c_str());
        bh_restore_options c_options{};
        c_options.struct_size = sizeof(bh_restore_options);
        c_options.overwrite = static_cast<std::uint32_t>(options.overwrite);
        c_options.dry_run = options.dry_run ? 1 : 0;
        c_options.target = options.target ? target.c_str() : nullptr;
        c_options.selection = selection.empty() ? nullptr : selection.data();
        c_options.selection_count = selection.size();
        bridge_->begin_call();
        return call(functions_->restore(handle_, &c_options), "restore");
    }

    Result<void> verify() {
        if (auto ready = ready_for(JobKind::verify); !ready)
            return ready;
        bridge_->begin_call();
        return call(functions_->verify(handle_), "verify");
    }

    Result<Estimate> estimate() {
        if (auto ready = ready_for(JobKind::estimate); !ready)
            return std::unexpected(ready.error());
        bh_estimate c_estimate{};
        c_estimate.struct_size = sizeof(bh_estimate);
        bridge_->begin_call();
        if (auto done = call(functions_->estimate(handle_, &c_estimate), "estimate"); !done)
            return std::unexpected(done.error());
        return Estimate{c_estimate.items, c_estimate.bytes};
    }

    // Runs one of the declared actions; `args` are the words after the action's name.
    Result<void> action(std::string_view name, const std::vector<std::string>& args) {
        if (auto ready = ready_for(JobKind::action); !ready)
            return ready;
        if (description_->find_action(name) == nullptr) {
            std::string names;
            for (const ActionDescription& action : description_->actions)
                names += (names.empty() ? "" : ", ") + action.name;
            return usage("it has no action '" + std::string(name) + "' (its actions: " + names +
                         ")");
        }
        const std::string action_name(name);
        std::vector<const char*> argv;
        argv.reserve(args.size());
        for (const std::string& arg : args)
            argv.push_back(arg.c_str());
        bridge_->begin_call();
        return call(functions_->action(handle_, action_name.c_str(), argv.size(),
                                       argv.empty() ? nullptr : argv.data()),
                    "action");
    }

    // Ends the job; `outcome` is the status of the work (Status::ok if it succeeded).
    // Returns end_job's own result: the caller keeps the work's failure if there was one.
    Result<void> end_job(Status outcome) {
        if (state_ != State::in_job)
            return usage("end_job without a running job");
        bridge_->begin_call();
        auto ended = call(functions_->end_job(handle_, static_cast<int>(outcome)), "end_job");
        bridge_->finish_job();
        state_ = State::ended;
        return ended;
    }

  private:
    friend class LoadedPlugin;
    enum class State { created, in_job, ended };

    PluginInstance(std::shared_ptr<boost::dll::shared_library> library,
                   std::shared_ptr<const PluginDescription> description,
                   const bh_plugin_functions* functions,
                   std::unique_ptr<detail::ServicesBridge> bridge, bh_instance* handle) noexcept
        : library_(std::move(library)),
          description_(std::move(description)),
          functions_(functions),
          bridge_(std::move(bridge)),
          handle_(handle) {}

    std::string prefix() const { return "plugin '" + description_->id + "': "; }

    Result<void> usage(const std::string& message) const {
        return fail(Status::bad_usage, prefix() + message);
    }

    Result<void> ready_for(JobKind kind) {
        if (state_ != State::in_job || kind_ != kind)
            return usage(std::string("a ") + to_string(kind) + " call needs a running " +
                         to_string(kind) + " job (begin_job first)");
        if (worked_)
            return usage("a job does its work once");
        worked_ = true;
        return {};
    }

    // The status a plugin function returned, as a Result with the plugin's message.
    Result<void> call(int status, const char* function) const {
        if (status == BH_OK)
            return {};
        const Status mapped = status_from_abi(status);
        auto message = bridge_->plugin_error();
        if (!message || message->empty())
            return fail(mapped, prefix() + function + " failed (" + to_string(mapped) +
                                    ") without saying why");
        if (mapped == Status::failed && status != BH_FAILED)
            return fail(mapped,
                        prefix() + *message + " (unknown status " + std::to_string(status) + ")");
        return fail(mapped, prefix() + *message);
    }

    // Declared first: destroyed last, after the plugin code it keeps loaded ran for the last
    // time.
    std::shared_ptr<boost::dll::shared_library> library_;
    std::shared_ptr<const PluginDescription> description_;
    const bh_plugin_functions* functions_;
    std::unique_ptr<detail::ServicesBridge> bridge_;
    bh_instance* handle_;
    State state_ = State::created;
    std::optional<JobKind> kind_;
    bool worked_ = false;
};

}  // namespace backup_host
