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

Error error_of(const backup_host::Failure& failure) {
    using backup_host::Status;
    switch (failure.status) {
        case Status::not_found:
            return Error{ErrorCode::not_found, failure.message};
        case Status::corrupt:
            return Error{ErrorCode::corrupt, failure.message};
        case Status::cancelled:
            return Error{ErrorCode::cancelled, failure.message};
        case Status::bad_usage:
            return Error{ErrorCode::invalid_argument, failure.message};
        case Status::wrong_password:
            return Error{ErrorCode::wrong_password, failure.message};
        case Status::conflict:
            return Error{ErrorCode::conflict, failure.message};
        case Status::unsupported:
            return Error{ErrorCode::unsupported, failure.message};
        case Status::ok:
        case Status::failed:
            break;
    }
    return Error{ErrorCode::io, failure.message};
}

backup_host::Failure to_failure(const Error& error, ArgumentSource source) {
    return backup_host::Failure{abi_status(error.code, source), error.message};
}

}  // namespace certbackup
