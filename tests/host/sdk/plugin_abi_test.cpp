// The C ABI header: the same layout in C and C++, status codes mapped to the exit codes of
// CLI.md, and a plugin declared in plain C accepted by the host's descriptor checks.
#include <backup_host/plugin_abi.h>

#include <gtest/gtest.h>

#include <array>
#include <string>

#include <backup_host/host.hpp>
#include <backup_host/plugin/host.hpp>

#include "abi_layout.h"
#include "support/memory_job_services.hpp"
#include "support/plugin_test_support.hpp"

extern "C" {
const bh_plugin_descriptor* bh_c_descriptor(void);
size_t bh_c_layout(size_t* values, size_t capacity);
int bh_c_exit_code(int status);
}

namespace backup_host {
namespace {

TEST(PluginAbi, CAndCppSeeTheSameLayout) {
    const std::array<std::size_t, BH_TEST_ABI_LAYOUT_COUNT> cpp = BH_TEST_ABI_LAYOUT;
    std::array<std::size_t, BH_TEST_ABI_LAYOUT_COUNT> c{};
    ASSERT_EQ(bh_c_layout(c.data(), c.size()), c.size());
    EXPECT_EQ(c, cpp);
}

TEST(PluginAbi, HeaderKeepsItsLayoutAcrossMajors) {
    // The fields a host reads from a plugin of any major sit where ABI 1 put them.
    EXPECT_EQ(offsetof(bh_plugin_descriptor, magic), 0u);
    EXPECT_EQ(offsetof(bh_plugin_descriptor, abi_major), 4u);
    EXPECT_EQ(offsetof(bh_plugin_descriptor, abi_minor), 6u);
    EXPECT_EQ(offsetof(bh_plugin_descriptor, struct_size), 8u);
    EXPECT_EQ(offsetof(bh_plugin_descriptor, id), 16u);
    EXPECT_EQ(BH_DESCRIPTOR_HEADER_SIZE, 24u);
    // The 1.0 size macros cover the descriptor and the function table whole; ABI 1.1 appended
    // the prompt service to the host services, after everything of 1.0.
    EXPECT_EQ(BH_DESCRIPTOR_SIZE_1_0, sizeof(bh_plugin_descriptor));
    EXPECT_EQ(BH_PLUGIN_FUNCTIONS_SIZE_1_0, sizeof(bh_plugin_functions));
    EXPECT_EQ(BH_HOST_SERVICES_SIZE_1_1, sizeof(bh_host_services));
    EXPECT_EQ(offsetof(bh_host_services, prompt), BH_HOST_SERVICES_SIZE_1_0);
}

TEST(PluginAbi, ThisIsAbi11AndTheHostSaysSo) {
    EXPECT_EQ(BH_ABI_MAJOR, 1);
    EXPECT_EQ(BH_ABI_MINOR, 1);
    testing::MemoryJobServices services;
    detail::ServicesBridge bridge(services);
    const bh_host_services* table = bridge.table();
    EXPECT_EQ(table->abi_major, 1u);
    EXPECT_EQ(table->abi_minor, 1u);
    EXPECT_GE(table->struct_size, BH_HOST_SERVICES_SIZE_1_1);
    EXPECT_NE(table->prompt, nullptr);
    EXPECT_TRUE(Host(table).has_prompt());
}

TEST(PluginAbi, ThePromptServiceAnswersOrSaysThereIsNoTerminal) {
    testing::MemoryJobServices terminal;
    terminal.answer = "/srv/exports";
    detail::ServicesBridge answering(terminal);
    auto answer = Host(answering.table()).prompt("Where? ");
    ASSERT_TRUE(answer) << answer.error().message;
    EXPECT_EQ(*answer, "/srv/exports");
    EXPECT_EQ(terminal.questions, std::vector<std::string>{"Where? "});

    testing::MemoryJobServices daemon;  // no terminal
    detail::ServicesBridge silent(daemon);
    auto refused = Host(silent.table()).prompt("Where? ");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().status, Status::unsupported);
    EXPECT_EQ(refused.error().message, "cannot ask: this host has no terminal");
}

TEST(PluginAbi, APluginOfThisMinorOnAHostOf10GetsNoPromptInsteadOfACrash) {
    testing::MemoryJobServices services;
    services.answer = "never read";
    detail::ServicesBridge bridge(services);
    bh_host_services old_host = *bridge.table();  // what a 1.0 host hands over
    old_host.abi_minor = 0;
    old_host.struct_size = BH_HOST_SERVICES_SIZE_1_0;
    old_host.prompt = nullptr;
    const Host host(&old_host);
    EXPECT_FALSE(host.has_prompt());
    auto refused = host.prompt("Where? ");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().status, Status::unsupported);
    EXPECT_EQ(refused.error().message,
              "cannot ask at the terminal: the host speaks ABI 1.0, which has no prompt service");
    EXPECT_TRUE(services.questions.empty());
}

TEST(PluginAbi, APluginBuiltFor10StillLoadsAndRuns) {
    auto plugin = PluginLoader().load(testing::fixture_plugin("abi_1_0"));
    ASSERT_TRUE(plugin) << plugin.error().message;
    EXPECT_EQ(plugin->description().abi_major, 1u);
    EXPECT_EQ(plugin->description().abi_minor, 0u);
    testing::MemoryJobServices services;
    auto done = testing::run_job(*plugin, testing::action_job("hello", {}), services);
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(services.output, "built for ABI 1.0, host speaks 1.1\n");
}

TEST(PluginAbi, StatusesMapToTheCliExitCodes) {
    const struct {
        Status status;
        int exit;
        const char* name;
    } expected[] = {
        {Status::ok, 0, "ok"},
        {Status::failed, 1, "failed"},
        {Status::bad_usage, 2, "bad_usage"},
        {Status::wrong_password, 3, "wrong_password"},
        {Status::corrupt, 4, "corrupt"},
        {Status::not_found, 1, "not_found"},
        {Status::conflict, 1, "conflict"},
        {Status::unsupported, 1, "unsupported"},
        {Status::cancelled, 130, "cancelled"},
    };
    for (const auto& row : expected) {
        EXPECT_EQ(exit_code(row.status), row.exit) << row.name;
        EXPECT_EQ(bh_c_exit_code(static_cast<int>(row.status)), row.exit) << row.name;
        EXPECT_STREQ(to_string(row.status), row.name);
    }
    // A status from a newer peer is a plain failure.
    EXPECT_EQ(status_from_abi(99), Status::failed);
    EXPECT_EQ(bh_c_exit_code(99), 1);
    EXPECT_STREQ(bh_status_name(99), "unknown");
}

TEST(PluginAbi, PluginDeclaredInCPassesTheHostsChecks) {
    const bh_plugin_descriptor* descriptor = bh_c_descriptor();
    auto description = detail::describe_plugin(*descriptor, "/plugins/c-plugin.so");
    ASSERT_TRUE(description) << description.error().message;
    EXPECT_EQ(description->id, "c-plugin");
    EXPECT_EQ(description->version, "1.0.0");
    EXPECT_TRUE(description->supports(JobKind::backup));
    EXPECT_FALSE(description->supports(JobKind::restore));
    ASSERT_EQ(description->options.size(), 1u);
    EXPECT_EQ(description->options[0].type, OptionType::path);
}

}  // namespace
}  // namespace backup_host
