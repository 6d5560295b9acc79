/*
 * bacula/bacula_fd_abi.h: the file-daemon plugin interface of Bacula 9.6 (interface version
 * 14, amd64), declared from its documented behaviour for the backup-host bridge.
 *
 * SPDX-License-Identifier: AGPL-3.0-only
 * Copyright (C) 2026 the certbackup authors. See bacula/LICENSE.
 *
 * These declarations are written for this project from the observed layout of the structures
 * the Bacula 9.6 file daemon passes (sizes below); no Bacula header is copied or needed.
 *
 * Rules of the boundary
 *
 *  1. Only the layouts checked here. Every structure the daemon hands in carries its size
 *     (bInfo.size, bFuncs.size, save_pkt/restore_pkt/io_pkt.pkt_size). The bridge compares
 *     them with the sizes below before it reads a field: loadPlugin refuses a daemon whose
 *     bInfo, bFuncs or interface version differ, and a packet of another size fails the call
 *     that carries it (bRC_Error with a job message naming both sizes). Nothing is guessed.
 *  2. C calls, no exceptions. Every function behind a pointer is called as C. The bridge's
 *     implementations are noexcept and catch everything at the boundary; an escaped failure
 *     becomes bRC_Error and a fatal job message.
 *  3. Ownership. Strings the daemon passes are borrowed for the call. A `fname` the bridge
 *     puts into a save_pkt stays valid until the next startBackupFile or the end of the job
 *     (the daemon keeps the pointer). The bridge frees nothing the daemon allocated.
 *  4. Instances. newPlugin is called once per job (and for `status client`, with JobId 0);
 *     ctx->pContext is the bridge's per-job state, created there and deleted by freePlugin.
 *  5. Threads. All calls for one job come from that job's thread, except handlePluginEvent
 *     with bEventCancelCommand, which the daemon sends from the thread of the director's
 *     `cancel` command; the bridge only sets an atomic flag there.
 *  6. Failures. A failed job reports M_FATAL (the job ends with status f) and the call
 *     returns bRC_Error; M_ERROR would only make the job "OK -- with warnings".
 *  7. License. The daemon refuses plugins whose declared license is not AGPLv3 (or "Bacula");
 *     this bridge declares AGPLv3 and is licensed so (bacula/LICENSE). The rest of the
 *     project is Apache-2.0 (LICENSE at the top), which AGPLv3 can include.
 */
#ifndef CERTBACKUP_BACULA_FD_ABI_H
#define CERTBACKUP_BACULA_FD_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- versions and sizes ----------------------------------------------------------------- */

#define BACULA_FD_INTERFACE_VERSION 14u
#define BACULA_FD_PLUGIN_MAGIC "*FDPluginData*"
#define BACULA_FD_PLUGIN_LICENSE "AGPLv3"

/* What the Bacula 9.6 daemon passes on amd64. */
#define BACULA_BFUNCS_SIZE 144u
#define BACULA_PINFO_SIZE 56u
#define BACULA_PFUNCS_SIZE 128u
#define BACULA_SAVE_PKT_SIZE 240u
#define BACULA_RESTORE_PKT_SIZE 232u
#define BACULA_IO_PKT_SIZE 72u

/* ---- return codes, events, constants ---------------------------------------------------- */

typedef enum {
    bRC_OK = 0,
    bRC_Stop = 1,
    bRC_Error = 2,
    bRC_More = 3,
    bRC_Term = 4,
    bRC_Seen = 5,
    bRC_Core = 6,
    bRC_Skip = 7,
    bRC_Cancel = 8
} bRC;

enum bacula_event_type {
    bEventJobStart = 1,
    bEventJobEnd = 2,
    bEventStartBackupJob = 3,
    bEventEndBackupJob = 4,
    bEventStartRestoreJob = 5,
    bEventEndRestoreJob = 6,
    bEventStartVerifyJob = 7,
    bEventEndVerifyJob = 8,
    bEventBackupCommand = 9,   /* value: the FileSet's plugin string, "NAME:..." */
    bEventRestoreCommand = 10, /* value: the plugin string saved with the backup */
    bEventEstimateCommand = 11,
    bEventLevel = 12,
    bEventSince = 13,
    bEventCancelCommand = 14, /* from another thread (rule 5) */
    bEventRestoreObject = 18,
    bEventEndFileSet = 19,
    bEventPluginCommand = 20,
    bEventHandleBackupFile = 24,
    bEventFeatures = 26
};

/* getBaculaValue variables the bridge reads. */
enum bacula_variable {
    bVarJobId = 1 /* int* */
};

/* JobMessage types. */
enum bacula_message_type { M_FATAL = 3, M_ERROR = 4, M_WARNING = 5, M_INFO = 6 };

/* io_pkt.func */
enum bacula_io_function { IO_OPEN = 1, IO_READ = 2, IO_WRITE = 3, IO_CLOSE = 4, IO_SEEK = 5 };

/* save_pkt.type of a regular file. */
#define FT_REG 3

/* restore_pkt.create_status */
enum bacula_create_status {
    CF_SKIP = 1,
    CF_ERROR = 2,
    CF_EXTRACT = 3,
    CF_CREATED = 4,
    CF_CORE = 5
};

/* ---- structures ------------------------------------------------------------------------- */

typedef struct {
    void* bContext; /* the daemon's */
    void* pContext; /* the plugin's per-job state (rule 4) */
} bpContext;

typedef struct {
    uint32_t eventType;
} bEvent;

typedef struct {
    uint32_t size;
    uint32_t version;
} bInfo;

struct save_pkt {
    int32_t pkt_size;
    char* fname; /* rule 3 */
    char* link;
    struct stat statp;
    int32_t type; /* FT_REG */
    uint64_t flags;
    bool no_read;
    bool portable;
    bool accurate_found;
    char* cmd;
    uint32_t delta_seq;
    char* object_name;
    char* object;
    int32_t object_len;
    int32_t index;
    int32_t LinkFI;
    int32_t pkt_end;
};

struct restore_pkt {
    int32_t pkt_size;
    int32_t stream;
    int32_t data_stream;
    int32_t type;
    int32_t file_index;
    int32_t LinkFI;
    uid_t uid;
    struct stat statp;
    const char* attrEx;
    const char* ofname; /* where + the path saved at backup */
    const char* olname;
    const char* where; /* the restore job's where= ("" or "/" for the original places) */
    const char* RegexWhere;
    int replace;
    int create_status; /* set by createFile */
    uint32_t delta_seq;
    int32_t pkt_end;
};

struct io_pkt {
    int32_t pkt_size;
    int32_t func; /* IO_* */
    int32_t count;
    int32_t flags;
    mode_t mode;
    char* buf;
    const char* fname;
    int32_t status; /* bytes, or -1 on error */
    int32_t io_errno;
    int32_t lerror;
    int32_t whence;
    int64_t offset;
    bool win32;
    int32_t pkt_end;
};

/* What the daemon offers the plugin. */
typedef struct {
    uint32_t size;
    uint32_t version;
    bRC (*registerBaculaEvents)(bpContext* ctx, ...);
    bRC (*getBaculaValue)(bpContext* ctx, int var, void* value);
    bRC (*setBaculaValue)(bpContext* ctx, int var, void* value);
    bRC (*JobMessage)(bpContext* ctx, const char* file, int line, int type, int64_t mtime,
                      const char* fmt, ...);
    bRC (*DebugMessage)(bpContext* ctx, const char* file, int line, int level, const char* fmt,
                        ...);
    void* (*baculaMalloc)(bpContext* ctx, const char* file, int line, size_t size);
    void (*baculaFree)(bpContext* ctx, const char* file, int line, void* mem);
    bRC (*AddExclude)(bpContext* ctx, const char* file);
    bRC (*AddInclude)(bpContext* ctx, const char* file);
    bRC (*AddOptions)(bpContext* ctx, const char* opts);
    bRC (*AddRegex)(bpContext* ctx, const char* item, int type);
    bRC (*AddWild)(bpContext* ctx, const char* item, int type);
    bRC (*NewOptions)(bpContext* ctx);
    bRC (*NewInclude)(bpContext* ctx);
    bRC (*NewPreInclude)(bpContext* ctx);
    bRC (*checkChanges)(bpContext* ctx, struct save_pkt* sp);
    bRC (*AcceptFile)(bpContext* ctx, struct save_pkt* sp);
} bFuncs;

/* What the plugin declares. */
typedef struct {
    uint32_t size;
    uint32_t version;
    const char* plugin_magic;
    const char* plugin_license;
    const char* plugin_author;
    const char* plugin_date;
    const char* plugin_version;
    const char* plugin_description;
} pInfo;

/* What the plugin offers the daemon. */
typedef struct {
    uint32_t size;
    uint32_t version;
    bRC (*newPlugin)(bpContext* ctx);
    bRC (*freePlugin)(bpContext* ctx);
    bRC (*getPluginValue)(bpContext* ctx, int var, void* value);
    bRC (*setPluginValue)(bpContext* ctx, int var, void* value);
    bRC (*handlePluginEvent)(bpContext* ctx, bEvent* event, void* value);
    bRC (*startBackupFile)(bpContext* ctx, struct save_pkt* sp);
    bRC (*endBackupFile)(bpContext* ctx);
    bRC (*startRestoreFile)(bpContext* ctx, const char* cmd);
    bRC (*endRestoreFile)(bpContext* ctx);
    bRC (*pluginIO)(bpContext* ctx, struct io_pkt* io);
    bRC (*createFile)(bpContext* ctx, struct restore_pkt* rp);
    bRC (*setFileAttributes)(bpContext* ctx, struct restore_pkt* rp);
    bRC (*checkFile)(bpContext* ctx, char* fname);
    bRC (*handleXACLdata)(bpContext* ctx, void* xacl);
    bRC (*checkStream)(bpContext* ctx, void* stream);
} pFuncs;

/* The two entry points the daemon looks up. */
bRC loadPlugin(bInfo* info, bFuncs* functions, pInfo** plugin_info, pFuncs** plugin_functions);
bRC unloadPlugin(void);

#ifdef __cplusplus
} /* extern "C" */

static_assert(sizeof(struct save_pkt) == BACULA_SAVE_PKT_SIZE, "save_pkt layout");
static_assert(sizeof(struct restore_pkt) == BACULA_RESTORE_PKT_SIZE, "restore_pkt layout");
static_assert(sizeof(struct io_pkt) == BACULA_IO_PKT_SIZE, "io_pkt layout");
static_assert(sizeof(bFuncs) == BACULA_BFUNCS_SIZE, "bFuncs layout");
static_assert(sizeof(pInfo) == BACULA_PINFO_SIZE, "pInfo layout");
static_assert(sizeof(pFuncs) == BACULA_PFUNCS_SIZE, "pFuncs layout");
#endif

#endif /* CERTBACKUP_BACULA_FD_ABI_H */
