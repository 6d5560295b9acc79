#include "certbackup/base/error.hpp"

#include <cstddef>
#include <iterator>

namespace certbackup {

std::string_view to_string(ErrorCode code) noexcept {
    // Indexed by the value: the codes are numbered from 0 in this order.
    static constexpr std::string_view names[] = {"not_found",   "invalid_argument", "corrupt",
                                                 "auth_failed", "wrong_password",   "unsupported",
                                                 "io",          "cancelled",        "conflict"};
    static_assert(static_cast<std::size_t>(ErrorCode::conflict) == std::size(names) - 1);
    const auto index = static_cast<std::size_t>(code);
    return index < std::size(names) ? names[index] : "unknown";
}

Error Error::with_context(std::string_view context) const {
    Error copy = *this;
    copy.message.insert(0, std::string(context) + ": ");
    return copy;
}

}  // namespace certbackup
