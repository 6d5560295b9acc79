// SPDX-License-Identifier: AGPL-3.0-only (see bacula/LICENSE)
//
// backup-host-fd.so's loadPlugin (bacula/entry_points.cpp): it declares what Bacula's file
// daemon checks (magic, AGPLv3 license, interface 14, table sizes) and refuses a daemon whose
// interface version or table sizes are not Bacula 9.6's.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "bacula/bacula_fd_abi.h"

namespace {

using LoadPlugin = bRC (*)(bInfo*, bFuncs*, pInfo**, pFuncs**);

class LoadPluginTest : public ::testing::Test {
  protected:
    void SetUp() override {
        library_ = ::dlopen(BACULA_BRIDGE_FILE, RTLD_NOW | RTLD_LOCAL);
        ASSERT_NE(library_, nullptr) << ::dlerror();
        load_ = reinterpret_cast<LoadPlugin>(::dlsym(library_, "loadPlugin"));
        ASSERT_NE(load_, nullptr);
        ASSERT_NE(::dlsym(library_, "unloadPlugin"), nullptr);
        functions_.size = BACULA_BFUNCS_SIZE;
        functions_.version = BACULA_FD_INTERFACE_VERSION;
    }
    // Never dlclose'd: the bridge keeps what it loads for the life of the process.

    bRC load() { return load_(&info_, &functions_, &plugin_info_, &plugin_functions_); }

    void* library_ = nullptr;
    LoadPlugin load_ = nullptr;
    bInfo info_{sizeof(bInfo), BACULA_FD_INTERFACE_VERSION};
    bFuncs functions_{};
    pInfo* plugin_info_ = nullptr;
    pFuncs* plugin_functions_ = nullptr;
};

TEST_F(LoadPluginTest, DeclaresWhatTheFileDaemonChecks) {
    ASSERT_EQ(load(), bRC_OK);
    ASSERT_NE(plugin_info_, nullptr);
    ASSERT_NE(plugin_functions_, nullptr);
    EXPECT_EQ(plugin_info_->size, BACULA_PINFO_SIZE);
    EXPECT_EQ(plugin_info_->version, BACULA_FD_INTERFACE_VERSION);
    EXPECT_STREQ(plugin_info_->plugin_magic, "*FDPluginData*");
    EXPECT_STREQ(plugin_info_->plugin_license, "AGPLv3");
    EXPECT_EQ(plugin_functions_->size, BACULA_PFUNCS_SIZE);
    EXPECT_EQ(plugin_functions_->version, BACULA_FD_INTERFACE_VERSION);
    EXPECT_NE(plugin_functions_->newPlugin, nullptr);
    EXPECT_NE(plugin_functions_->pluginIO, nullptr);
    EXPECT_NE(plugin_functions_->checkStream, nullptr);
}

TEST_F(LoadPluginTest, RefusesAnotherInterfaceVersion) {
    info_.version = 21;  // Bacula 11
    testing::internal::CaptureStderr();
    EXPECT_EQ(load(), bRC_Error);
    const std::string said = testing::internal::GetCapturedStderr();
    EXPECT_NE(said.find("interface version is 21"), std::string::npos) << said;
    EXPECT_EQ(plugin_info_, nullptr);
}

TEST_F(LoadPluginTest, RefusesFunctionTablesOfAnotherSize) {
    functions_.size = BACULA_BFUNCS_SIZE + 8;
    testing::internal::CaptureStderr();
    EXPECT_EQ(load(), bRC_Error);
    const std::string said = testing::internal::GetCapturedStderr();
    EXPECT_NE(said.find("bFuncs size is 152, this bridge is built for 144"), std::string::npos)
        << said;
    EXPECT_EQ(plugin_functions_, nullptr);
}

}  // namespace
