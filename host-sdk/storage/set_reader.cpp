#include "host-sdk/storage/set_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "host-sdk/storage/item_name.hpp"

namespace backup_host {

using certbackup::Env, certbackup::Error, certbackup::ErrorCode, certbackup::fail,
    certbackup::Result, certbackup::UniqueFd;
namespace fs = std::filesystem;

namespace {

std::unexpected<Error> open_error(const fs::path& path, int err) {
    if (err == ENOENT)
        return fail(ErrorCode::not_found, path.string() + " does not exist");
    if (err == ELOOP || err == ENOTDIR)
        return fail(ErrorCode::corrupt,
                    path.string() +
                        " (or a directory above it) is a symbolic link or not what "
                        "a backup set holds there");
    return fail(ErrorCode::io, "cannot open " + path.string() + ": " + std::strerror(err));
}

ssize_t read_retrying(int fd, void* buffer, std::size_t size) {
    for (;;) {
        const ssize_t n = ::read(fd, buffer, size);
        if (n >= 0 || errno != EINTR)
            return n;
    }
}

}  // namespace

Result<UniqueFd> open_file_below(const fs::path& root, std::string_view relative) {
    UniqueFd dir(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir.valid())
        return open_error(root, errno);
    fs::path path = root;
    std::size_t start = 0;
    for (std::size_t slash = relative.find('/'); slash != std::string_view::npos;
         slash = relative.find('/', start)) {
        const std::string component(relative.substr(start, slash - start));
        path /= component;
        UniqueFd next(::openat(dir.get(), component.c_str(),
                               O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!next.valid())
            return open_error(path, errno);
        dir = std::move(next);
        start = slash + 1;
    }
    const std::string leaf(relative.substr(start));
    path /= leaf;
    // O_NONBLOCK: opening a planted FIFO must not wait for a writer.
    UniqueFd file(
        ::openat(dir.get(), leaf.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!file.valid())
        return open_error(path, errno);
    struct stat st {};
    if (::fstat(file.get(), &st) != 0)
        return fail(ErrorCode::io, "cannot stat " + path.string() + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fail(ErrorCode::corrupt, path.string() + " is not a regular file");
    return file;
}

Result<std::vector<std::uint8_t>> read_file_below(const fs::path& root, std::string_view relative,
                                                  std::size_t limit) {
    auto fd = open_file_below(root, relative);
    if (!fd)
        return std::unexpected(fd.error());
    std::vector<std::uint8_t> bytes;
    std::uint8_t chunk[65536];
    for (;;) {
        const ssize_t n = read_retrying(fd->get(), chunk, sizeof chunk);
        if (n < 0)
            return fail(ErrorCode::io,
                        "cannot read " + (root / relative).string() + ": " + std::strerror(errno));
        if (n == 0)
            return bytes;
        if (bytes.size() + static_cast<std::size_t>(n) > limit)
            return fail(ErrorCode::corrupt, (root / relative).string() + " is larger than " +
                                                std::to_string(limit) + " bytes");
        bytes.insert(bytes.end(), chunk, chunk + n);
    }
}

CheckedItemReader::CheckedItemReader(UniqueFd fd, proto::ItemRecord item, std::string origin,
                                     Sha256Stream hash)
    : fd_(std::move(fd)),
      item_(std::move(item)),
      origin_(std::move(origin)),
      hash_(std::move(hash)) {}

std::unexpected<Error> CheckedItemReader::corrupt(const std::string& what) {
    failure_ = Error{ErrorCode::corrupt, "item " + quote_name(item_.name()) + " of set " + origin_ +
                                             " is damaged: " + what +
                                             " (use another backup set, or a copy of this one)"};
    return std::unexpected(*failure_);
}

Result<std::size_t> CheckedItemReader::read(std::span<std::uint8_t> buffer) {
    if (failure_)
        return std::unexpected(*failure_);
    if (verified_)
        return 0;
    if (buffer.empty())
        return fail(ErrorCode::invalid_argument,
                    "read of item " + quote_name(item_.name()) + " with an empty buffer");
    return read_some(buffer);
}

Result<std::size_t> CheckedItemReader::read_some(std::span<std::uint8_t> buffer) {
    const std::uint64_t remaining = item_.size() - done_;
    if (remaining == 0) {
        std::uint8_t extra = 0;
        const ssize_t n = read_retrying(fd_.get(), &extra, 1);
        if (n < 0) {
            failure_ = Error{ErrorCode::io, "cannot read item " + quote_name(item_.name()) +
                                                " of set " + origin_ + ": " + std::strerror(errno)};
            return std::unexpected(*failure_);
        }
        if (n > 0)
            return corrupt("it is longer than the recorded " + std::to_string(item_.size()) +
                           " bytes");
        auto digest = hash_.finish_hex();
        if (!digest) {
            failure_ = digest.error();
            return std::unexpected(*failure_);
        }
        if (*digest != item_.sha256_hex())
            return corrupt("its SHA-256 is " + *digest + ", the set record says " +
                           item_.sha256_hex());
        verified_ = true;
        fd_.reset();
        return 0;
    }
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), remaining));
    const ssize_t n = read_retrying(fd_.get(), buffer.data(), want);
    if (n < 0) {
        failure_ = Error{ErrorCode::io, "cannot read item " + quote_name(item_.name()) +
                                            " of set " + origin_ + ": " + std::strerror(errno)};
        return std::unexpected(*failure_);
    }
    if (n == 0)
        return corrupt("it has " + std::to_string(done_) + " bytes, the set record says " +
                       std::to_string(item_.size()));
    const auto got = static_cast<std::size_t>(n);
    if (auto hashed = hash_.update(buffer.first(got)); !hashed) {
        failure_ = hashed.error();
        return std::unexpected(*failure_);
    }
    done_ += got;
    return got;
}

SetReader::SetReader(Env& env, fs::path root, RecordFile record, std::string origin, bool owns_root)
    : env_(env),
      root_(std::move(root)),
      record_(std::move(record.record)),
      authenticated_part_(record.authenticated_part),
      origin_(std::move(origin)),
      owns_root_(owns_root) {
    for (int i = 0; i < record_.items_size(); ++i)
        index_.emplace(record_.items(i).name(), i);
}

SetReader::~SetReader() {
    if (owns_root_)
        (void)env_.remove_tree(root_);
}

const proto::ItemRecord* SetReader::find_item(std::string_view name) const {
    const auto found = index_.find(std::string(name));
    return found == index_.end() ? nullptr : &record_.items(found->second);
}

Result<std::unique_ptr<CheckedItemReader>> SetReader::open_item(std::string_view name) const {
    const proto::ItemRecord* item = find_item(name);
    if (item == nullptr)
        return fail(ErrorCode::not_found, "set " + origin_ + " has no item " + quote_name(name));
    auto fd = open_file_below(root_, item->name());
    if (!fd) {
        if (fd.error().code == ErrorCode::not_found)
            return fail(ErrorCode::not_found, "item " + quote_name(name) + " of set " + origin_ +
                                                  " is missing: " + fd.error().message);
        return std::unexpected(
            fd.error().with_context("item " + quote_name(name) + " of set " + origin_));
    }
    auto hash = Sha256Stream::create();
    if (!hash)
        return std::unexpected(hash.error());
    return std::make_unique<CheckedItemReader>(std::move(*fd), *item, origin_, std::move(*hash));
}

Result<void> SetReader::verify() const {
    std::vector<std::uint8_t> buffer(65536);
    for (const auto& item : record_.items()) {
        auto reader = open_item(item.name());
        if (!reader)
            return std::unexpected(reader.error());
        for (;;) {
            auto n = (*reader)->read(buffer);
            if (!n)
                return std::unexpected(n.error());
            if (*n == 0)
                break;
        }
    }
    return {};
}

}  // namespace backup_host
