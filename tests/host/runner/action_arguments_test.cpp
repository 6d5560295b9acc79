// How backup-host splits `PLUGIN ACTION ARGS...` into its own flags and the action's.
#include <gtest/gtest.h>

#include "host-sdk/host/action_arguments.hpp"

namespace certbackup::host {
namespace {

using Args = std::vector<std::string>;

TEST(ActionArguments, TakesPasswordFlagsAndOptionsAndKeepsTheRestInOrder) {
    auto split =
        split_action_arguments({"FILE.pfx", "--password-file", "/p", "--bind", "database/db1", "-o",
                                "store=/s", "-oiterations=5", "--option=scope=db1", "--json"});
    ASSERT_TRUE(split) << split.error().message;
    EXPECT_EQ(split->password.file, "/p");
    EXPECT_EQ(split->assignments, (Args{"store=/s", "iterations=5", "scope=db1"}));
    EXPECT_EQ(split->plugin_args, (Args{"FILE.pfx", "--bind", "database/db1", "--json"}));
}

TEST(ActionArguments, EveryPasswordFlagForm) {
    auto fd = split_action_arguments({"--password-fd=7"});
    ASSERT_TRUE(fd);
    EXPECT_EQ(fd->password.fd, 7);
    auto file = split_action_arguments({"--password-file=/x"});
    ASSERT_TRUE(file);
    EXPECT_EQ(file->password.file, "/x");
    auto in = split_action_arguments({"--password-stdin", "--yes"});
    ASSERT_TRUE(in);
    EXPECT_TRUE(in->password.from_stdin);
    EXPECT_EQ(in->plugin_args, Args{"--yes"});
}

TEST(ActionArguments, ADoubleDashEndsTheHostsFlags) {
    auto split = split_action_arguments({"-o", "a=1", "--", "-o", "b=2", "--password-stdin"});
    ASSERT_TRUE(split);
    EXPECT_EQ(split->assignments, Args{"a=1"});
    EXPECT_FALSE(split->password.from_stdin);
    EXPECT_EQ(split->plugin_args, (Args{"--", "-o", "b=2", "--password-stdin"}));
}

TEST(ActionArguments, PluginFlagsThatMerelyLookAlikeStayThePlugins) {
    auto split = split_action_arguments({"-other", "--options", "--password-files"});
    ASSERT_TRUE(split) << split.error().message;
    EXPECT_TRUE(split->assignments.empty());
    EXPECT_EQ(split->plugin_args, (Args{"-other", "--options", "--password-files"}));
}

TEST(ActionArguments, MistakesAreBadUsage) {
    for (const Args& args :
         {Args{"--password-file"}, Args{"-o"}, Args{"--password-fd", "x"}, Args{"--password-fd=-1"},
          Args{"--password-file", "/a", "--password-stdin"}}) {
        auto split = split_action_arguments(args);
        ASSERT_FALSE(split) << args.front();
        EXPECT_EQ(split.error().status, backup_host::Status::bad_usage);
    }
}

}  // namespace
}  // namespace certbackup::host
