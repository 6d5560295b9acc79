// Helpers of the host-SDK tests: where the fixtures are, and one whole job in one call.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <backup_host/host.hpp>

#include "memory_job_services.hpp"

namespace backup_host::testing {

// A test plugin built by tests/host/sdk/fixtures ("probe", "wrong_major", ...).
inline std::filesystem::path fixture_plugin(std::string_view name) {
    return std::filesystem::path(BACKUP_HOST_FIXTURE_DIR) / (std::string(name) + ".so");
}

inline std::filesystem::path files_plugin_file() {
    return BACKUP_HOST_FILES_PLUGIN;
}

// Loads a plugin that must load; fails the test otherwise.
inline LoadedPlugin load_plugin(const std::filesystem::path& file) {
    auto plugin = PluginLoader().load(file);
    if (!plugin)
        ADD_FAILURE() << "loading " << file << ": " << plugin.error().message;
    return std::move(plugin).value();
}

struct JobRequest {
    JobRequest(JobKind kind, OptionAssignments options = {}, bool dry_run = false)
        : kind(kind), options(std::move(options)), dry_run(dry_run) {}

    JobKind kind;
    OptionAssignments options;
    bool dry_run = false;                // restore
    std::string action;                  // action
    std::vector<std::string> arguments;  // action
};

// An action job: `backup-host PLUGIN ACTION ARGUMENTS...`.
inline JobRequest action_job(std::string action, std::vector<std::string> arguments) {
    JobRequest request(JobKind::action);
    request.action = std::move(action);
    request.arguments = std::move(arguments);
    return request;
}

// Runs one whole job as a host does: options checked, instance created, begin_job, the work,
// end_job with the work's outcome. Returns the first failure.
inline Result<void> run_job(const LoadedPlugin& plugin, const JobRequest& request,
                            JobServices& services) {
    auto options = validate_options(plugin.description(), request.kind, request.options);
    if (!options)
        return std::unexpected(options.error());
    auto instance = plugin.create(*options, services);
    if (!instance)
        return std::unexpected(instance.error());
    PluginInstance& job = **instance;
    if (auto begun = job.begin_job(request.kind); !begun)
        return begun;
    Result<void> work;
    switch (request.kind) {
        case JobKind::backup:
            work = job.backup();
            break;
        case JobKind::restore:
            work =
                job.restore(restore_options_for(plugin.description(), *options, request.dry_run));
            break;
        case JobKind::verify:
            work = job.verify();
            break;
        case JobKind::estimate: {
            auto estimate = job.estimate();
            if (!estimate)
                work = std::unexpected(estimate.error());
            break;
        }
        case JobKind::action:
            work = job.action(request.action, request.arguments);
            break;
    }
    auto ended = job.end_job(work ? Status::ok : work.error().status);
    if (!work)
        return work;
    return ended;
}

}  // namespace backup_host::testing
