// backup_host/plugin.hpp: everything a C++ plugin includes (header-only, C++23).
//
//     #include <backup_host/plugin.hpp>
//
//     class MyPlugin final : public backup_host::Plugin { ... };   // see plugin/plugin_base.hpp
//     constexpr backup_host::PluginInfo kMyPluginInfo{ .id = "mine", ... };
//     BACKUP_HOST_PLUGIN(MyPlugin, kMyPluginInfo)
//
// Build the plugin as a shared library (CMake: MODULE) with hidden visibility; the macro
// exports the one entry the host looks for. samples/files-plugin is the worked example and
// host-sdk/README.md the guide.
#pragma once

#ifndef BOOST_DLL_USE_STD_FS
#define BOOST_DLL_USE_STD_FS  // std::filesystem in Boost.DLL: no boost_filesystem to link
#endif
#include <boost/dll/alias.hpp>

#include "backup_host/plugin/exports.hpp"
#include "backup_host/plugin/host.hpp"
#include "backup_host/plugin/plugin_base.hpp"
#include "backup_host/plugin_abi.h"
#include "backup_host/status.hpp"
#include "backup_host/types.hpp"

// Exports plugin class `PluginClass` described by `plugin_info` (a constexpr PluginInfo):
// defines its constant descriptor and the entry BH_PLUGIN_ENTRY_NAME that returns it. Use it
// exactly once per plugin library, at namespace scope.
#define BACKUP_HOST_PLUGIN(PluginClass, plugin_info)                      \
    namespace backup_host_plugin_export {                                 \
    constinit const bh_plugin_descriptor descriptor =                     \
        ::backup_host::detail::make_descriptor<PluginClass>(plugin_info); \
    const bh_plugin_descriptor* entry() noexcept {                        \
        return &descriptor;                                               \
    }                                                                     \
    BOOST_DLL_ALIAS(backup_host_plugin_export::entry, BH_PLUGIN_ENTRY)    \
    }
