#include "host-sdk/storage/tar_set_reader.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <vector>

#include "host-sdk/storage/archive_ptr.hpp"
#include "host-sdk/storage/item_name.hpp"
#include "host-sdk/storage/private_modes.hpp"
#include "host-sdk/storage/set_record.hpp"
#include "host-sdk/storage/spool.hpp"
#include "host-sdk/storage/tar_locale.hpp"

namespace backup_host {

using certbackup::Env, certbackup::Error, certbackup::ErrorCode, certbackup::fail,
    certbackup::Result, certbackup::UniqueFd;
namespace fs = std::filesystem;

namespace {

struct SpooledItem {
    std::uint64_t size = 0;
    std::string sha256_hex;
};

// Removes the spool directory unless it was handed over.
class SpoolGuard {
  public:
    SpoolGuard(Env& env, fs::path root) : env_(env), root_(std::move(root)) {}
    ~SpoolGuard() {
        if (armed_)
            (void)env_.remove_tree(root_);
    }
    SpoolGuard(const SpoolGuard&) = delete;
    SpoolGuard& operator=(const SpoolGuard&) = delete;
    void disarm() { armed_ = false; }

  private:
    Env& env_;
    fs::path root_;
    bool armed_ = true;
};

class TarUnpacker {
  public:
    TarUnpacker(StorageIo io, int fd, std::string origin, fs::path spool, const TarLimits& limits)
        : io_(io), fd_(fd), origin_(std::move(origin)), spool_(std::move(spool)), limits_(limits) {}

    Result<RecordFile> run() {
        const ScopedUtf8Locale utf8;
        archive_.reset(archive_read_new());
        if (!archive_)
            return fail(ErrorCode::io, "cannot set up a tar reader (out of memory)");
        archive_read_support_format_tar(archive_.get());
        if (archive_read_open(archive_.get(), this, nullptr, &TarUnpacker::read_callback,
                              nullptr) != ARCHIVE_OK)
            return damaged("it cannot be opened as a tar stream");
        auto hash = Sha256Stream::create();
        if (!hash)
            return std::unexpected(hash.error());
        for (;;) {
            archive_entry* entry = nullptr;
            const int status = archive_read_next_header(archive_.get(), &entry);
            if (status == ARCHIVE_EOF)
                break;
            if (status < ARCHIVE_WARN)
                return damaged("a tar header cannot be read");
            if (auto unpacked = unpack(entry, *hash); !unpacked)
                return std::unexpected(unpacked.error());
        }
        if (auto drained = drain(); !drained)
            return std::unexpected(drained.error());
        return check_against_record();
    }

  private:
    Result<void> unpack(archive_entry* entry, Sha256Stream& hash) {
        auto name = member_name(entry);
        if (!name)
            return std::unexpected(name.error());
        if (++members_ > limits_.max_members)
            return over_limit("more than " + std::to_string(limits_.max_members) + " members",
                              "tar_max_members");
        // A header that announces more data than the limit leaves is refused before its data.
        // (set.pb has its own bound, kMaxRecordBytes.)
        if (*name != kRecordName && archive_entry_size_is_set(entry) != 0 &&
            archive_entry_size(entry) > 0 &&
            static_cast<std::uint64_t>(archive_entry_size(entry)) >
                limits_.max_item_bytes - std::min(item_bytes_, limits_.max_item_bytes))
            return over_item_bytes();
        const auto type = archive_entry_filetype(entry);
        if (type == AE_IFDIR) {
            // Directories come from the items' names; a directory member only has to be sane.
            if (name->empty())
                return {};
            if (auto checked = check_item_name(*name); !checked)
                return refuse_member(*name, checked.error().message);
            return {};
        }
        if (type != AE_IFREG || archive_entry_hardlink(entry) != nullptr)
            return refuse_member(*name,
                                 "it is not a regular file (a link, device or FIFO); a "
                                 "backup set holds regular files only");
        if (*name == kRecordName)
            return read_record();
        if (auto added = names_.add(*name); !added)
            return refuse_member(*name, added.error().message);
        return spool_item(*name, hash);
    }

    // The member's name as an item name: UTF-8, without a leading "./" or trailing "/".
    Result<std::string> member_name(archive_entry* entry) {
        const char* utf8 = archive_entry_pathname_utf8(entry);
        const char* raw = utf8 != nullptr ? utf8 : archive_entry_pathname(entry);
        if (raw == nullptr)
            return damaged("a member has no name");
        std::string_view name = raw;
        while (name.starts_with("./"))
            name.remove_prefix(2);
        if (name == ".")
            name = {};
        if (archive_entry_filetype(entry) == AE_IFDIR)
            while (name.ends_with('/'))
                name.remove_suffix(1);
        return std::string(name);
    }

    Result<void> read_record() {
        if (record_bytes_)
            return refuse_member(std::string(kRecordName), "it appears twice");
        std::vector<std::uint8_t> bytes;
        auto copied = copy_data(std::string(kRecordName), [&](std::span<const std::uint8_t> b) {
            if (bytes.size() + b.size() > kMaxRecordBytes)
                return Result<void>(
                    fail(ErrorCode::corrupt, "set.pb of " + origin_ + " is larger than 64 MiB"));
            bytes.insert(bytes.end(), b.begin(), b.end());
            return Result<void>();
        });
        if (!copied)
            return copied;
        record_bytes_ = std::move(bytes);
        return {};
    }

    Result<void> spool_item(const std::string& name, Sha256Stream& hash) {
        for (std::size_t slash = name.find('/'); slash != std::string::npos;
             slash = name.find('/', slash + 1)) {
            const std::string dir = name.substr(0, slash);
            if (!directories_.insert(dir).second)
                continue;
            if (auto made = io_.env.create_dir(spool_ / dir, kPrivateDirectoryMode); !made)
                return made;
        }
        auto file = io_.files.create(spool_ / name, kPrivateFileMode);
        if (!file)
            return std::unexpected(file.error());
        std::uint64_t size = 0;
        auto copied = copy_data(name, [&](std::span<const std::uint8_t> bytes) -> Result<void> {
            size += bytes.size();
            item_bytes_ += bytes.size();
            if (item_bytes_ > limits_.max_item_bytes)
                return over_item_bytes();
            if (auto hashed = hash.update(bytes); !hashed)
                return hashed;
            return (*file)->append(bytes);
        });
        if (!copied)
            return copied;
        if (auto closed = (*file)->close(); !closed)
            return closed;
        auto digest = hash.finish_hex();
        if (!digest)
            return std::unexpected(digest.error());
        spooled_[name] = SpooledItem{size, std::move(*digest)};
        return {};
    }

    // Passes the current member's data to `sink` block by block.
    template <typename Sink>
    Result<void> copy_data(const std::string& name, Sink&& sink) {
        std::uint64_t next_offset = 0;
        for (;;) {
            const void* block = nullptr;
            size_t size = 0;
            la_int64_t offset = 0;
            const int status = archive_read_data_block(archive_.get(), &block, &size, &offset);
            if (status == ARCHIVE_EOF)
                return {};
            if (status < ARCHIVE_WARN)
                return damaged("member " + quote_name(name) + " cannot be read");
            // A sparse member comes with holes (offset jumps); a set never has one.
            if (offset < 0 || static_cast<std::uint64_t>(offset) != next_offset)
                return refuse_member(name, "it is a sparse file; a backup set holds none");
            next_offset += size;
            if (auto passed = sink(std::span(static_cast<const std::uint8_t*>(block), size));
                !passed)
                return passed;
        }
    }

    Result<RecordFile> check_against_record() {
        if (!record_bytes_)
            return fail(ErrorCode::corrupt,
                        "tar stream " + origin_ +
                            " has no set record (set.pb): it is incomplete (cut short, or the "
                            "backup failed) or not a backup set");
        auto file = parse_record_file(*record_bytes_, "set.pb in " + origin_);
        if (!file)
            return std::unexpected(file.error());
        const proto::BackupSet* record = &file->record;
        std::set<std::string, std::less<>> recorded;
        for (const auto& item : record->items()) {
            recorded.insert(item.name());
            const auto found = spooled_.find(item.name());
            if (found == spooled_.end())
                return fail(ErrorCode::not_found, "item " + quote_name(item.name()) + " of set " +
                                                      record->set_id() + " is missing from " +
                                                      origin_);
            if (found->second.size != item.size() || found->second.sha256_hex != item.sha256_hex())
                return fail(ErrorCode::corrupt,
                            "item " + quote_name(item.name()) + " of set " + record->set_id() +
                                " in " + origin_ +
                                " is damaged: " + std::to_string(found->second.size) +
                                " bytes with SHA-256 " + found->second.sha256_hex +
                                ", the set record says " + std::to_string(item.size()) +
                                " bytes with SHA-256 " + item.sha256_hex());
        }
        for (const auto& [name, spooled] : spooled_) {
            if (!recorded.contains(name))
                return fail(ErrorCode::corrupt, "tar stream " + origin_ + " holds " +
                                                    quote_name(name) +
                                                    ", which its set record does not list");
        }
        return file;
    }

    // Reads what follows the end of the archive up to end-of-file.
    Result<void> drain() {
        std::uint8_t chunk[65536];
        for (;;) {
            const ssize_t n = ::read(fd_, chunk, sizeof chunk);
            if (n == 0)
                return {};
            if (n < 0 && errno != EINTR)
                return fail(ErrorCode::io, "cannot read " + origin_ + ": " + std::strerror(errno));
        }
    }

    static la_ssize_t read_callback(archive* a, void* client, const void** buffer) {
        auto* self = static_cast<TarUnpacker*>(client);
        for (;;) {
            const ssize_t n = ::read(self->fd_, self->buffer_.data(), self->buffer_.size());
            if (n >= 0) {
                *buffer = self->buffer_.data();
                return n;
            }
            if (errno != EINTR) {
                archive_set_error(a, errno, "cannot read: %s", std::strerror(errno));
                return -1;
            }
        }
    }

    std::unexpected<Error> damaged(const std::string& what) {
        const char* detail = archive_ ? archive_error_string(archive_.get()) : nullptr;
        return fail(ErrorCode::corrupt, "tar stream " + origin_ +
                                            " is damaged or truncated: " + what + " (" +
                                            (detail != nullptr ? detail : "no detail") + ")");
    }

    // A hostile or broken stream: corrupt (exit 4), as any other damage to a set.
    std::unexpected<Error> refuse_member(const std::string& name, const std::string& why) {
        return fail(ErrorCode::corrupt, "tar stream " + origin_ + " is refused: member " +
                                            quote_name(name) + ": " + why);
    }

    std::unexpected<Error> over_limit(const std::string& what, const std::string& key) {
        return fail(ErrorCode::corrupt,
                    "tar stream " + origin_ + " is refused: it holds " + what +
                        ", more than this host reads from one stream (raise [limits] " + key +
                        " in the configuration if the set is genuine)");
    }
    std::unexpected<Error> over_item_bytes() {
        return over_limit(
            "more than " + std::to_string(limits_.max_item_bytes) + " bytes of item data",
            "tar_max_bytes");
    }

    StorageIo io_;
    int fd_;
    std::string origin_;
    fs::path spool_;
    ArchiveReadPtr archive_;
    std::vector<std::uint8_t> buffer_ = std::vector<std::uint8_t>(65536);
    ItemNameTree names_;
    std::set<std::string> directories_;
    std::map<std::string, SpooledItem> spooled_;
    std::optional<std::vector<std::uint8_t>> record_bytes_;
    TarLimits limits_;
    std::uint64_t members_ = 0;
    std::uint64_t item_bytes_ = 0;
};

}  // namespace

Result<std::unique_ptr<SetReader>> open_tar_stream(StorageIo io, int fd, std::string name,
                                                   const fs::path& spool_parent,
                                                   const TarLimits& limits) {
    auto spool = make_private_directory(spool_parent, "backup-host-restore-");
    if (!spool)
        return std::unexpected(spool.error());
    SpoolGuard guard(io.env, *spool);
    TarUnpacker unpacker(io, fd, name, *spool, limits);
    auto record = unpacker.run();
    if (!record)
        return std::unexpected(record.error());
    guard.disarm();
    return std::make_unique<SetReader>(io.env, *spool, std::move(*record), std::move(name), true);
}

Result<std::unique_ptr<SetReader>> open_tar_file(StorageIo io, const fs::path& tar_path,
                                                 const fs::path& spool_parent,
                                                 const TarLimits& limits) {
    UniqueFd fd(::open(tar_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        return fail(errno == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                    "cannot open " + tar_path.string() + ": " + std::strerror(errno));
    return open_tar_stream(io, fd.get(), tar_path.string(), spool_parent, limits);
}

}  // namespace backup_host
