#include "plugin_errors.hpp"

namespace certbackup::plugin {

backup_host::Status to_status(ErrorCode code) noexcept {
    using backup_host::Status;
    switch (code) {
        case ErrorCode::not_found:
            return Status::not_found;
        case ErrorCode::invalid_argument:
            return Status::bad_usage;
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

}  // namespace certbackup::plugin
