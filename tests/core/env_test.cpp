#include "certbackup/base/env.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/fault_injecting_env.hpp"
#include "support/temp_dir.hpp"

namespace certbackup {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

mode_t mode_of(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
}

TEST(AtomicWrite, WritesContentWithModeAndLeavesNoTempFile) {
    testing::TempDir dir;
    const auto path = dir / "key.pem";
    ASSERT_TRUE(atomic_write(Env::posix(), path, bytes("secret"), 0600));
    EXPECT_EQ(*Env::posix().read_file(path), bytes("secret"));
    EXPECT_EQ(mode_of(path), 0600u);
    EXPECT_EQ(Env::posix().list_dir(dir.path())->size(), 1u);
}

TEST(AtomicWrite, FailureAtAnyStepLeavesTheOldFileIntact) {
    testing::TempDir dir;
    const auto path = dir / "bindings.toml";
    ASSERT_TRUE(atomic_write(Env::posix(), path, bytes("old"), 0600));
    testing::FaultInjectingEnv counting;
    ASSERT_TRUE(atomic_write(counting, dir / "probe", bytes("x"), 0600));
    const int steps = counting.count();
    ASSERT_GE(steps, 3);  // write, rename, sync_dir
    for (int n = 1; n <= steps; ++n) {
        testing::FaultInjectingEnv env;
        env.crash_at(n);
        auto r = atomic_write(env, path, bytes("new"), 0600);
        EXPECT_FALSE(r) << "step " << n;
        const auto now = *Env::posix().read_file(path);
        // Before the rename the old content stays; a failed fsync after it may leave the new one.
        EXPECT_TRUE(now == bytes("old") || now == bytes("new")) << "step " << n;
        if (n < steps) {
            EXPECT_EQ(now, bytes("old")) << "step " << n;
        }
    }
}

TEST(AtomicWrite, TransientFailureLeavesNoTempFile) {
    testing::TempDir dir;
    const auto path = dir / "bindings.toml";
    for (int n = 1; n <= 2; ++n) {  // the write, then the rename fails; the cleanup step runs
        testing::FaultInjectingEnv env;
        env.fail_at(n);
        EXPECT_FALSE(atomic_write(env, path, bytes("new"), 0600));
    }
    EXPECT_FALSE(Env::posix().exists(path));
    const auto names = Env::posix().list_dir(dir.path());
    ASSERT_TRUE(names);
    for (const auto& name : *names)
        EXPECT_FALSE(is_temp_name(name)) << name;
}

TEST(Env, ErrorsNameThePath) {
    auto r = Env::posix().read_file("/nonexistent/certbackup/file");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::not_found);
    EXPECT_NE(r.error().message.find("/nonexistent/certbackup/file"), std::string::npos);
}

TEST(Env, CreateDirsMakesParentsWithMode) {
    testing::TempDir dir;
    const auto deep = dir / "a/b/c";
    ASSERT_TRUE(create_dirs(Env::posix(), deep, 0700));
    EXPECT_EQ(mode_of(deep), 0700u);
    EXPECT_EQ(mode_of(dir / "a"), 0700u);
    EXPECT_TRUE(create_dirs(Env::posix(), deep, 0700));  // idempotent
}

}  // namespace
}  // namespace certbackup
