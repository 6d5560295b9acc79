#include "tree_scan.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "posix_file.hpp"

namespace files_plugin {

using backup_host::fail;
using backup_host::Result;
using backup_host::Status;

namespace {

Entry entry_from_stat(EntryKind kind, std::string path, const struct stat& st) {
    Entry entry;
    entry.kind = kind;
    entry.path = std::move(path);
    entry.mode = st.st_mode & 07777;
    entry.mtime_seconds = st.st_mtim.tv_sec;
    entry.mtime_nanoseconds = static_cast<std::uint32_t>(st.st_mtim.tv_nsec);
    entry.size = kind == EntryKind::file ? static_cast<std::uint64_t>(st.st_size) : 0;
    return entry;
}

const char* type_name(mode_t mode) {
    if (S_ISLNK(mode))
        return "a symbolic link";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISFIFO(mode))
        return "a FIFO";
    return "of an unknown type";
}

// The names in `directory`, sorted bytewise, without "." and "..".
Result<std::vector<std::string>> list_names(const std::filesystem::path& directory) {
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(directory.c_str()), &::closedir);
    if (!dir)
        return fail_system("read directory", directory);
    std::vector<std::string> names;
    for (;;) {
        errno = 0;
        const dirent* entry = ::readdir(dir.get());
        if (entry == nullptr) {
            if (errno != 0)
                return fail_system("read directory", directory);
            break;
        }
        const std::string name = entry->d_name;
        if (name != "." && name != "..")
            names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

// Appends the entries below `relative` (already listed) in tree order.
Result<void> scan_directory(const std::filesystem::path& root, const std::string& relative,
                            const backup_host::Host& host, Manifest& manifest, ScanTotals& totals) {
    if (auto go_on = host.check_cancelled(); !go_on)
        return go_on;
    const std::filesystem::path directory = relative == "." ? root : root / relative;
    auto names = list_names(directory);
    if (!names)
        return std::unexpected(names.error());
    for (const std::string& name : *names) {
        const std::string path = relative == "." ? name : relative + "/" + name;
        const std::filesystem::path full = directory / name;
        struct stat st {};
        if (::lstat(full.c_str(), &st) != 0) {
            if (errno == ENOENT)
                continue;  // removed since the directory was read: not part of this backup
            return fail_system("inspect", full);
        }
        if (S_ISDIR(st.st_mode)) {
            manifest.entries.push_back(entry_from_stat(EntryKind::directory, path, st));
            ++totals.directories;
            if (auto below = scan_directory(root, path, host, manifest, totals); !below)
                return below;
        } else if (S_ISREG(st.st_mode)) {
            manifest.entries.push_back(entry_from_stat(EntryKind::file, path, st));
            ++totals.files;
            totals.bytes += static_cast<std::uint64_t>(st.st_size);
        } else {
            ++totals.skipped;
            host.warn("skipping " + full.string() + ": it is " + type_name(st.st_mode) +
                      "; the files plugin backs up regular files and directories only");
        }
    }
    return {};
}

}  // namespace

Result<Manifest> scan_tree(const std::filesystem::path& root, const backup_host::Host& host,
                           ScanTotals& totals) {
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0) {
        const int error = errno;
        if (error == ENOENT)
            return fail(Status::bad_usage, "the directory to back up, " + root.string() +
                                               ", does not exist (option 'path')");
        return fail_system("inspect", root, error);
    }
    if (!S_ISDIR(st.st_mode))
        return fail(Status::bad_usage, root.string() +
                                           " is not a directory (option 'path' names the directory "
                                           "to back up)");
    totals = ScanTotals{};
    Manifest manifest;
    manifest.entries.push_back(entry_from_stat(EntryKind::directory, ".", st));
    if (auto listed = scan_directory(root, ".", host, manifest, totals); !listed)
        return std::unexpected(listed.error());
    return manifest;
}

}  // namespace files_plugin
