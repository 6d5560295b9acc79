/* Proves that backup_host/plugin_abi.h is C99: this file is compiled as C (C_STANDARD 99,
   -Wall -Wextra -Wpedantic), declares a plugin's tables with it, and reports the layout it
   sees, which plugin_abi_test.cpp compares with what C++ sees. */
#include <backup_host/plugin_abi.h>

#include "abi_layout.h"

static int c_create(const bh_host_services* host, const bh_option_value* options,
                    size_t option_count, bh_instance** instance) {
    (void)host;
    (void)options;
    (void)option_count;
    *instance = NULL;
    return BH_UNSUPPORTED;
}
static void c_destroy(bh_instance* instance) {
    (void)instance;
}
static int c_begin_job(bh_instance* instance, int kind) {
    (void)instance;
    (void)kind;
    return BH_OK;
}
static int c_end_job(bh_instance* instance, int outcome) {
    (void)instance;
    (void)outcome;
    return BH_OK;
}
static int c_backup(bh_instance* instance) {
    (void)instance;
    return BH_OK;
}

static const bh_option_spec c_options[] = {
    {"path", BH_OPTION_PATH, BH_JOBS_BACKUP, BH_ROLE_NONE, NULL, NULL, "what to back up"},
};

static const bh_plugin_functions c_functions = {sizeof(bh_plugin_functions),
                                                BH_ABI_MINOR,
                                                c_create,
                                                c_destroy,
                                                c_begin_job,
                                                c_end_job,
                                                c_backup,
                                                NULL,
                                                NULL,
                                                NULL,
                                                NULL};

static const bh_plugin_descriptor c_descriptor = {BH_PLUGIN_MAGIC,
                                                  BH_ABI_MAJOR,
                                                  BH_ABI_MINOR,
                                                  sizeof(bh_plugin_descriptor),
                                                  "c-plugin",
                                                  "1.0.0",
                                                  "a plugin declared in C",
                                                  1,
                                                  BH_JOBS_BACKUP,
                                                  c_options,
                                                  1,
                                                  NULL,
                                                  0,
                                                  &c_functions};

/* The descriptor above, for the C++ side to check. */
const bh_plugin_descriptor* bh_c_descriptor(void) {
    return &c_descriptor;
}

/* Sizes and offsets (abi_layout.h) as C sees them. */
size_t bh_c_layout(size_t* values, size_t capacity) {
    const size_t layout[] = BH_TEST_ABI_LAYOUT;
    size_t count = sizeof layout / sizeof layout[0];
    size_t i;
    for (i = 0; i < count && i < capacity; ++i)
        values[i] = layout[i];
    return count;
}

/* bh_status_exit_code as C computes it. */
int bh_c_exit_code(int status) {
    return bh_status_exit_code(status);
}
