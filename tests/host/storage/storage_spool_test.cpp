// The spool (host-sdk/storage/spool.hpp): unnamed files by either method, the one a file system
// without O_TMPFILE gets included, and private directories; nothing is left behind, nothing is
// readable by others, and a parent that does not exist is named in the error.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "host-sdk/storage/spool.hpp"
#include "support/temp_dir.hpp"

namespace backup_host {
namespace {

namespace fs = std::filesystem;
using certbackup::ErrorCode;
using certbackup::testing::TempDir;

class SpoolFile : public ::testing::TestWithParam<AnonymousFileMethod> {};

TEST_P(SpoolFile, IsPrivateUnnamedAndHoldsWhatIsWritten) {
    TempDir dir;
    auto fd = open_anonymous_file(dir.path(), GetParam());
    ASSERT_TRUE(fd) << fd.error().message;
    EXPECT_TRUE(fs::is_empty(dir.path())) << "the file has a name in " << dir.path();
    struct stat st {};
    ASSERT_EQ(::fstat(fd->get(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    EXPECT_EQ(st.st_nlink, 0u) << "a crash would leave the file behind";

    const std::string text = "spooled bytes";
    ASSERT_EQ(::pwrite(fd->get(), text.data(), text.size(), 0), static_cast<ssize_t>(text.size()));
    std::string back(text.size(), '\0');
    ASSERT_EQ(::pread(fd->get(), back.data(), back.size(), 0), static_cast<ssize_t>(back.size()));
    EXPECT_EQ(back, text);
}

TEST_P(SpoolFile, AMissingParentIsAnIoErrorNamingIt) {
    TempDir dir;
    const fs::path missing = dir / "missing";
    auto fd = open_anonymous_file(missing, GetParam());
    ASSERT_FALSE(fd);
    EXPECT_EQ(fd.error().code, ErrorCode::io);
    EXPECT_NE(fd.error().message.find("cannot create a spool file in " + missing.string()),
              std::string::npos)
        << fd.error().message;
    EXPECT_FALSE(fs::exists(missing));
}

INSTANTIATE_TEST_SUITE_P(Methods, SpoolFile,
                         ::testing::Values(AnonymousFileMethod::tmpfile_else_unlinked,
                                           AnonymousFileMethod::unlinked_file),
                         [](const auto& info) {
                             return info.param == AnonymousFileMethod::unlinked_file
                                        ? std::string("WithoutOTmpfile")
                                        : std::string("Default");
                         });

TEST(SpoolDirectory, IsNewPrivateAndNamedByItsPrefix) {
    TempDir dir;
    auto first = make_private_directory(dir.path(), "backup-host-restore-");
    auto second = make_private_directory(dir.path(), "backup-host-restore-");
    ASSERT_TRUE(first) << first.error().message;
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_NE(*first, *second);
    EXPECT_EQ(first->parent_path(), dir.path());
    EXPECT_TRUE(first->filename().string().starts_with("backup-host-restore-"));
    struct stat st {};
    ASSERT_EQ(::stat(first->c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0700u);

    auto missing = make_private_directory(dir / "missing", "x-");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::not_found);
    EXPECT_NE(missing.error().message.find((dir / "missing").string()), std::string::npos)
        << missing.error().message;
}

}  // namespace
}  // namespace backup_host
