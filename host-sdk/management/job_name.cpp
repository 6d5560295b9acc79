#include "host-sdk/management/job_name.hpp"

namespace backup_host {
namespace {

bool is_lower_alnum(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

}  // namespace

bool is_valid_job_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > kMaxJobNameLength || !is_lower_alnum(name.front()))
        return false;
    for (const char c : name)
        if (!is_lower_alnum(c) && c != '-' && c != '_')
            return false;
    return true;
}

}  // namespace backup_host
