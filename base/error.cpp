#include "certbackup/base/error.hpp"

namespace certbackup {

std::string_view to_string(ErrorCode code) noexcept {
    switch (code) {
        case ErrorCode::not_found:
            return "not_found";
        case ErrorCode::invalid_argument:
            return "invalid_argument";
        case ErrorCode::corrupt:
            return "corrupt";
        case ErrorCode::auth_failed:
            return "auth_failed";
        case ErrorCode::wrong_password:
            return "wrong_password";
        case ErrorCode::unsupported:
            return "unsupported";
        case ErrorCode::io:
            return "io";
        case ErrorCode::cancelled:
            return "cancelled";
        case ErrorCode::conflict:
            return "conflict";
    }
    return "unknown";
}

Error Error::with_context(std::string_view context) const {
    Error copy = *this;
    copy.message.insert(0, std::string(context) + ": ");
    return copy;
}

}  // namespace certbackup
