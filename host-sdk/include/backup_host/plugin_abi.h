/*
 * backup_host/plugin_abi.h: the C ABI between a backup host and its plugins, ABI 1.1.
 *
 * Pure C (C99 and C++). Plugin authors in C++ use backup_host/plugin.hpp, hosts use
 * backup_host/host.hpp; both are thin wrappers over this header.
 *
 * Rules of the boundary (after Botan's FFI header, botan/ffi.h)
 *
 *  1. Opaque handles. A plugin instance is a `bh_instance*` that the host never looks into;
 *     an open item is a `bh_item_reader*` that the plugin never looks into.
 *  2. Status codes. Every function that can fail returns an `int` status (BH_OK is 0, the
 *     others are listed below). A callee that returns anything but BH_OK leaves a message for
 *     people saying what failed, on what, and what to do:
 *       - the plugin calls `host->set_error(context, message)` before it returns the status;
 *       - the host keeps the message of its last failed service call, which the plugin reads
 *         with `host->last_error(context)`.
 *     An unknown status value (from a newer peer) is treated as BH_FAILED.
 *  3. No ownership crosses the boundary. Memory is freed by the side that allocated it:
 *     instances by the plugin's `destroy`, readers by the host's `close_item`.
 *  4. Strings are UTF-8 and NUL-terminated. A string or array passed in a call is borrowed for
 *     the duration of that call only, unless its declaration states a longer lifetime; the
 *     callee copies what it keeps. Byte buffers are (pointer, size) pairs.
 *  5. Nothing else crosses: no exception, no C++ standard-library type, no allocator. Every
 *     function behind a pointer in this header is called as a C function; a C++ implementation
 *     is `noexcept` and catches everything at the boundary.
 *  6. Versioning. A plugin exports exactly one entry, under the fixed name
 *     BH_PLUGIN_ENTRY_NAME, that returns a pointer to its `bh_plugin_descriptor`. The
 *     descriptor's header (magic, abi_major, abi_minor, struct_size, id) keeps its layout in
 *     every ABI major, so that a host can name a plugin of another major in its refusal. The
 *     host checks magic, then ABI major (equal), then struct_size (at least the size that ABI
 *     major's first minor defines) before it calls anything else.
 *     Within a major, a minor version only appends fields at the end of a struct that begins
 *     with `struct_size` (the descriptor, the function tables, and the small argument
 *     structs). A reader checks `struct_size` before it touches a field that a later minor
 *     added (BH_SIZE_THROUGH below). Arrays of fixed-layout records (bh_option_spec,
 *     bh_action_spec, bh_option_value) never change within a major; new per-entry data goes
 *     into new arrays reached from fields appended to the descriptor.
 *     Version query: the descriptor carries the plugin's ABI version, `bh_host_services`
 *     carries the host's.
 *  7. Lifecycle. One instance per job:
 *       create(host, options) -> begin_job(kind) -> the work function of that kind (backup,
 *       restore, verify, estimate or action) -> end_job(outcome) -> destroy.
 *     Once begin_job returned BH_OK, end_job is always called, also after a failed or
 *     cancelled work function; destroy is always called for an instance that create made.
 *     A job kind the descriptor does not list in `jobs` is never begun.
 *  8. Threads.
 *       - The entry and the descriptor may be used from any thread; the descriptor and all it
 *         points to are immutable and live as long as the library is loaded.
 *       - The host makes all calls for one instance, create to destroy, from one thread (the
 *         job thread), never two at once.
 *       - Several instances, of one plugin or of several, may exist and run at once on
 *         different threads: a plugin guards any global mutable state it has.
 *       - The host services of an instance may be called only from inside a host->plugin
 *         call on that instance, on the job thread; except `log` and `is_cancelled`, which
 *         are thread-safe and may be called from any thread until destroy returns.
 *  9. Cancellation. The host sets a flag from another thread (a signal-handling thread, for
 *     instance); the plugin polls `is_cancelled` between units of work, stops, and returns
 *     BH_CANCELLED. Once the flag is set, item services fail with BH_CANCELLED as well, so a
 *     plugin that forgets to poll still stops at its next item call.
 * 10. Secrets. The job's password reaches the plugin only through `get_secret`, never as an
 *     option string; the plugin never logs it and wipes its own copies.
 */
#ifndef BACKUP_HOST_PLUGIN_ABI_H
#define BACKUP_HOST_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- versions and names ------------------------------------------------------------------- */

#define BH_ABI_MAJOR 1
#define BH_ABI_MINOR 1

/* "BHPG" read as a big-endian number. The same in every ABI major. */
#define BH_PLUGIN_MAGIC 0x42485047u

/* The one exported entry of a plugin: BOOST_DLL_ALIAS(entry_function, backup_host_plugin). */
#define BH_PLUGIN_ENTRY backup_host_plugin
#define BH_PLUGIN_ENTRY_NAME "backup_host_plugin"

/* Bytes from the start of `type` through its member `field`: a struct whose struct_size is at
   least this has the field. */
#define BH_SIZE_THROUGH(type, field) (offsetof(type, field) + sizeof(((type*)0)->field))

/* ---- status codes --------------------------------------------------------------------------- */

enum bh_status {
    BH_OK = 0,
    BH_FAILED = 1,         /* the job or action failed; the message says why        (exit 1)  */
    BH_BAD_USAGE = 2,      /* bad arguments, options or configuration               (exit 2)  */
    BH_WRONG_PASSWORD = 3, /* wrong password or failed authentication               (exit 3)  */
    BH_CORRUPT = 4,        /* corrupt or tampered data                              (exit 4)  */
    BH_NOT_FOUND = 5,      /* a named thing (file, item, certificate) does not exist (exit 1) */
    BH_CONFLICT = 6,       /* the request conflicts with existing state             (exit 1)  */
    BH_UNSUPPORTED = 7,    /* a version, format or feature this side does not support (exit 1) */
    BH_CANCELLED = 8       /* the cancellation flag was set and the work stopped    (exit 130) */
};

/* The backup-host exit code (CLI.md) for a status: 0, 1, 2, 3, 4 or 130. */
static inline int bh_status_exit_code(int status) {
    switch (status) {
        case BH_OK:
            return 0;
        case BH_BAD_USAGE:
            return 2;
        case BH_WRONG_PASSWORD:
            return 3;
        case BH_CORRUPT:
            return 4;
        case BH_CANCELLED:
            return 130;
        default:
            return 1;
    }
}

/* Stable lower-case name of a status ("wrong_password"), for logs and JSON. Never NULL. */
static inline const char* bh_status_name(int status) {
    switch (status) {
        case BH_OK:
            return "ok";
        case BH_FAILED:
            return "failed";
        case BH_BAD_USAGE:
            return "bad_usage";
        case BH_WRONG_PASSWORD:
            return "wrong_password";
        case BH_CORRUPT:
            return "corrupt";
        case BH_NOT_FOUND:
            return "not_found";
        case BH_CONFLICT:
            return "conflict";
        case BH_UNSUPPORTED:
            return "unsupported";
        case BH_CANCELLED:
            return "cancelled";
        default:
            return "unknown";
    }
}

/* ---- enumerations ---------------------------------------------------------------------------- */

/* Job kinds. A mask of kinds has bit BH_JOB_BIT(kind) set for each kind. */
enum bh_job_kind {
    BH_JOB_BACKUP = 1,
    BH_JOB_RESTORE = 2,
    BH_JOB_VERIFY = 3,
    BH_JOB_ESTIMATE = 4,
    BH_JOB_ACTION = 5
};
#define BH_JOB_BIT(kind) (1u << (kind))
#define BH_JOBS_BACKUP BH_JOB_BIT(BH_JOB_BACKUP)
#define BH_JOBS_RESTORE BH_JOB_BIT(BH_JOB_RESTORE)
#define BH_JOBS_VERIFY BH_JOB_BIT(BH_JOB_VERIFY)
#define BH_JOBS_ESTIMATE BH_JOB_BIT(BH_JOB_ESTIMATE)
#define BH_JOBS_ACTION BH_JOB_BIT(BH_JOB_ACTION)
#define BH_JOBS_ALL \
    (BH_JOBS_BACKUP | BH_JOBS_RESTORE | BH_JOBS_VERIFY | BH_JOBS_ESTIMATE | BH_JOBS_ACTION)

/* Option value types. The host parses and checks values against the declared type. */
enum bh_option_type {
    BH_OPTION_STRING = 1, /* any text; restricted to `choices` when those are given */
    BH_OPTION_BOOL = 2,   /* true/false, yes/no, on/off, 1/0 */
    BH_OPTION_INT = 3,    /* a decimal 64-bit signed integer */
    BH_OPTION_PATH = 4    /* a file-system path, made absolute by the host */
};

/* What an option means to the host beyond its value. The host builds bh_restore_options from
   the options with these roles, so plugins keep their own option names. */
enum bh_option_role {
    BH_ROLE_NONE = 0,
    BH_ROLE_RESTORE_TARGET = 1, /* a path option: where a restore writes (relocation) */
    BH_ROLE_OVERWRITE = 2,      /* a string option with choices "skip|replace" */
    BH_ROLE_SELECTION = 3       /* a string option: comma-separated list of what to restore */
};

enum bh_overwrite { BH_OVERWRITE_SKIP = 0, BH_OVERWRITE_REPLACE = 1 };

/* Log levels, numbered as spdlog's. */
enum bh_log_level {
    BH_LOG_TRACE = 0,
    BH_LOG_DEBUG = 1,
    BH_LOG_INFO = 2,
    BH_LOG_WARN = 3,
    BH_LOG_ERROR = 4
};

/* What the plugin does with the job secret; decides whether a prompt asks once or twice. */
enum bh_secret_use {
    BH_SECRET_EXISTING = 1, /* opens existing data (restore, verify, import): ask once */
    BH_SECRET_NEW = 2       /* protects new data (backup, export): ask twice and compare */
};

/* ---- opaque handles -------------------------------------------------------------------------- */

typedef struct bh_instance bh_instance;       /* a plugin instance; owned by the plugin */
typedef struct bh_item_reader bh_item_reader; /* an open item; owned by the host */

/* ---- descriptor records (fixed layout within a major) --------------------------------------- */

/* One option a plugin accepts. */
typedef struct bh_option_spec {
    const char* name;          /* [a-z0-9_]+, unique within the plugin */
    uint32_t type;             /* enum bh_option_type */
    uint32_t jobs;             /* mask of the job kinds that read it (BH_JOBS_*) */
    uint32_t role;             /* enum bh_option_role */
    const char* default_value; /* text form, checked against `type`; NULL: no default */
    const char* choices;       /* string options: NULL, or accepted values "a|b|c" */
    const char* description;   /* one line for `backup-host plugins` and --help */
} bh_option_spec;

/* One action (`backup-host PLUGIN ACTION [ARGS...]`). */
typedef struct bh_action_spec {
    const char* name;    /* [a-z0-9-]+, unique within the plugin */
    const char* summary; /* one line */
    const char* usage;   /* e.g. "list [--all] [--database DB] [--json]" */
} bh_action_spec;

/* One validated option value, given to create. */
typedef struct bh_option_value {
    const char* name;    /* as declared */
    uint32_t type;       /* as declared */
    int32_t boolean;     /* BH_OPTION_BOOL: 0 or 1 */
    int64_t integer;     /* BH_OPTION_INT */
    const char* text;    /* always set: the text form ("true", "42", an absolute path, ...) */
    uint32_t is_default; /* 1 when the host filled in the declared default */
} bh_option_value;

/* ---- argument structs (begin with struct_size; the writer sets it to its own sizeof) ------- */

/* Progress of the current job, plugin -> host. */
typedef struct bh_progress {
    uint32_t struct_size;
    uint64_t done;
    uint64_t total;      /* 0 when unknown */
    const char* unit;    /* "bytes", "items", "certificates", ...; NULL: "items" */
    const char* message; /* what is being worked on; NULL for none */
} bh_progress;

/* One stored item, host -> plugin. The plugin sets struct_size; the host fills the fields that
   fit. `name` lives until end_job returns. */
typedef struct bh_item_info {
    uint32_t struct_size;
    uint64_t size; /* bytes */
    const char* name;
} bh_item_info;

/* What a backup would store, plugin -> host. The host sets struct_size. */
typedef struct bh_estimate {
    uint32_t struct_size;
    uint64_t items;
    uint64_t bytes;
} bh_estimate;

/* Restore options, host -> plugin, built from the options with a role and the --dry-run flag. */
typedef struct bh_restore_options {
    uint32_t struct_size;
    uint32_t overwrite;           /* enum bh_overwrite; BH_OVERWRITE_SKIP unless asked */
    uint32_t dry_run;             /* 1: report what would be created, skipped, replaced;
                                     write nothing */
    const char* target;           /* where to restore; NULL: the plugin's default */
    const char* const* selection; /* what to restore, in the plugin's own terms */
    size_t selection_count;       /* 0: everything */
} bh_restore_options;

/* ---- host services (host -> plugin table) ---------------------------------------------------- */

/* Everything a plugin may ask of the host. Given to create; it and `context` stay valid until
   destroy returns. Every function takes `context` first. Item functions are available in the
   job kinds named at each; elsewhere they fail with BH_BAD_USAGE. */
typedef struct bh_host_services {
    uint32_t struct_size;
    uint16_t abi_major; /* the host's ABI version */
    uint16_t abi_minor;
    void* context;

    /* Thread-safe. Writes `message` to the host's log at `level` (enum bh_log_level). */
    void (*log)(void* context, int level, const char* message);
    /* The message for the status the current call is about to return; the last one wins. */
    void (*set_error)(void* context, const char* message);
    /* The message of the last failed host service call of this instance ("" if none); valid
       until the next host service call. Never NULL. */
    const char* (*last_error)(void* context);
    /* Thread-safe. 1 once the host asked the job to stop, else 0. */
    int (*is_cancelled)(void* context);
    /* Reports progress; the host may draw a bar, log, or ignore it. */
    void (*progress)(void* context, const bh_progress* progress);

    /* From begin_job on: the job's secret, from the host's password options or asked for at
       the terminal now (enum bh_secret_use says once or twice). *bytes stays valid until end_job
       returns; not NUL-terminated. BH_NOT_FOUND when the job has none and no terminal to ask. */
    int (*get_secret)(void* context, int use, const uint8_t** bytes, size_t* size);

    /* Backup jobs: store items. begin_item(name) starts one (a relative, '/'-separated name,
       no "..", unique in the job), write_item appends bytes, end_item completes it. One item
       at a time. */
    int (*begin_item)(void* context, const char* name);
    int (*write_item)(void* context, const void* bytes, size_t size);
    int (*end_item)(void* context);

    /* Restore and verify jobs: read items. The host checks every item's size and digest as it
       is read; read_item fails with BH_CORRUPT (naming the item) when they do not match, at
       the latest when the end is reached. Several readers may be open at once. */
    int (*item_count)(void* context, size_t* count);
    int (*item_info)(void* context, size_t index, bh_item_info* info);
    /* BH_NOT_FOUND when the set has no item of that name. */
    int (*open_item)(void* context, const char* name, bh_item_reader** reader);
    /* Reads up to `capacity` bytes; *size 0 means the end of the item. */
    int (*read_item)(void* context, bh_item_reader* reader, void* buffer, size_t capacity,
                     size_t* size);
    void (*close_item)(void* context, bh_item_reader* reader);

    /* Any job kind: text for the user on standard output (an action's listing, a dry-run's
       report). */
    int (*write_output)(void* context, const char* text, size_t size);
    /* Any job kind: the job's structured result, one JSON object (counts, what was created or
       skipped); the last call wins. The host records it and prints it where --json asks. */
    int (*set_result)(void* context, const char* json);
    /* Asks the person at the terminal a yes/no question; *answer 1 for yes. BH_UNSUPPORTED
       when standard input is not a terminal (the plugin then names its --yes flag). */
    int (*confirm)(void* context, const char* question, int* answer);
    /* 1 when standard input is a terminal. */
    int (*stdin_is_terminal)(void* context);

    /* ABI 1.1. A host of ABI 1.0 has neither field: check struct_size against
       BH_HOST_SERVICES_SIZE_1_1 first (the C++ Host::prompt does).
       Asks the person at the terminal for one line of text (not a secret: it is echoed), e.g. a
       directory. *answer is NUL-terminated, without the line end, and valid until the next
       host service call of this instance or end_job, whichever comes first; an empty line is
       an empty answer. BH_UNSUPPORTED when the host has no terminal (a daemon, Bacula, input
       from a pipe): the plugin then names the option that gives the value instead. */
    int (*prompt)(void* context, const char* question, const char** answer);
} bh_host_services;

#define BH_HOST_SERVICES_SIZE_1_0 BH_SIZE_THROUGH(bh_host_services, stdin_is_terminal)
#define BH_HOST_SERVICES_SIZE_1_1 BH_SIZE_THROUGH(bh_host_services, prompt)

/* ---- plugin functions (plugin -> host table) ------------------------------------------------- */

/* The functions of a plugin. Each is noexcept, returns a status, and calls host->set_error
   before returning anything but BH_OK. Work functions of job kinds the plugin does not list
   may be NULL. */
typedef struct bh_plugin_functions {
    uint32_t struct_size;
    uint32_t version; /* the ABI minor the table was built for */

    /* Makes one instance for one job. `options` are validated against the descriptor and
       include declared defaults; they are borrowed for this call. `host` lives until destroy
       returns. On BH_OK, *instance is set and owned by the plugin until destroy. */
    int (*create)(const bh_host_services* host, const bh_option_value* options, size_t option_count,
                  bh_instance** instance);
    /* Frees the instance. Never fails. */
    void (*destroy)(bh_instance* instance);
    /* Prepares the one job of this instance (enum bh_job_kind). */
    int (*begin_job)(bh_instance* instance, int kind);
    /* Always called after a successful begin_job. `outcome` is the status of the work (BH_OK,
       the failure, or BH_CANCELLED): roll back or clean up accordingly. */
    int (*end_job)(bh_instance* instance, int outcome);

    /* Backup: stores the data through begin_item/write_item/end_item. */
    int (*backup)(bh_instance* instance);
    /* Restore: reads items and writes the data back as `options` say. */
    int (*restore)(bh_instance* instance, const bh_restore_options* options);
    /* Verify: reads every item and checks it; changes nothing. */
    int (*verify)(bh_instance* instance);
    /* Estimate: fills *estimate with what a backup would store; stores nothing. */
    int (*estimate)(bh_instance* instance, bh_estimate* estimate);
    /* Action: runs the named action with argv-style arguments (without the action name). */
    int (*action)(bh_instance* instance, const char* name, size_t argc, const char* const* argv);
} bh_plugin_functions;

#define BH_PLUGIN_FUNCTIONS_SIZE_1_0 BH_SIZE_THROUGH(bh_plugin_functions, action)

/* ---- descriptor ------------------------------------------------------------------------------ */

/* What the entry returns: static, immutable, valid while the library is loaded. */
typedef struct bh_plugin_descriptor {
    /* header: the same layout in every ABI major */
    uint32_t magic;       /* BH_PLUGIN_MAGIC */
    uint16_t abi_major;   /* BH_ABI_MAJOR the plugin was built with */
    uint16_t abi_minor;   /* BH_ABI_MINOR the plugin was built with */
    uint32_t struct_size; /* sizeof(bh_plugin_descriptor) as the plugin was built */
    const char* id;       /* [a-z0-9][a-z0-9_-]*, unique among installed plugins */

    /* ABI 1.0 */
    const char* version;     /* the plugin's version, e.g. "1.2.0" */
    const char* description; /* one line */
    uint32_t format_version; /* version of the item format the plugin writes */
    uint32_t jobs;           /* mask of the job kinds it supports (BH_JOBS_*) */
    const bh_option_spec* options;
    size_t option_count;
    const bh_action_spec* actions; /* non-empty exactly when `jobs` has BH_JOBS_ACTION */
    size_t action_count;
    const bh_plugin_functions* functions;
} bh_plugin_descriptor;

#define BH_DESCRIPTOR_HEADER_SIZE BH_SIZE_THROUGH(bh_plugin_descriptor, id)
#define BH_DESCRIPTOR_SIZE_1_0 BH_SIZE_THROUGH(bh_plugin_descriptor, functions)

/* The type of the entry: returns the descriptor; calls nothing else, cannot fail. */
typedef const bh_plugin_descriptor* (*bh_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* BACKUP_HOST_PLUGIN_ABI_H */
