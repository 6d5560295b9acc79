// The bridge's plugin string (bacula/bridge_command.hpp): the FileSet syntax, and strings that
// must be refused with a message naming what is wrong (the string is hostile input at restore).
#include <gtest/gtest.h>

#include "bacula/bridge_command.hpp"

namespace certbackup::bacula {
namespace {

using backup_host::Status;

TEST(BridgeCommand, ParsesTheBridgeKeysAndThePluginOptionsInOrder) {
    const auto command = parse_bridge_command(
        "backup-host:plugin=certificates:config=/etc/backup-host/backup-host.toml:"
        "plugin_dir=/opt/plugins:password_file=/etc/backup-host/pass:iterations=1000:scope=");
    ASSERT_TRUE(command) << command.error().message;
    EXPECT_EQ(command->plugin_id, "certificates");
    EXPECT_EQ(command->config_file, "/etc/backup-host/backup-host.toml");
    EXPECT_EQ(command->plugin_dir, "/opt/plugins");
    EXPECT_EQ(command->password_file, "/etc/backup-host/pass");
    const backup_host::OptionAssignments expected{{"iterations", "1000"}, {"scope", ""}};
    EXPECT_EQ(command->options, expected);
    EXPECT_EQ(virtual_root(command->plugin_id), "/@backup-host/certificates");
}

TEST(BridgeCommand, OnlyThePluginIsRequired) {
    const auto command = parse_bridge_command("backup-host:plugin=files");
    ASSERT_TRUE(command) << command.error().message;
    EXPECT_FALSE(command->config_file);
    EXPECT_FALSE(command->password_file);
    EXPECT_TRUE(command->options.empty());
}

TEST(BridgeCommand, RefusesBrokenStringsNamingTheProblem) {
    const std::pair<const char*, const char*> cases[] = {
        {"bpipe:plugin=files", "does not begin with"},
        {"backup-host", "names no plugin"},
        {"backup-host:path=/x", "names no plugin"},
        {"backup-host:plugin=files:plugin=certificates", "plugin= is given twice"},
        {"backup-host:plugin=../evil", "is not a plugin id"},
        {"backup-host:plugin=Files", "is not a plugin id"},
        {"backup-host:plugin=files::path=/x", "empty segment"},
        {"backup-host:plugin=files:", "empty segment"},
        {"backup-host:plugin=files:path", "is not KEY=VALUE"},
        {"backup-host:plugin=files:=x", "is not KEY=VALUE"},
        {"backup-host:plugin=files:config=relative.toml", "needs an absolute path"},
        {"backup-host:plugin=files:password_file=/a:password_file=/b", "given twice"},
        {"backup-host:plugin=files:path=/x\n", "control character"},
    };
    for (const auto& [text, why] : cases) {
        const auto command = parse_bridge_command(text);
        ASSERT_FALSE(command) << text;
        EXPECT_EQ(command.error().status, Status::bad_usage) << text;
        EXPECT_NE(command.error().message.find(why), std::string::npos)
            << text << ": " << command.error().message;
    }
    EXPECT_FALSE(parse_bridge_command("backup-host:plugin=files:path=" + std::string(9000, 'a')));
}

}  // namespace
}  // namespace certbackup::bacula
