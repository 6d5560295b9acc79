#include "host-sdk/host/host_failure.hpp"

namespace certbackup::host {

backup_host::Status status_for(ErrorCode code) noexcept {
    using backup_host::Status;
    switch (code) {
        case ErrorCode::not_found:
            return Status::not_found;
        case ErrorCode::corrupt:
            return Status::corrupt;
        case ErrorCode::auth_failed:
        case ErrorCode::wrong_password:
            return Status::wrong_password;
        case ErrorCode::unsupported:
            return Status::unsupported;
        case ErrorCode::cancelled:
            return Status::cancelled;
        case ErrorCode::conflict:
            return Status::conflict;
        case ErrorCode::invalid_argument:
        case ErrorCode::io:
            return Status::failed;
    }
    return Status::failed;
}

backup_host::Failure to_failure(const Error& error) {
    return backup_host::Failure{status_for(error.code), error.message};
}

backup_host::Failure to_failure(const Error& error, const std::string& context) {
    return backup_host::Failure{status_for(error.code), context + ": " + error.message};
}

}  // namespace certbackup::host
