/* The sizes and offsets of backup_host/plugin_abi.h that C and C++ must agree on, as one
   initializer list: plugin_abi_c_check.c expands it as C, plugin_abi_test.cpp as C++ and
   compares the two. BH_TEST_ABI_LAYOUT_COUNT is how many values it holds. */
#ifndef BACKUP_HOST_TEST_ABI_LAYOUT_H
#define BACKUP_HOST_TEST_ABI_LAYOUT_H

#include <stddef.h>

#include <backup_host/plugin_abi.h>

#define BH_TEST_ABI_LAYOUT_COUNT 25

#define BH_TEST_ABI_LAYOUT                                                                    \
    {                                                                                         \
        sizeof(bh_plugin_descriptor), BH_DESCRIPTOR_HEADER_SIZE, BH_DESCRIPTOR_SIZE_1_0,      \
            offsetof(bh_plugin_descriptor, id), offsetof(bh_plugin_descriptor, jobs),         \
            offsetof(bh_plugin_descriptor, functions), sizeof(bh_plugin_functions),           \
            BH_PLUGIN_FUNCTIONS_SIZE_1_0, offsetof(bh_plugin_functions, action),              \
            sizeof(bh_host_services), BH_HOST_SERVICES_SIZE_1_0,                              \
            offsetof(bh_host_services, context), offsetof(bh_host_services, get_secret),      \
            offsetof(bh_host_services, read_item), sizeof(bh_option_spec),                    \
            offsetof(bh_option_spec, description), sizeof(bh_action_spec),                    \
            sizeof(bh_option_value), offsetof(bh_option_value, integer),                      \
            offsetof(bh_option_value, is_default), sizeof(bh_progress), sizeof(bh_item_info), \
            sizeof(bh_estimate), sizeof(bh_restore_options),                                  \
            offsetof(bh_restore_options, selection_count),                                    \
    }

#endif
