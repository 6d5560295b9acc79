#include "core/binding.hpp"

#include <gtest/gtest.h>

namespace certbackup {
namespace {

TEST(Binding, ParsesEveryKindAndPrintsItBack) {
    for (const char* text :
         {"ssl", "server_encryption", "database/db1", "master_key/db1/example.com",
          "discovery_service/db1/disc-1", "password_reset/prod_db/reset"}) {
        auto b = Binding::parse(text);
        ASSERT_TRUE(b) << text << ": " << b.error().message;
        EXPECT_EQ(b->to_string(), text);
    }
}

TEST(Binding, ScopeNamesServerOrDatabase) {
    EXPECT_EQ(Binding::parse("ssl")->scope(), "server");
    EXPECT_EQ(Binding::parse("database/db1")->scope(), "db1");
    EXPECT_EQ(Binding::parse("master_key/db1/example.com")->scope(), "db1-example.com");
}

TEST(Binding, RejectsMalformedTextWithTheTextInTheMessage) {
    for (const char* text : {"", "tls", "database", "database/db1/extra", "master_key/db1", "ssl/x",
                             "database/", "database/a b", "master_key//dom"}) {
        auto b = Binding::parse(text);
        ASSERT_FALSE(b) << text;
        EXPECT_EQ(b.error().code, ErrorCode::invalid_argument);
        EXPECT_NE(b.error().message.find("'" + std::string(text)), std::string::npos)
            << b.error().message;
    }
}

}  // namespace
}  // namespace certbackup
