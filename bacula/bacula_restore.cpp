// SPDX-License-Identifier: AGPL-3.0-only (see bacula/LICENSE)
// BaculaJob: the restore side (see bacula_job.hpp).
#include <system_error>

#include "bacula_job.hpp"
#include "set_path.hpp"

namespace certbackup::bacula {
namespace {

using backup_host::Status;

// where= without trailing '/'; "" for the original places ("" or "/").
std::string where_prefix(const char* where) {
    std::string prefix = where != nullptr ? where : "";
    while (!prefix.empty() && prefix.back() == '/')
        prefix.pop_back();
    return prefix;
}

}  // namespace

bRC BaculaJob::start_restore_file(const char* command) {
    restore_command_ =
        parse_plugin_string(command, "the file daemon passed no plugin string for a restored file");
    return restore_command_ ? bRC_OK : bRC_Error;
}

bRC BaculaJob::end_restore_file() {
    return bRC_OK;
}

bRC BaculaJob::create_file(restore_pkt& packet) {
    if (packet.pkt_size != BACULA_RESTORE_PKT_SIZE) {
        packet.create_status = CF_ERROR;
        return fatal("the file daemon's restore_pkt has " + std::to_string(packet.pkt_size) +
                     " bytes; this bridge is built for " + std::to_string(BACULA_RESTORE_PKT_SIZE) +
                     " (Bacula 9.6)");
    }
    packet.create_status = CF_ERROR;
    auto destination = restore_destination(packet);
    if (!destination)
        return fatal(destination.error().message);
    std::error_code error;
    std::filesystem::create_directories(destination->parent_path(), error);
    if (error)
        return fatal("cannot create " + destination->parent_path().string() + ": " +
                     error.message());
    restore_path_ = std::move(*destination);
    packet.create_status = CF_EXTRACT;
    return bRC_OK;
}

backup_host::Result<std::filesystem::path> BaculaJob::restore_destination(
    const restore_pkt& packet) {
    if (!restore_command_)
        return backup_host::fail(Status::bad_usage, "a file arrived without its plugin string");
    if (packet.RegexWhere != nullptr && packet.RegexWhere[0] != '\0')
        return backup_host::fail(Status::bad_usage,
                                 "regexwhere= is not supported for backup-host sets; use where=");
    const std::string where = where_prefix(packet.where);
    const std::string root = virtual_root(restore_command_->plugin_id) + "/";
    std::string name = packet.ofname != nullptr ? packet.ofname : "";
    while (where.empty() && name.starts_with("//"))
        name.erase(0, 1);  // where=/ may come as a prefix of its own
    if (!name.starts_with(where + root))
        return backup_host::fail(Status::corrupt,
                                 "restored file '" + name + "' is not below " + where + root);
    const std::string relative = name.substr(where.size() + root.size());
    if (auto problem = set_path_problem(relative))
        return backup_host::fail(Status::corrupt, "restored file '" + name + "': " + *problem);
    if (!where.empty())
        return std::filesystem::path(name);  // a set directory at DIR/@backup-host/ID

    // The original places: collect the set for an import when the job ends.
    auto found = imports_.find(restore_command_->text);
    if (found == imports_.end()) {
        std::string error;
        auto spool = SpoolDirectory::create(error);
        if (!spool)
            return backup_host::fail(Status::failed, error);
        found =
            imports_
                .emplace(restore_command_->text, ImportSet{*restore_command_, std::move(*spool)})
                .first;
    }
    return found->second.set_directory() / relative;
}

bRC BaculaJob::import_collected_sets() {
    bRC result = bRC_OK;
    for (auto& [text, import] : imports_) {
        if (cancel_.requested()) {
            send(M_INFO, "the restore was cancelled; nothing was imported");
            result = bRC_Error;
            break;
        }
        const BridgeJob job{import.command, cancel_, *this};
        auto restored = restore_from(job, import.set_directory());
        if (restored) {
            send(M_INFO, "restored the set of plugin '" + import.command.plugin_id + "'");
            continue;
        }
        result = fatal("the restore of plugin '" + import.command.plugin_id +
                       "' failed: " + restored.error().message);
        break;
    }
    imports_.clear();
    return result;
}

}  // namespace certbackup::bacula
