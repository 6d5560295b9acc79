#include "fault_injecting_env.hpp"

namespace certbackup::testing {

Result<void> FaultInjectingEnv::step(std::string description) {
    ++count_;
    log_.push_back(description);
    const bool fails = fail_at_ > 0 && (count_ == fail_at_ || (crash_ && count_ > fail_at_));
    if (fails)
        return fail(ErrorCode::io, "injected failure at step " + std::to_string(count_) + " (" +
                                       description + ")");
    return {};
}

Result<void> FaultInjectingEnv::write_file(const fs::path& path,
                                           std::span<const std::uint8_t> bytes, mode_t mode) {
    if (auto s = step("write " + path.string()); !s)
        return s;
    return base_.write_file(path, bytes, mode);
}
Result<void> FaultInjectingEnv::write_file_unsynced(const fs::path& path,
                                                    std::span<const std::uint8_t> bytes,
                                                    mode_t mode) {
    if (auto s = step("write (unsynced) " + path.string()); !s)
        return s;
    return base_.write_file_unsynced(path, bytes, mode);
}
Result<void> FaultInjectingEnv::sync_filesystem(const fs::path& path) {
    if (auto s = step("syncfs " + path.string()); !s)
        return s;
    return base_.sync_filesystem(path);
}
Result<void> FaultInjectingEnv::rename(const fs::path& from, const fs::path& to) {
    if (auto s = step("rename " + from.string() + " -> " + to.string()); !s)
        return s;
    return base_.rename(from, to);
}
Result<void> FaultInjectingEnv::sync_dir(const fs::path& dir) {
    if (auto s = step("sync_dir " + dir.string()); !s)
        return s;
    return base_.sync_dir(dir);
}
Result<void> FaultInjectingEnv::remove_file(const fs::path& path) {
    if (auto s = step("remove " + path.string()); !s)
        return s;
    return base_.remove_file(path);
}
Result<void> FaultInjectingEnv::remove_tree(const fs::path& path) {
    if (auto s = step("remove_tree " + path.string()); !s)
        return s;
    return base_.remove_tree(path);
}
Result<void> FaultInjectingEnv::create_dir(const fs::path& path, mode_t mode) {
    if (auto s = step("mkdir " + path.string()); !s)
        return s;
    return base_.create_dir(path, mode);
}
Result<void> FaultInjectingEnv::set_mode(const fs::path& path, mode_t mode) {
    if (auto s = step("chmod " + path.string()); !s)
        return s;
    return base_.set_mode(path, mode);
}

}  // namespace certbackup::testing
