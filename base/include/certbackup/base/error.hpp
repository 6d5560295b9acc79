// The one error type of core and host: a code a program can branch on and a message for people.
//
// Contract: `message` says what failed, on which file or item, and what to do about it. It never
// contains a password or key material.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace certbackup {

enum class ErrorCode {
    not_found,
    invalid_argument,
    corrupt,
    auth_failed,
    wrong_password,
    unsupported,
    io,
    cancelled,
    conflict,
};

// Stable lower-case name of a code ("wrong_password"), for logs and JSON.
std::string_view to_string(ErrorCode code) noexcept;

struct Error {
    ErrorCode code;
    std::string message;

    // Returns a copy whose message is "<context>: <message>", to add the file or item name
    // on the way up without losing the code.
    [[nodiscard]] Error with_context(std::string_view context) const;
};

template <typename T>
using Result = std::expected<T, Error>;

// Shorthand for `return fail(ErrorCode::io, "...")` in functions returning Result<T>.
inline std::unexpected<Error> fail(ErrorCode code, std::string message) {
    return std::unexpected(Error{code, std::move(message)});
}

}  // namespace certbackup
