#include "certbackup/base/abi_status.hpp"

namespace certbackup {

backup_host::Status abi_status(ErrorCode code, ArgumentSource source) noexcept {
    using backup_host::Status;
    switch (code) {
        case ErrorCode::not_found:
            return Status::not_found;
        case ErrorCode::invalid_argument:
            return source == ArgumentSource::user ? Status::bad_usage : Status::failed;
        case ErrorCode::corrupt:
            return Status::corrupt;
        case ErrorCode::auth_failed:
        case ErrorCode::wrong_password:
            return Status::wrong_password;
        case ErrorCode::unsupported:
            return Status::unsupported;
        case ErrorCode::io:
            return Status::failed;
        case ErrorCode::cancelled:
            return Status::cancelled;
        case ErrorCode::conflict:
            return Status::conflict;
    }
    return Status::failed;
}

backup_host::Failure to_failure(const Error& error, ArgumentSource source) {
    return backup_host::Failure{abi_status(error.code, source), error.message};
}

}  // namespace certbackup
