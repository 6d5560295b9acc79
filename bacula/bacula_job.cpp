// SPDX-License-Identifier: AGPL-3.0-only (see bacula/LICENSE)
// BaculaJob: messages, events and the backup side (see bacula_job.hpp).
#include "bacula_job.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace certbackup::bacula {
namespace {

// Bacula's debug level for the bridge's debug lines (shown with `setdebug level=150`).
constexpr int kDebugLevel = 150;

bool is_regular(const std::filesystem::directory_entry& entry) {
    std::error_code ignored;
    return entry.is_regular_file(ignored) && !entry.is_symlink(ignored);
}

}  // namespace

BaculaJob::BaculaJob(bpContext* context, const bFuncs* functions)
    : context_(context), functions_(functions), job_thread_(std::this_thread::get_id()) {}

BaculaJob::~BaculaJob() {
    if (fd_ >= 0)
        ::close(fd_);  // a job that ended in the middle of a file (the spools go with it)
}

void BaculaJob::enter() {
    std::vector<std::pair<MessageKind, std::string>> queued;
    {
        std::lock_guard lock(queue_mutex_);
        job_thread_ = std::this_thread::get_id();
        queued.swap(queued_);
    }
    for (const auto& [kind, text] : queued)
        message(kind, text);
}

void BaculaJob::send(int type, std::string_view text) {
    // The text goes as an argument, never as the format: it may hold '%'.
    const std::string line(text);
    functions_->JobMessage(context_, __FILE__, __LINE__, type, 0, "backup-host: %s\n",
                           line.c_str());
}

void BaculaJob::message(MessageKind kind, std::string_view text) noexcept {
    try {
        {
            std::lock_guard lock(queue_mutex_);
            if (std::this_thread::get_id() != job_thread_) {
                queued_.emplace_back(kind, std::string(text));
                return;
            }
        }
        switch (kind) {
            case MessageKind::debug: {
                const std::string line(text);
                functions_->DebugMessage(context_, __FILE__, __LINE__, kDebugLevel,
                                         "backup-host: %s\n", line.c_str());
                break;
            }
            case MessageKind::info:
                send(M_INFO, text);
                break;
            case MessageKind::warning:
                send(M_WARNING, text);
                break;
            case MessageKind::error:
                send(M_ERROR, text);
                break;
        }
    } catch (...) {
        // A message that cannot be built (out of memory) is dropped; the job goes on.
    }
}

bRC BaculaJob::fatal(const std::string& text) {
    send(M_FATAL, text);
    return bRC_Error;
}

bRC BaculaJob::handle_event(const bEvent& event, void* value) {
    switch (event.eventType) {
        case bEventBackupCommand:
            return run_backup_command(static_cast<const char*>(value), false);
        case bEventEstimateCommand:
            return run_backup_command(static_cast<const char*>(value), true);
        case bEventEndRestoreJob:
            return import_collected_sets();
        case bEventCancelCommand:
            request_cancel();
            return bRC_OK;
        case bEventJobEnd:
            backup_spool_.reset();
            imports_.clear();
            return bRC_OK;
        default:
            return bRC_OK;
    }
}

std::optional<BridgeCommand> BaculaJob::parse_plugin_string(const char* text,
                                                            const std::string& missing) {
    if (text == nullptr) {
        fatal(missing);
        return std::nullopt;
    }
    auto command = parse_bridge_command(text);
    if (!command) {
        fatal(command.error().message);
        return std::nullopt;
    }
    return std::move(*command);
}

bRC BaculaJob::run_backup_command(const char* text, bool estimate) {
    files_.clear();
    next_file_ = 0;
    backup_spool_.reset();
    const auto command = parse_plugin_string(text, "the file daemon passed no plugin string");
    if (!command)
        return bRC_Error;
    if (!backed_up_plugins_.insert(command->plugin_id).second)
        return fatal("the FileSet has two Plugin lines for plugin '" + command->plugin_id +
                     "': their sets would share " + virtual_root(command->plugin_id) +
                     "/; keep one line per plugin");
    std::string error;
    backup_spool_ = SpoolDirectory::create(error);
    if (!backup_spool_)
        return fatal(error);
    const BridgeJob job{*command, cancel_, *this};
    auto set_directory = backup_into(job, backup_spool_->path());
    if (!set_directory) {
        backup_spool_.reset();
        if (cancel_.requested()) {
            send(M_INFO, "the backup of plugin '" + command->plugin_id +
                             "' was cancelled; no set was kept");
            return bRC_Error;
        }
        return fatal("the backup of plugin '" + command->plugin_id +
                     "' failed: " + set_directory.error().message);
    }
    const bRC listed = list_spooled_set(*set_directory, virtual_root(command->plugin_id));
    if (listed == bRC_OK)
        send(M_INFO, std::string(estimate ? "estimated" : "backed up") + " set " +
                         set_directory->filename().string() + " of plugin '" + command->plugin_id +
                         "' (" + std::to_string(files_.size()) + " files under " +
                         virtual_root(command->plugin_id) + "/)");
    return listed;
}

bRC BaculaJob::list_spooled_set(const std::filesystem::path& set_directory,
                                const std::string& root) {
    std::error_code error;
    for (std::filesystem::recursive_directory_iterator it(set_directory, error), end;
         !error && it != end; it.increment(error)) {
        if (!is_regular(*it))
            continue;
        SpooledFile file;
        file.real_path = it->path();
        file.virtual_path =
            root + "/" + std::filesystem::relative(it->path(), set_directory).generic_string();
        if (::lstat(file.real_path.c_str(), &file.status) != 0)
            return fatal("cannot read " + file.real_path.string() + ": " + std::strerror(errno));
        files_.push_back(std::move(file));
    }
    if (error)
        return fatal("cannot list the set in " + set_directory.string() + ": " + error.message());
    // The record first, then the items in name order: a stable listing for people.
    std::sort(files_.begin(), files_.end(), [&root](const SpooledFile& a, const SpooledFile& b) {
        const bool a_record = a.virtual_path == root + "/set.pb";
        const bool b_record = b.virtual_path == root + "/set.pb";
        return a_record != b_record ? a_record : a.virtual_path < b.virtual_path;
    });
    if (files_.empty())
        return fatal("the set in " + set_directory.string() + " holds no file");
    return bRC_OK;
}

bRC BaculaJob::start_backup_file(save_pkt& packet) {
    if (packet.pkt_size != BACULA_SAVE_PKT_SIZE)
        return fatal("the file daemon's save_pkt has " + std::to_string(packet.pkt_size) +
                     " bytes; this bridge is built for " + std::to_string(BACULA_SAVE_PKT_SIZE) +
                     " (Bacula 9.6)");
    if (next_file_ >= files_.size())
        return fatal("Bacula asked for a file after the last one of the set");
    const SpooledFile& file = files_[next_file_];
    current_fname_ = file.virtual_path;
    packet.fname = current_fname_.data();
    packet.link = nullptr;
    packet.type = FT_REG;
    std::memset(&packet.statp, 0, sizeof packet.statp);
    packet.statp.st_mode = S_IFREG | 0600;
    packet.statp.st_size = file.status.st_size;
    packet.statp.st_blksize = 4096;
    packet.statp.st_blocks = (file.status.st_size + 511) / 512;
    packet.statp.st_atim = file.status.st_atim;
    packet.statp.st_mtim = file.status.st_mtim;
    packet.statp.st_ctim = file.status.st_ctim;
    packet.statp.st_nlink = 1;
    packet.no_read = false;
    packet.portable = true;
    packet.flags = 0;
    return bRC_OK;
}

bRC BaculaJob::end_backup_file() {
    ++next_file_;
    if (next_file_ < files_.size())
        return bRC_More;
    files_.clear();
    next_file_ = 0;
    backup_spool_.reset();  // every byte has gone to Bacula
    return bRC_OK;
}

bool BaculaJob::owns_path(const char* fname) const {
    const std::string root = "/@" + std::string(kBridgeName) + "/";
    return fname != nullptr && std::string_view(fname).starts_with(root);
}

bRC BaculaJob::plugin_io(io_pkt& packet) {
    if (packet.pkt_size != BACULA_IO_PKT_SIZE)
        return fatal("the file daemon's io_pkt has " + std::to_string(packet.pkt_size) +
                     " bytes; this bridge is built for " + std::to_string(BACULA_IO_PKT_SIZE));
    packet.status = -1;
    packet.io_errno = 0;
    switch (packet.func) {
        case IO_OPEN:
            return open_for_io(packet);
        case IO_READ:
            return read_for_io(packet);
        case IO_WRITE:
            return write_for_io(packet);
        case IO_CLOSE:
            return close_for_io(packet);
        default:
            packet.io_errno = EINVAL;
            return fatal("the bridge's files do not support I/O function " +
                         std::to_string(packet.func));
    }
}

bRC BaculaJob::read_for_io(io_pkt& packet) {
    const ssize_t got = ::read(fd_, packet.buf, static_cast<std::size_t>(packet.count));
    if (got < 0) {
        packet.io_errno = errno;
        return fatal("cannot read " + current_fname_ + ": " + std::strerror(errno));
    }
    packet.status = static_cast<int32_t>(got);
    return bRC_OK;
}

bRC BaculaJob::write_for_io(io_pkt& packet) {
    std::size_t done = 0;
    const auto count = static_cast<std::size_t>(packet.count);
    while (done < count) {
        const ssize_t put = ::write(fd_, packet.buf + done, count - done);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0) {
            packet.io_errno = errno;
            return fatal("cannot write " + restore_path_.string() + ": " + std::strerror(errno));
        }
        done += static_cast<std::size_t>(put);
    }
    packet.status = packet.count;
    return bRC_OK;
}

bRC BaculaJob::close_for_io(io_pkt& packet) {
    const int closed = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = -1;
    if (closed != 0 && !reading_) {
        packet.io_errno = errno;
        return fatal("cannot write " + restore_path_.string() + ": " + std::strerror(errno));
    }
    packet.status = 0;
    return bRC_OK;
}

bRC BaculaJob::open_for_io(io_pkt& packet) {
    if (fd_ >= 0)
        ::close(fd_);
    reading_ = (packet.flags & O_ACCMODE) == O_RDONLY;
    if (reading_) {
        if (next_file_ >= files_.size())
            return fatal("Bacula opened a file that the bridge did not offer");
        fd_ = ::open(files_[next_file_].real_path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    } else {
        fd_ = ::open(restore_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                     0600);
    }
    if (fd_ < 0) {
        packet.io_errno = errno;
        return fatal("cannot open " +
                     (reading_ ? files_[next_file_].real_path : restore_path_).string() + ": " +
                     std::strerror(errno));
    }
    packet.status = 0;
    return bRC_OK;
}

}  // namespace certbackup::bacula
