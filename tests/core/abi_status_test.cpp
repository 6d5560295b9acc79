// The one table from ErrorCode to the ABI's status and exit code (docs/CLI.md "Exit codes"),
// and the one way back.
#include "certbackup/base/abi_status.hpp"

#include <gtest/gtest.h>

namespace certbackup {
namespace {

struct Row {
    ErrorCode code;
    ArgumentSource source;
    backup_host::Status status;
    int exit_code;
    ErrorCode back;  // error_of(to_failure(...)).code
};

TEST(AbiStatus, EachCodeHasOneStatusOneExitCodeAndComesBackAsTheCodeThatMapsToIt) {
    using backup_host::Status;
    const Row rows[] = {
        {ErrorCode::not_found, ArgumentSource::user, Status::not_found, 1, ErrorCode::not_found},
        {ErrorCode::invalid_argument, ArgumentSource::user, Status::bad_usage, 2,
         ErrorCode::invalid_argument},
        {ErrorCode::invalid_argument, ArgumentSource::program, Status::failed, 1, ErrorCode::io},
        {ErrorCode::corrupt, ArgumentSource::user, Status::corrupt, 4, ErrorCode::corrupt},
        {ErrorCode::auth_failed, ArgumentSource::user, Status::wrong_password, 3,
         ErrorCode::wrong_password},
        {ErrorCode::wrong_password, ArgumentSource::user, Status::wrong_password, 3,
         ErrorCode::wrong_password},
        {ErrorCode::unsupported, ArgumentSource::user, Status::unsupported, 1,
         ErrorCode::unsupported},
        {ErrorCode::io, ArgumentSource::program, Status::failed, 1, ErrorCode::io},
        {ErrorCode::cancelled, ArgumentSource::user, Status::cancelled, 130, ErrorCode::cancelled},
        {ErrorCode::conflict, ArgumentSource::user, Status::conflict, 1, ErrorCode::conflict},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(std::string(to_string(row.code)));
        const backup_host::Failure failure = to_failure(Error{row.code, "what failed"}, row.source);
        EXPECT_EQ(failure.status, row.status);
        EXPECT_EQ(failure.message, "what failed");
        EXPECT_EQ(backup_host::exit_code(failure.status), row.exit_code);
        const Error back = error_of(failure);
        EXPECT_EQ(back.code, row.back);
        EXPECT_EQ(back.message, "what failed");
    }
    // A status this build does not know (a newer other side) comes back as io.
    EXPECT_EQ(error_of({backup_host::status_from_abi(999), "x"}).code, ErrorCode::io);
}

}  // namespace
}  // namespace certbackup
