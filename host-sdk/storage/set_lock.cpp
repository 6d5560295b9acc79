#include "host-sdk/storage/set_lock.hpp"

#include "host-sdk/storage/location_layout.hpp"

namespace backup_host {

using certbackup::Env, certbackup::Error, certbackup::ErrorCode, certbackup::fail,
    certbackup::Result;
namespace fs = std::filesystem;

Result<SetLock> SetLock::acquire(const fs::path& location, std::string_view id, Env& env) {
    const fs::path path = location / lock_file_name(id);
    auto lock = env.lock_file(
        path, certbackup::LockRequest{
                  .mode = certbackup::LockMode::exclusive, .wait = false, .create = true});
    if (!lock)
        return std::unexpected(lock.error());
    if (!*lock)
        return fail(ErrorCode::conflict,
                    "set " + std::string(id) + " in " + location.string() +
                        " is being written or deleted by another process (it holds " +
                        path.string() + ")");
    return SetLock(std::move(**lock));
}

Result<void> SetLock::release(Env& env) {
    if (!lock_.held())
        return {};
    auto removed = env.remove_file(lock_.path());
    lock_.release();
    return removed;
}

}  // namespace backup_host
