#include "host-sdk/storage/tar_set_writer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "certbackup/base/write_all.hpp"
#include "host-sdk/storage/archive_ptr.hpp"
#include "host-sdk/storage/item_name.hpp"
#include "host-sdk/storage/private_modes.hpp"
#include "host-sdk/storage/spool.hpp"
#include "host-sdk/storage/tar_locale.hpp"

namespace backup_host {

using certbackup::Error, certbackup::ErrorCode, certbackup::fail, certbackup::Result,
    certbackup::UniqueFd;
namespace fs = std::filesystem;

namespace {

// The temporary and final names of a tar file target.
struct TarFilePaths {
    fs::path temp;
    fs::path final_path;
};

class TarSetSink final : public SetSink {
  public:
    TarSetSink(StorageIo io, std::unique_ptr<WritableFile> out, std::optional<TarFilePaths> file,
               SystemTime created, UniqueFd spool)
        : io_(io),
          out_(std::move(out)),
          out_name_(out_->name()),
          file_(std::move(file)),
          mtime_(std::chrono::system_clock::to_time_t(created)),
          spool_(std::move(spool)) {}

    ~TarSetSink() override { close_without_output(); }

    Result<void> start() {
        const ScopedUtf8Locale utf8;
        archive_.reset(archive_write_new());
        if (!archive_)
            return fail(ErrorCode::io, "cannot set up a tar writer (out of memory)");
        if (archive_write_set_format_pax_restricted(archive_.get()) != ARCHIVE_OK ||
            archive_write_open2(archive_.get(), this, nullptr, &TarSetSink::write_callback, nullptr,
                                nullptr) != ARCHIVE_OK)
            return archive_failure("cannot start the tar stream");
        return {};
    }

    Result<void> begin_item(const std::string& name) override {
        item_name_ = name;
        if (::ftruncate(spool_.get(), 0) != 0 || ::lseek(spool_.get(), 0, SEEK_SET) != 0)
            return spool_failure();
        return {};
    }

    Result<void> write(std::span<const std::uint8_t> bytes) override {
        if (certbackup::write_all(spool_.get(), bytes) != 0)
            return spool_failure();
        return {};
    }

    Result<void> end_item(std::uint64_t size) override {
        const ScopedUtf8Locale utf8;
        return add_member(item_name_, size, [&](auto&& emit) -> Result<void> {
            if (::lseek(spool_.get(), 0, SEEK_SET) != 0)
                return spool_failure();
            std::vector<std::uint8_t> chunk(65536);
            std::uint64_t copied = 0;
            while (copied < size) {
                const ssize_t n = ::read(spool_.get(), chunk.data(), chunk.size());
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    return n < 0 ? spool_failure()
                                 : fail(ErrorCode::io, "the spool file of the item is short");
                if (auto emitted = emit(std::span(chunk).first(static_cast<std::size_t>(n)));
                    !emitted)
                    return emitted;
                copied += static_cast<std::uint64_t>(n);
            }
            return {};
        });
    }

    Result<void> commit(std::span<const std::uint8_t> record) override {
        const ScopedUtf8Locale utf8;
        auto added = add_member(std::string(kRecordName), record.size(),
                                [&](auto&& emit) { return emit(record); });
        if (!added)
            return added;
        if (archive_write_close(archive_.get()) != ARCHIVE_OK)
            return archive_failure("cannot finish the tar stream");
        closed_ = true;
        if (auto synced = out_->sync(); !synced)
            return synced;
        auto closed = out_->close();
        out_.reset();
        if (!closed)
            return closed;
        if (!file_)
            return {};
        if (auto renamed = io_.env.rename(file_->temp, file_->final_path); !renamed)
            return renamed;
        published_ = true;
        if (auto synced = io_.env.sync_dir(file_->final_path.parent_path()); !synced)
            return fail(synced.error().code,
                        "set written to " + file_->final_path.string() +
                            " but its directory could not be synced, so it may not survive a "
                            "power failure: " +
                            synced.error().message);
        return {};
    }

    Result<void> abort() override {
        close_without_output();
        out_.reset();
        if (file_ && !published_)
            return io_.env.remove_file(file_->temp);
        return {};
    }

    std::string destination() const override {
        return file_ ? file_->final_path.string() : out_name_;
    }

  private:
    // Closes the archive without letting anything more reach the output: the end-of-archive
    // blocks would make an aborted stream look finished. (archive_write_fail would skip the
    // close, but then libarchive 3.6 leaks its output buffer.)
    void close_without_output() {
        if (!archive_ || closed_)
            return;
        const ScopedUtf8Locale utf8;
        discarding_ = true;
        (void)archive_write_close(archive_.get());
        closed_ = true;
    }

    // Writes one member: its header, then the bytes that `body` hands to the emitter.
    template <typename Body>
    Result<void> add_member(const std::string& name, std::uint64_t size, Body&& body) {
        ArchiveEntryPtr entry(archive_entry_new());
        if (!entry)
            return fail(ErrorCode::io, "cannot set up a tar header (out of memory)");
        // Under the UTF-8 locale the name's bytes are its locale form (see tar_locale.hpp).
        archive_entry_copy_pathname(entry.get(), name.c_str());
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_perm(entry.get(), kPrivateFileMode);
        archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
        archive_entry_set_mtime(entry.get(), mtime_, 0);
        archive_entry_set_uid(entry.get(), 0);
        archive_entry_set_gid(entry.get(), 0);
        if (archive_write_header(archive_.get(), entry.get()) < ARCHIVE_WARN)
            return archive_failure("cannot write the tar header of " + quote_name(name));
        auto emit = [&](std::span<const std::uint8_t> bytes) -> Result<void> {
            const la_ssize_t n = archive_write_data(archive_.get(), bytes.data(), bytes.size());
            if (n < 0 || static_cast<std::size_t>(n) != bytes.size())
                return archive_failure("cannot write " + quote_name(name) + " to the tar stream");
            return {};
        };
        if (auto written = body(emit); !written)
            return written;
        if (archive_write_finish_entry(archive_.get()) < ARCHIVE_WARN)
            return archive_failure("cannot finish " + quote_name(name) + " in the tar stream");
        return {};
    }

    static la_ssize_t write_callback(archive* a, void* client, const void* buffer, size_t length) {
        auto* self = static_cast<TarSetSink*>(client);
        if (self->discarding_) {
            archive_set_error(a, ECANCELED, "the set was aborted");
            return -1;
        }
        auto appended =
            self->out_->append(std::span(static_cast<const std::uint8_t*>(buffer), length));
        if (!appended) {
            self->output_error_ = appended.error();
            archive_set_error(a, EIO, "%s", appended.error().message.c_str());
            return -1;
        }
        return static_cast<la_ssize_t>(length);
    }

    // The error of the output (as the write callback saw it) or libarchive's own.
    std::unexpected<Error> archive_failure(const std::string& what) {
        if (output_error_)
            return std::unexpected(*output_error_);
        const char* detail = archive_ ? archive_error_string(archive_.get()) : nullptr;
        return fail(ErrorCode::io,
                    what + ": " + (detail != nullptr ? detail : "libarchive gave no detail"));
    }

    std::unexpected<Error> spool_failure() const {
        return fail(ErrorCode::io, std::string("cannot use the spool file of the tar target: ") +
                                       std::strerror(errno));
    }

    StorageIo io_;
    std::unique_ptr<WritableFile> out_;
    std::string out_name_;
    std::optional<TarFilePaths> file_;
    std::time_t mtime_;
    UniqueFd spool_;
    ArchiveWritePtr archive_;
    bool closed_ = false;
    bool discarding_ = false;  // aborting: the write callback passes nothing on
    bool published_ = false;
    std::optional<Error> output_error_;
    std::string item_name_;  // the item being spooled
};

// What every tar writer needs before it touches its output.
struct TarScratch {
    Sha256Stream hash;
    UniqueFd spool;
};

Result<TarScratch> make_scratch(const fs::path& spool_parent) {
    auto hash = Sha256Stream::create();
    if (!hash)
        return std::unexpected(hash.error());
    auto spool = open_anonymous_file(spool_parent);
    if (!spool)
        return std::unexpected(spool.error());
    return TarScratch{std::move(*hash), std::move(*spool)};
}

Result<std::unique_ptr<SetWriter>> create_tar_set(StorageIo io, std::unique_ptr<WritableFile> out,
                                                  std::optional<TarFilePaths> file, NewSet info,
                                                  TarScratch scratch) {
    auto sink = std::make_unique<TarSetSink>(io, std::move(out), std::move(file), info.created,
                                             std::move(scratch.spool));
    if (auto started = sink->start(); !started) {
        (void)sink->abort();
        return std::unexpected(started.error());
    }
    return std::make_unique<SetWriter>(make_set_id(info.created), std::move(info), std::move(sink),
                                       std::move(scratch.hash));
}

}  // namespace

Result<std::unique_ptr<SetWriter>> create_tar_file_set(StorageIo io, const fs::path& tar_path,
                                                       NewSet info, const fs::path& spool_parent) {
    auto scratch = make_scratch(spool_parent);
    if (!scratch)
        return std::unexpected(scratch.error());
    TarFilePaths paths{certbackup::temp_sibling(tar_path), tar_path};
    auto out = io.files.create(paths.temp, kPrivateFileMode);
    if (!out)
        return std::unexpected(out.error().with_context("tar file " + tar_path.string()));
    return create_tar_set(io, std::move(*out), std::move(paths), std::move(info),
                          std::move(*scratch));
}

Result<std::unique_ptr<SetWriter>> create_tar_stream_set(StorageIo io, int fd, std::string name,
                                                         NewSet info,
                                                         const fs::path& spool_parent) {
    auto scratch = make_scratch(spool_parent);
    if (!scratch)
        return std::unexpected(scratch.error());
    auto out = io.files.adopt(fd, std::move(name));
    if (!out)
        return std::unexpected(out.error());
    return create_tar_set(io, std::move(*out), std::nullopt, std::move(info), std::move(*scratch));
}

}  // namespace backup_host
