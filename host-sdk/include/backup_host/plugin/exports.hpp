// backup_host/plugin/exports.hpp: the C side of a C++ plugin, generated per plugin class.
//
// detail::Exports<P> holds the bh_plugin_functions table whose functions turn C calls into
// calls on a P, and every result, Failure or exception into a status plus a message
// (host->set_error). Nothing here is for plugin authors to call; BACKUP_HOST_PLUGIN uses it.
#pragma once

#include <concepts>
#include <cstddef>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "backup_host/plugin/host.hpp"
#include "backup_host/plugin/plugin_base.hpp"
#include "backup_host/plugin_abi.h"
#include "backup_host/status.hpp"
#include "backup_host/types.hpp"

namespace backup_host::detail {

// What P must provide for BACKUP_HOST_PLUGIN(P, info).
template <typename P>
concept PluginClass = std::derived_from<P, Plugin> && requires(Host host, const OptionValues& o) {
    { P::create(host, o) } -> std::same_as<Result<std::unique_ptr<P>>>;
};

// What a bh_instance* points to.
struct InstanceBox {
    std::unique_ptr<Plugin> plugin;
    const bh_host_services* host;
};

inline InstanceBox* unbox(bh_instance* instance) noexcept {
    return reinterpret_cast<InstanceBox*>(instance);
}

inline void report_error(const bh_host_services* host, const char* message) noexcept {
    if (host != nullptr && host->set_error != nullptr)
        host->set_error(host->context, message);
}

// Runs `body` (returning Result<void>) and turns its outcome into a status; no exception
// leaves this function.
template <typename Body>
int guarded(const bh_host_services* host, Body&& body) noexcept {
    try {
        Result<void> result = std::forward<Body>(body)();
        if (result)
            return BH_OK;
        report_error(host, result.error().message.c_str());
        const int status = static_cast<int>(result.error().status);
        return status == BH_OK ? BH_FAILED : status;
    } catch (const std::bad_alloc&) {
        report_error(host, "out of memory");
    } catch (const std::exception& error) {
        try {
            report_error(host, (std::string("unexpected error: ") + error.what()).c_str());
        } catch (...) {
            report_error(host, error.what());
        }
    } catch (...) {
        report_error(host, "unexpected error (an exception that is not a std::exception)");
    }
    return BH_FAILED;
}

inline OptionValues to_option_values(const bh_option_value* options, std::size_t count) {
    std::vector<OptionValue> values;
    values.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const bh_option_value& c = options[i];
        OptionValue value;
        value.name = c.name != nullptr ? c.name : "";
        value.type = static_cast<OptionType>(c.type);
        value.text = c.text != nullptr ? c.text : "";
        value.boolean = c.boolean != 0;
        value.integer = c.integer;
        value.is_default = c.is_default != 0;
        values.push_back(std::move(value));
    }
    return OptionValues(std::move(values));
}

inline Result<RestoreOptions> to_restore_options(const bh_restore_options* options) {
    if (options == nullptr ||
        options->struct_size < BH_SIZE_THROUGH(bh_restore_options, selection_count))
        return fail(Status::bad_usage, "the host passed no usable restore options");
    RestoreOptions restore;
    if (options->target != nullptr)
        restore.target = std::filesystem::path(options->target);
    restore.overwrite =
        options->overwrite == BH_OVERWRITE_REPLACE ? Overwrite::replace : Overwrite::skip;
    restore.dry_run = options->dry_run != 0;
    for (std::size_t i = 0; i < options->selection_count; ++i)
        if (options->selection[i] != nullptr)
            restore.selection.emplace_back(options->selection[i]);
    return restore;
}

inline bool valid_job_kind(int kind) noexcept {
    return kind >= BH_JOB_BACKUP && kind <= BH_JOB_ACTION;
}

template <PluginClass P>
struct Exports {
    static int create(const bh_host_services* host, const bh_option_value* options,
                      std::size_t option_count, bh_instance** instance) noexcept {
        if (host == nullptr || instance == nullptr)
            return BH_BAD_USAGE;
        *instance = nullptr;
        // A host of another major or an older, smaller table cannot be served; the loader of a
        // matching host never gets here, so this guards hand-written hosts.
        if (host->struct_size < BH_HOST_SERVICES_SIZE_1_0 || host->abi_major != BH_ABI_MAJOR)
            return BH_UNSUPPORTED;
        return guarded(host, [&]() -> Result<void> {
            auto made = P::create(Host(host), to_option_values(options, option_count));
            if (!made)
                return std::unexpected(std::move(made.error()));
            if (*made == nullptr)
                return fail(Status::failed, "the plugin's create returned no object");
            auto box = std::make_unique<InstanceBox>(InstanceBox{std::move(*made), host});
            *instance = reinterpret_cast<bh_instance*>(box.release());
            return {};
        });
    }

    static void destroy(bh_instance* instance) noexcept {
        try {
            delete unbox(instance);
        } catch (...) {
            // A destructor that throws would terminate; nothing useful can be reported here.
        }
    }

    static int begin_job(bh_instance* instance, int kind) noexcept {
        InstanceBox* box = unbox(instance);
        return guarded(box->host, [&]() -> Result<void> {
            if (!valid_job_kind(kind))
                return fail(Status::bad_usage, "unknown job kind " + std::to_string(kind));
            return box->plugin->begin_job(static_cast<JobKind>(kind));
        });
    }

    static int end_job(bh_instance* instance, int outcome) noexcept {
        InstanceBox* box = unbox(instance);
        return guarded(box->host, [&]() { return box->plugin->end_job(status_from_abi(outcome)); });
    }

    static int backup(bh_instance* instance) noexcept {
        InstanceBox* box = unbox(instance);
        return guarded(box->host, [&]() { return box->plugin->backup(); });
    }

    static int restore(bh_instance* instance, const bh_restore_options* options) noexcept {
        InstanceBox* box = unbox(instance);
        return guarded(box->host, [&]() -> Result<void> {
            auto restore_options = to_restore_options(options);
            if (!restore_options)
                return std::unexpected(std::move(restore_options.error()));
            return box->plugin->restore(*restore_options);
        });
    }

    static int verify(bh_instance* instance) noexcept {
        InstanceBox* box = unbox(instance);
        return guarded(box->host, [&]() { return box->plugin->verify(); });
    }

    static int estimate(bh_instance* instance, bh_estimate* out) noexcept {
        InstanceBox* box = unbox(instance);
        return guarded(box->host, [&]() -> Result<void> {
            if (out == nullptr || out->struct_size < BH_SIZE_THROUGH(bh_estimate, bytes))
                return fail(Status::bad_usage, "the host passed no usable estimate record");
            auto estimated = box->plugin->estimate();
            if (!estimated)
                return std::unexpected(std::move(estimated.error()));
            out->items = estimated->items;
            out->bytes = estimated->bytes;
            return {};
        });
    }

    static int action(bh_instance* instance, const char* name, std::size_t argc,
                      const char* const* argv) noexcept {
        InstanceBox* box = unbox(instance);
        return guarded(box->host, [&]() -> Result<void> {
            std::vector<std::string> args;
            args.reserve(argc);
            for (std::size_t i = 0; i < argc; ++i)
                args.emplace_back(argv[i] != nullptr ? argv[i] : "");
            return box->plugin->action(name != nullptr ? name : "", args);
        });
    }

    static constexpr bh_plugin_functions table = {
        sizeof(bh_plugin_functions),
        BH_ABI_MINOR,
        &create,
        &destroy,
        &begin_job,
        &end_job,
        &backup,
        &restore,
        &verify,
        &estimate,
        &action,
    };
};

// The descriptor of plugin class P: constant data, built at compile time.
template <PluginClass P>
constexpr bh_plugin_descriptor make_descriptor(const PluginInfo& info) {
    bh_plugin_descriptor descriptor{};
    descriptor.magic = BH_PLUGIN_MAGIC;
    descriptor.abi_major = BH_ABI_MAJOR;
    descriptor.abi_minor = BH_ABI_MINOR;
    descriptor.struct_size = sizeof(bh_plugin_descriptor);
    descriptor.id = info.id;
    descriptor.version = info.version;
    descriptor.description = info.description;
    descriptor.format_version = info.format_version;
    descriptor.jobs = info.jobs;
    descriptor.options = info.options.empty() ? nullptr : info.options.data();
    descriptor.option_count = info.options.size();
    descriptor.actions = info.actions.empty() ? nullptr : info.actions.data();
    descriptor.action_count = info.actions.size();
    descriptor.functions = &Exports<P>::table;
    return descriptor;
}

}  // namespace backup_host::detail
