// backup_host/status.hpp: how failures travel in the C++ wrappers of both sides.
//
// A call either succeeds or fails with a Failure: one of the ABI's status codes and a message
// for people. This is the SDK's own small result type, so that plugin authors need nothing
// but the SDK headers; a host built on certbackup's core maps it to certbackup::Error.
// Requires C++23 (std::expected).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

#include "backup_host/plugin_abi.h"

namespace backup_host {

// The ABI's status codes (plugin_abi.h, enum bh_status).
enum class Status : int {
    ok = BH_OK,
    failed = BH_FAILED,
    bad_usage = BH_BAD_USAGE,
    wrong_password = BH_WRONG_PASSWORD,
    corrupt = BH_CORRUPT,
    not_found = BH_NOT_FOUND,
    conflict = BH_CONFLICT,
    unsupported = BH_UNSUPPORTED,
    cancelled = BH_CANCELLED,
};

// Maps a status from the other side of the boundary; unknown values become `failed`.
constexpr Status status_from_abi(int status) noexcept {
    switch (status) {
        case BH_OK:
        case BH_FAILED:
        case BH_BAD_USAGE:
        case BH_WRONG_PASSWORD:
        case BH_CORRUPT:
        case BH_NOT_FOUND:
        case BH_CONFLICT:
        case BH_UNSUPPORTED:
        case BH_CANCELLED:
            return static_cast<Status>(status);
        default:
            return Status::failed;
    }
}

// Stable lower-case name ("wrong_password"), for logs and JSON.
inline const char* to_string(Status status) noexcept {
    return bh_status_name(static_cast<int>(status));
}

// The backup-host exit code of CLI.md: 0, 1, 2, 3, 4 or 130.
inline int exit_code(Status status) noexcept {
    return bh_status_exit_code(static_cast<int>(status));
}

// A failed call. `status` is never Status::ok. `message` says what failed, on what, and what
// to do; it never contains a secret.
struct Failure {
    Status status = Status::failed;
    std::string message;
};

template <typename T>
using Result = std::expected<T, Failure>;

// Shorthand for `return fail(Status::corrupt, "...")` in functions returning Result<T>.
inline std::unexpected<Failure> fail(Status status, std::string message) {
    return std::unexpected(Failure{status, std::move(message)});
}

}  // namespace backup_host
