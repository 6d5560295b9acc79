// backup_host/host/loader.hpp: loading plugin libraries with Boost.DLL and checking them.
//
// PluginLoader::load opens a library with RTLD_NOW (every symbol resolved up front, so a
// missing dependency fails here, not in the middle of a job), finds the one entry, and checks
// the descriptor's magic, ABI major and struct size before it calls anything else; then the
// rest of the descriptor (plugin_description.hpp). Every way a file can be wrong is a Failure
// whose message names the file and what to do; none crashes the host.
// PluginLoader::scan loads every "*.so" of a directory; a plugin that fails to load does not
// stop the others, two plugins with one id are both refused.
//
// Ownership: a LoadedPlugin and every PluginInstance made from it hold a shared_ptr to the
// library; it is unloaded when the last of them is gone. Copies of a LoadedPlugin share it.
// Threads: loading is thread-safe as dlopen is; a LoadedPlugin is immutable and may be shared
// by threads; each PluginInstance belongs to one job thread.
#pragma once

#include <dlfcn.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#ifndef BOOST_DLL_USE_STD_FS
#define BOOST_DLL_USE_STD_FS  // std::filesystem in Boost.DLL: no boost_filesystem to link
#endif
#include <boost/dll/shared_library.hpp>

#include "backup_host/host/job_services.hpp"
#include "backup_host/host/plugin_description.hpp"
#include "backup_host/host/plugin_instance.hpp"
#include "backup_host/host/services_bridge.hpp"
#include "backup_host/plugin_abi.h"
#include "backup_host/status.hpp"
#include "backup_host/types.hpp"

namespace backup_host {

// A plugin library that passed every check, ready to make instances.
class LoadedPlugin {
  public:
    const PluginDescription& description() const noexcept { return *description_; }
    const std::string& id() const noexcept { return description_->id; }

    // Creates the instance for one job. `options` come from validate_options for the job's
    // kind; `services` must outlive the instance. A plugin whose create fails gives its
    // status and "plugin '<id>' could not be created: <its message>".
    Result<std::unique_ptr<PluginInstance>> create(const OptionValues& options,
                                                   JobServices& services) const {
        auto bridge = std::make_unique<detail::ServicesBridge>(services);
        std::vector<bh_option_value> c_options;
        c_options.reserve(options.values().size());
        for (const OptionValue& value : options.values()) {
            bh_option_value c{};
            c.name = value.name.c_str();
            c.type = static_cast<std::uint32_t>(value.type);
            c.boolean = value.boolean ? 1 : 0;
            c.integer = value.integer;
            c.text = value.text.c_str();
            c.is_default = value.is_default ? 1 : 0;
            c_options.push_back(c);
        }
        bh_instance* handle = nullptr;
        bridge->begin_call();
        const int status =
            functions_->create(bridge->table(), c_options.empty() ? nullptr : c_options.data(),
                               c_options.size(), &handle);
        const std::string what = "plugin '" + id() + "' could not be created: ";
        if (status != BH_OK) {
            const auto message = bridge->plugin_error();
            return fail(
                status_from_abi(status),
                what + (message && !message->empty()
                            ? *message
                            : std::string("create failed (") + to_string(status_from_abi(status)) +
                                  ") without saying why"));
        }
        if (handle == nullptr)
            return fail(Status::failed, what + "its create returned no instance");
        try {
            return std::unique_ptr<PluginInstance>(
                new PluginInstance(library_, description_, functions_, std::move(bridge), handle));
        } catch (...) {
            functions_->destroy(handle);
            throw;
        }
    }

  private:
    friend class PluginLoader;
    LoadedPlugin(std::shared_ptr<boost::dll::shared_library> library,
                 std::shared_ptr<const PluginDescription> description,
                 const bh_plugin_functions* functions)
        : library_(std::move(library)),
          description_(std::move(description)),
          functions_(functions) {}

    std::shared_ptr<boost::dll::shared_library> library_;
    std::shared_ptr<const PluginDescription> description_;
    const bh_plugin_functions* functions_;
};

// The plugins of one directory.
struct PluginScan {
    std::filesystem::path directory;
    std::vector<LoadedPlugin> plugins;  // sorted by id; every id once
    std::vector<Failure> problems;      // per file that did not load, per id found twice
    std::map<std::string, Failure, std::less<>> duplicate_ids;  // id -> its problem

    // The plugin `id`: Status::not_found listing the plugins there are, or the duplicate-id
    // problem (Status::conflict) if several files claim it.
    Result<LoadedPlugin> find(std::string_view id) const {
        for (const LoadedPlugin& plugin : plugins)
            if (plugin.id() == id)
                return plugin;
        if (const auto duplicate = duplicate_ids.find(id); duplicate != duplicate_ids.end())
            return std::unexpected(duplicate->second);
        std::string names;
        for (const LoadedPlugin& plugin : plugins)
            names += (names.empty() ? "" : ", ") + plugin.id();
        return fail(Status::not_found,
                    "no plugin '" + std::string(id) + "' in " + directory.string() +
                        " (plugins there: " + (names.empty() ? std::string("none") : names) + ")");
    }
};

class PluginLoader {
  public:
    // Loads and checks one plugin library: the file, the library, its entry, the descriptor's
    // header (magic, major, size), then the rest of the descriptor.
    Result<LoadedPlugin> load(const std::filesystem::path& given) const {
        auto file = check_file(given);
        if (!file)
            return std::unexpected(file.error());
        auto library = open_library(*file);
        if (!library)
            return std::unexpected(library.error());
        auto entry = find_entry(**library, *file);
        if (!entry)
            return std::unexpected(entry.error());
        const bh_plugin_descriptor* descriptor = (*entry)();
        if (auto header = check_header(descriptor, *file); !header)
            return std::unexpected(header.error());
        auto description = detail::describe_plugin(*descriptor, *file);
        if (!description)
            return std::unexpected(description.error());
        return LoadedPlugin(std::move(*library),
                            std::make_shared<const PluginDescription>(std::move(*description)),
                            descriptor->functions);
    }

    // Loads every "*.so" in `directory`, in name order. Fails only if the directory cannot be
    // read; a file that does not load becomes one of the scan's problems.
    Result<PluginScan> scan(const std::filesystem::path& directory) const {
        PluginScan scan;
        scan.directory = directory;
        std::error_code error;
        std::vector<std::filesystem::path> files;
        std::filesystem::directory_iterator entries(directory, error);
        if (error)
            return fail(
                error == std::errc::no_such_file_or_directory ? Status::not_found : Status::failed,
                "cannot read the plugin directory " + directory.string() + ": " + error.message() +
                    " (--plugin-dir chooses another)");
        for (; entries != std::filesystem::directory_iterator(); entries.increment(error)) {
            if (error)
                return fail(Status::failed, "cannot read the plugin directory " +
                                                directory.string() + ": " + error.message());
            if (entries->path().extension() == ".so")
                files.push_back(entries->path());
        }
        std::sort(files.begin(), files.end());

        std::map<std::string, std::vector<LoadedPlugin>> by_id;
        for (const std::filesystem::path& file : files) {
            auto plugin = load(file);
            if (!plugin)
                scan.problems.push_back(plugin.error());
            else
                by_id[plugin->id()].push_back(std::move(*plugin));
        }
        for (auto& [id, plugins] : by_id) {
            if (plugins.size() == 1) {
                scan.plugins.push_back(std::move(plugins.front()));
                continue;
            }
            std::string names;
            for (std::size_t i = 0; i < plugins.size(); ++i)
                names += (i == 0                    ? ""
                          : i + 1 == plugins.size() ? " and "
                                                    : ", ") +
                         plugins[i].description().file.string();
            Failure duplicate{Status::conflict,
                              "plugins " + names + " have the same id '" + id +
                                  "'; none of them is used: keep one of them in " +
                                  directory.string()};
            scan.problems.push_back(duplicate);
            scan.duplicate_ids.emplace(id, std::move(duplicate));
        }
        return scan;
    }

    // Where plugins are by default: ../lib/backup-host/plugins beside this executable
    // (/proc/self/exe), so that a build tree and an installed tree work alike.
    static Result<std::filesystem::path> default_directory() {
        std::error_code error;
        const auto executable = std::filesystem::read_symlink("/proc/self/exe", error);
        if (error)
            return fail(Status::failed,
                        "cannot find where this program is (/proc/self/exe): " + error.message() +
                            "; give the plugin directory with --plugin-dir");
        return directory_beside(executable);
    }

    // ../lib/backup-host/plugins relative to the directory of `executable`, normalized.
    static std::filesystem::path directory_beside(const std::filesystem::path& executable) {
        return (executable.parent_path() / ".." / "lib" / "backup-host" / "plugins")
            .lexically_normal();
    }

  private:
    // The absolute path of an existing regular file that begins like an ELF library.
    static Result<std::filesystem::path> check_file(const std::filesystem::path& given) {
        std::error_code error;
        const std::filesystem::path file = std::filesystem::absolute(given, error);
        if (error)
            return fail(Status::failed,
                        "cannot use plugin path " + given.string() + ": " + error.message());
        const auto status = std::filesystem::status(file, error);
        if (!std::filesystem::exists(status))
            return fail(Status::not_found, "plugin file " + file.string() + " does not exist");
        if (!std::filesystem::is_regular_file(status))
            return fail(Status::failed, "plugin file " + file.string() + " is not a regular file");
        if (auto elf = check_elf_header(file); !elf)
            return std::unexpected(elf.error());
        return file;
    }

    // dlopen with RTLD_NOW | RTLD_LOCAL; a refusal says why in the dynamic loader's words.
    static Result<std::shared_ptr<boost::dll::shared_library>> open_library(
        const std::filesystem::path& file) {
        auto library = std::make_shared<boost::dll::shared_library>();
        try {
            boost::dll::fs::error_code load_error;
            library->load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local,
                          load_error);
            if (load_error || !library->is_loaded())
                return fail(Status::failed,
                            "cannot load plugin " + file.string() + ": " + dlopen_diagnostic(file));
        } catch (const std::exception& exception) {
            return fail(Status::failed,
                        "cannot load plugin " + file.string() + ": " + exception.what());
        }
        return library;
    }

    // The one entry, exported with BOOST_DLL_ALIAS (a pointer to a function of the library).
    static Result<bh_plugin_entry_fn> find_entry(boost::dll::shared_library& library,
                                                 const std::filesystem::path& file) {
        if (!library.has(BH_PLUGIN_ENTRY_NAME))
            return fail(Status::failed, file.string() +
                                            " is not a backup-host plugin: it exports no '" +
                                            BH_PLUGIN_ENTRY_NAME +
                                            "' entry (a plugin exports it with "
                                            "BACKUP_HOST_PLUGIN)");
        bh_plugin_entry_fn entry = nullptr;
        const void* alias = nullptr;
        try {
            alias = &library.get<const void*>(BH_PLUGIN_ENTRY_NAME);
            entry = &library.get_alias<const bh_plugin_descriptor*()>(BH_PLUGIN_ENTRY_NAME);
        } catch (const std::exception& exception) {
            return fail(Status::failed, "cannot read the entry of plugin " + file.string() + ": " +
                                            exception.what());
        }
        if (!points_into_same_library(alias, entry))
            return fail(Status::failed,
                        file.string() + ": its '" + BH_PLUGIN_ENTRY_NAME +
                            "' symbol is not a pointer to a function of the library; export "
                            "the entry with BACKUP_HOST_PLUGIN or BOOST_DLL_ALIAS, not as a "
                            "function of that name");
        return entry;
    }

    // Magic, the header's size and id, the ABI major (equal), the size ABI x.0 defines: what
    // must hold before anything else of the descriptor is read.
    static Result<void> check_header(const bh_plugin_descriptor* descriptor,
                                     const std::filesystem::path& file) {
        if (descriptor == nullptr)
            return fail(Status::failed, "plugin " + file.string() +
                                            ": its entry returned no "
                                            "descriptor");
        if (descriptor->magic != BH_PLUGIN_MAGIC)
            return fail(Status::failed, file.string() +
                                            " is not a backup-host plugin: its descriptor has "
                                            "magic " +
                                            hex(descriptor->magic) + ", expected " +
                                            hex(BH_PLUGIN_MAGIC));
        if (descriptor->struct_size < BH_DESCRIPTOR_HEADER_SIZE || descriptor->id == nullptr)
            return fail(Status::failed,
                        "plugin " + file.string() + " is broken: its descriptor is " +
                            std::to_string(descriptor->struct_size) + " bytes, smaller than the " +
                            std::to_string(BH_DESCRIPTOR_HEADER_SIZE) +
                            "-byte header of every ABI, or has no id");
        const std::string named =
            "plugin '" + std::string(descriptor->id) + "' (" + file.string() + ")";
        if (descriptor->abi_major != BH_ABI_MAJOR)
            return fail(Status::unsupported,
                        named + " was built for ABI " +
                            version(descriptor->abi_major, descriptor->abi_minor) +
                            ", this host speaks " + version(BH_ABI_MAJOR, BH_ABI_MINOR) +
                            "; use a build of the plugin for this host's SDK");
        if (descriptor->struct_size < BH_DESCRIPTOR_SIZE_1_0)
            return fail(Status::failed,
                        named + " declares ABI " +
                            version(descriptor->abi_major, descriptor->abi_minor) +
                            " but its descriptor is " + std::to_string(descriptor->struct_size) +
                            " bytes; ABI " + version(BH_ABI_MAJOR, 0) + " needs at least " +
                            std::to_string(BH_DESCRIPTOR_SIZE_1_0) +
                            "; rebuild it against this host's SDK");
        return {};
    }

    static std::string hex(std::uint32_t value) {
        char text[16];
        std::snprintf(text, sizeof text, "0x%08x", static_cast<unsigned>(value));
        return text;
    }

    static std::string version(unsigned major, unsigned minor) {
        return std::to_string(major) + "." + std::to_string(minor);
    }

    // A shared library on Linux is an ELF file; anything else is refused before dlopen sees it.
    static Result<void> check_elf_header(const std::filesystem::path& file) {
        std::ifstream in(file, std::ios::binary);
        if (!in)
            return fail(Status::failed, "cannot read plugin file " + file.string());
        char magic[4] = {};
        in.read(magic, sizeof magic);
        if (in.gcount() != sizeof magic || magic[0] != 0x7f || magic[1] != 'E' || magic[2] != 'L' ||
            magic[3] != 'F')
            return fail(Status::failed, "cannot load plugin " + file.string() +
                                            ": not a shared library (no ELF header)");
        return {};
    }

    // Boost.DLL reports a failed dlopen as a bare error code; dlopen's own text says why
    // (wrong architecture, a missing dependency, an unresolved symbol). Asking again is safe:
    // a dlopen that fails runs none of the library's code.
    static std::string dlopen_diagnostic(const std::filesystem::path& file) {
        ::dlerror();
        void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle != nullptr) {
            ::dlclose(handle);
            return "the dynamic loader refused it";
        }
        const char* message = ::dlerror();
        return message != nullptr ? message : "the dynamic loader refused it";
    }

    // True when the entry the alias points to lies in the same object as the alias itself: a
    // symbol of the entry's name that is not a pointer would send the call into garbage.
    static bool points_into_same_library(const void* alias, bh_plugin_entry_fn entry) {
        Dl_info alias_info{};
        Dl_info entry_info{};
        if (::dladdr(alias, &alias_info) == 0 ||
            ::dladdr(reinterpret_cast<const void*>(entry), &entry_info) == 0)
            return false;
        return alias_info.dli_fbase == entry_info.dli_fbase;
    }
};

}  // namespace backup_host
