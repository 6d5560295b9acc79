// backup_host/host.hpp: everything a host includes to load and drive plugins (header-only,
// C++23, Boost.DLL with std::filesystem).
//
//     backup_host::PluginLoader loader;
//     auto scan = loader.scan(*backup_host::PluginLoader::default_directory());
//     auto plugin = scan->find("files");
//     auto options = backup_host::validate_options(plugin->description(),
//                                                  backup_host::JobKind::backup, given);
//     auto instance = plugin->create(*options, services);        // services: JobServices
//     instance.value()->begin_job(backup_host::JobKind::backup);
//     auto done = instance.value()->backup();
//     instance.value()->end_job(done ? Status::ok : done.error().status);
//
// Link with the BackupHostSDK::sdk target (Boost headers, libdl). See host-sdk/README.md.
#pragma once

#ifndef BOOST_DLL_USE_STD_FS
#define BOOST_DLL_USE_STD_FS  // std::filesystem in Boost.DLL: no boost_filesystem to link
#endif

#include "backup_host/host/job_services.hpp"
#include "backup_host/host/loader.hpp"
#include "backup_host/host/option_validation.hpp"
#include "backup_host/host/plugin_description.hpp"
#include "backup_host/host/plugin_instance.hpp"
#include "backup_host/plugin_abi.h"
#include "backup_host/status.hpp"
#include "backup_host/types.hpp"
