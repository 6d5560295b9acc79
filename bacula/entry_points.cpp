// SPDX-License-Identifier: AGPL-3.0-only (see bacula/LICENSE)
//
// backup-host-fd.so: the entry points the Bacula file daemon calls (bacula_fd_abi.h). Each
// checks what it is given and hands over to the job's BaculaJob; nothing escapes as an
// exception (rule 2).
#include <cstdio>
#include <exception>
#include <memory>
#include <new>

#include "bacula_fd_abi.h"
#include "bacula_job.hpp"

namespace certbackup::bacula {
namespace {

const bFuncs* g_functions = nullptr;

bRC new_plugin(bpContext* ctx);
bRC free_plugin(bpContext* ctx);
bRC get_plugin_value(bpContext*, int, void*) {
    return bRC_OK;
}
bRC set_plugin_value(bpContext*, int, void*) {
    return bRC_OK;
}
bRC handle_plugin_event(bpContext* ctx, bEvent* event, void* value);
bRC start_backup_file(bpContext* ctx, save_pkt* packet);
bRC end_backup_file(bpContext* ctx);
bRC start_restore_file(bpContext* ctx, const char* command);
bRC end_restore_file(bpContext* ctx);
bRC plugin_io(bpContext* ctx, io_pkt* packet);
bRC create_file(bpContext* ctx, restore_pkt* packet);
bRC set_file_attributes(bpContext*, restore_pkt*) {
    return bRC_OK;  // the bridge sets its files' modes itself (0600)
}
bRC check_file(bpContext* ctx, char* fname);
bRC handle_xacl_data(bpContext*, void*) {
    return bRC_OK;
}
bRC check_stream(bpContext*, void*) {
    return bRC_OK;
}

pInfo g_info = {
    BACULA_PINFO_SIZE,
    BACULA_FD_INTERFACE_VERSION,
    BACULA_FD_PLUGIN_MAGIC,
    BACULA_FD_PLUGIN_LICENSE,
    "certbackup",
    "2026-11-30",
    "0.1.0",
    "backup-host bridge: runs backup-host plugins (certificates, files...) in Bacula jobs",
};

pFuncs g_functions_table = {
    BACULA_PFUNCS_SIZE,  BACULA_FD_INTERFACE_VERSION,
    new_plugin,          free_plugin,
    get_plugin_value,    set_plugin_value,
    handle_plugin_event, start_backup_file,
    end_backup_file,     start_restore_file,
    end_restore_file,    plugin_io,
    create_file,         set_file_attributes,
    check_file,          handle_xacl_data,
    check_stream,
};

BaculaJob* job_of(bpContext* ctx) {
    return ctx != nullptr ? static_cast<BaculaJob*>(ctx->pContext) : nullptr;
}

// Runs `call` on the job of `ctx` on its thread; an exception becomes a fatal job message.
template <typename Call>
bRC on_job(bpContext* ctx, Call&& call) noexcept {
    BaculaJob* job = job_of(ctx);
    if (job == nullptr)
        return bRC_Error;
    try {
        job->enter();
        return call(*job);
    } catch (const std::exception& error) {
        try {
            return job->fatal(std::string("internal error: ") + error.what());
        } catch (...) {
            return bRC_Error;
        }
    } catch (...) {
        return bRC_Error;
    }
}

bRC new_plugin(bpContext* ctx) {
    if (ctx == nullptr || g_functions == nullptr)
        return bRC_Error;
    auto* job = new (std::nothrow) BaculaJob(ctx, g_functions);
    if (job == nullptr)
        return bRC_Error;
    ctx->pContext = job;
    g_functions->registerBaculaEvents(ctx, bEventJobEnd, bEventEndRestoreJob, bEventBackupCommand,
                                      bEventRestoreCommand, bEventEstimateCommand,
                                      bEventCancelCommand, 0);
    return bRC_OK;
}

bRC free_plugin(bpContext* ctx) {
    delete job_of(ctx);
    if (ctx != nullptr)
        ctx->pContext = nullptr;
    return bRC_OK;
}

bRC handle_plugin_event(bpContext* ctx, bEvent* event, void* value) {
    if (event == nullptr)
        return bRC_Error;
    if (event->eventType == bEventCancelCommand) {
        // From the director's cancel thread (rule 5): only the flag.
        if (BaculaJob* job = job_of(ctx))
            job->request_cancel();
        return bRC_OK;
    }
    return on_job(ctx, [&](BaculaJob& job) { return job.handle_event(*event, value); });
}

bRC start_backup_file(bpContext* ctx, save_pkt* packet) {
    if (packet == nullptr)
        return bRC_Error;
    return on_job(ctx, [&](BaculaJob& job) { return job.start_backup_file(*packet); });
}

bRC end_backup_file(bpContext* ctx) {
    return on_job(ctx, [](BaculaJob& job) { return job.end_backup_file(); });
}

bRC start_restore_file(bpContext* ctx, const char* command) {
    return on_job(ctx, [&](BaculaJob& job) { return job.start_restore_file(command); });
}

bRC end_restore_file(bpContext* ctx) {
    return on_job(ctx, [](BaculaJob& job) { return job.end_restore_file(); });
}

bRC plugin_io(bpContext* ctx, io_pkt* packet) {
    if (packet == nullptr)
        return bRC_Error;
    return on_job(ctx, [&](BaculaJob& job) { return job.plugin_io(*packet); });
}

bRC create_file(bpContext* ctx, restore_pkt* packet) {
    if (packet == nullptr)
        return bRC_Error;
    return on_job(ctx, [&](BaculaJob& job) { return job.create_file(*packet); });
}

bRC check_file(bpContext* ctx, char* fname) {
    // Accurate mode: the bridge's virtual files are seen, never "deleted".
    return on_job(ctx, [&](BaculaJob& job) { return job.owns_path(fname) ? bRC_Seen : bRC_OK; });
}

// Why the daemon is refused, on the daemon's standard error (there is no job to tell yet).
bRC refuse(const char* why, unsigned got, unsigned expected) {
    std::fprintf(stderr,
                 "backup-host-fd: refusing to load: %s is %u, this bridge is built for %u "
                 "(Bacula 9.6, interface %u)\n",
                 why, got, expected, BACULA_FD_INTERFACE_VERSION);
    return bRC_Error;
}

}  // namespace
}  // namespace certbackup::bacula

extern "C" __attribute__((visibility("default"))) bRC loadPlugin(bInfo* info, bFuncs* functions,
                                                                 pInfo** plugin_info,
                                                                 pFuncs** plugin_functions) {
    using namespace certbackup::bacula;
    if (info == nullptr || functions == nullptr || plugin_info == nullptr ||
        plugin_functions == nullptr)
        return bRC_Error;
    if (info->version != BACULA_FD_INTERFACE_VERSION)
        return refuse("the daemon's plugin interface version", info->version,
                      BACULA_FD_INTERFACE_VERSION);
    if (info->size != sizeof(bInfo))
        return refuse("the daemon's bInfo size", info->size, sizeof(bInfo));
    if (functions->size != BACULA_BFUNCS_SIZE)
        return refuse("the daemon's bFuncs size", functions->size, BACULA_BFUNCS_SIZE);
    if (functions->version != BACULA_FD_INTERFACE_VERSION)
        return refuse("the daemon's bFuncs version", functions->version,
                      BACULA_FD_INTERFACE_VERSION);
    g_functions = functions;
    *plugin_info = &g_info;
    *plugin_functions = &g_functions_table;
    return bRC_OK;
}

extern "C" __attribute__((visibility("default"))) bRC unloadPlugin(void) {
    return bRC_OK;
}
