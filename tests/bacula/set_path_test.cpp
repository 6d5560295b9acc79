// Which paths coming back from Bacula may become files of a set directory
// (bacula/set_path.hpp): the record and valid item names, nothing that leaves the set.
#include <gtest/gtest.h>

#include "bacula/set_path.hpp"

namespace certbackup::bacula {
namespace {

TEST(SetPath, AcceptsTheRecordAndItemNames) {
    EXPECT_FALSE(set_path_problem("set.pb"));
    EXPECT_FALSE(set_path_problem("certificates/manifest.pb"));
    EXPECT_FALSE(set_path_problem("files/tree/docs/readme.md"));
}

TEST(SetPath, RefusesPathsThatLeaveTheSetNamingThem) {
    for (const char* path : {"../etc/passwd", "/etc/passwd", "a/../../b", "a//b", "a/./b", "", "a/",
                             "a\\b", "bad\x01name"}) {
        const auto problem = set_path_problem(path);
        ASSERT_TRUE(problem) << path;
        EXPECT_FALSE(problem->empty()) << path;
    }
}

}  // namespace
}  // namespace certbackup::bacula
