// Password files are hostile input: only a regular file of at most 64 KiB is read, never through
// a symbolic link, never blocking on a FIFO; a file others can read is used with a warning.
#include "host-sdk/host/password_source.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "support/temp_dir.hpp"

namespace certbackup::host {
namespace {

using certbackup::testing::TempDir;

class PasswordFile : public ::testing::Test {
  protected:
    std::string write(const std::string& name, const std::string& content, mode_t mode = 0600) {
        const auto path = dir / name;
        std::ofstream(path, std::ios::binary) << content;
        ::chmod(path.c_str(), mode);
        return path.string();
    }
    TempDir dir;
};

TEST_F(PasswordFile, APrivateRegularFileIsReadWithoutItsTrailingNewlineAndWithoutWarning) {
    std::string warning;
    auto password = read_password_file(write("pw", "correct horse\r\n"), &warning);
    ASSERT_TRUE(password) << password.error().message;
    EXPECT_EQ(password->view(), "correct horse");
    EXPECT_EQ(warning, "");
}

TEST_F(PasswordFile, AFileOthersCanReadIsUsedWithAWarningThatNamesItsMode) {
    std::string warning;
    const std::string path = write("pw", "correct horse\n", 0644);
    auto password = read_password_file(path, &warning);
    ASSERT_TRUE(password) << password.error().message;
    EXPECT_NE(warning.find(path), std::string::npos) << warning;
    EXPECT_NE(warning.find("0644"), std::string::npos) << warning;
    EXPECT_NE(warning.find("chmod 600"), std::string::npos) << warning;
}

TEST_F(PasswordFile, ASymbolicLinkIsRefused) {
    const std::string target = write("pw", "correct horse\n");
    std::filesystem::create_symlink(target, dir / "link");
    auto password = read_password_file((dir / "link").string());
    ASSERT_FALSE(password);
    EXPECT_EQ(password.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(password.error().message.find("symbolic link"), std::string::npos)
        << password.error().message;
}

TEST_F(PasswordFile, AFifoWithoutWriterIsRefusedAtOnceNotWaitedOn) {
    const auto fifo = dir / "fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    auto password = read_password_file(fifo.string());
    ASSERT_FALSE(password);
    EXPECT_EQ(password.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(password.error().message.find("not a regular file"), std::string::npos)
        << password.error().message;
}

TEST_F(PasswordFile, DevicesDirectoriesAndHugeFilesAreRefused) {
    for (const std::string& path : {std::string("/dev/zero"), dir.path().string()}) {
        auto password = read_password_file(path);
        ASSERT_FALSE(password) << path;
        EXPECT_EQ(password.error().code, ErrorCode::invalid_argument) << path;
        EXPECT_NE(password.error().message.find("not a regular file"), std::string::npos)
            << password.error().message;
    }
    auto huge = read_password_file(write("huge", std::string(64 * 1024 + 1, 'x')));
    ASSERT_FALSE(huge);
    EXPECT_NE(huge.error().message.find("longer than 64 KiB"), std::string::npos)
        << huge.error().message;
    EXPECT_TRUE(read_password_file(write("limit", std::string(64 * 1024, 'x'))));
}

TEST_F(PasswordFile, MissingAndEmptyFilesAreNamed) {
    const std::string missing = (dir / "missing").string();
    auto absent = read_password_file(missing);
    ASSERT_FALSE(absent);
    EXPECT_EQ(absent.error().code, ErrorCode::not_found);
    EXPECT_NE(absent.error().message.find(missing), std::string::npos);

    const std::string empty = write("empty", "\n");
    auto blank = read_password_file(empty);
    ASSERT_FALSE(blank);
    EXPECT_EQ(blank.error().message, "the password file " + empty + " is empty");
}

TEST(NoPassword, GivesAnEmptyPasswordForReadingAndIsRefusedForNewData) {
    PasswordOptions options;
    options.none = true;
    auto reading = read_password(options, "Password: ", false);
    ASSERT_TRUE(reading) << reading.error().message;
    EXPECT_TRUE(reading->empty());
    auto protecting = read_password(options, "Password: ", true);
    ASSERT_FALSE(protecting);
    EXPECT_EQ(protecting.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(protecting.error().message.find("--no-password"), std::string::npos);
}

}  // namespace
}  // namespace certbackup::host
