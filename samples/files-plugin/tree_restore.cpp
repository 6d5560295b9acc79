#include "tree_restore.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "posix_file.hpp"

namespace files_plugin {

using backup_host::fail;
using backup_host::Overwrite;
using backup_host::Result;
using backup_host::Status;

namespace {

constexpr std::size_t chunk_size = 256 * 1024;

std::string parent_of(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash);
}

// "./a/b/" -> "a/b"; "" and "." mean the whole tree.
std::string normalize_selection(std::string entry) {
    while (entry.starts_with("./"))
        entry.erase(0, 2);
    while (entry.size() > 1 && entry.ends_with('/'))
        entry.pop_back();
    return entry.empty() ? "." : entry;
}

bool is_within(const std::string& path, const std::string& selected) {
    return selected == "." || path == selected ||
           (path.size() > selected.size() && path.starts_with(selected) &&
            path[selected.size()] == '/');
}

// Which entries a restore touches: the selected ones and the directories above them.
Result<std::vector<bool>> select_entries(const Manifest& manifest,
                                         const std::vector<std::string>& selection) {
    std::vector<bool> included(manifest.entries.size(), selection.empty());
    if (selection.empty())
        return included;
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < manifest.entries.size(); ++i)
        index.emplace(manifest.entries[i].path, i);
    for (const std::string& raw : selection) {
        const std::string selected = normalize_selection(raw);
        bool matched = false;
        for (std::size_t i = 0; i < manifest.entries.size(); ++i) {
            if (!is_within(manifest.entries[i].path, selected))
                continue;
            matched = true;
            included[i] = true;
            for (std::string up = manifest.entries[i].path; up != ".";) {
                up = parent_of(up);
                included[index.at(up)] = true;
            }
        }
        if (!matched)
            return fail(Status::not_found, "nothing in the backup matches '" + raw +
                                               "' (option select: relative paths as backed up)");
    }
    return included;
}

// Removes a temporary file unless released.
class TemporaryFile {
  public:
    explicit TemporaryFile(std::string path) : path_(std::move(path)) {}
    ~TemporaryFile() {
        if (!path_.empty())
            ::unlink(path_.c_str());
    }
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;
    const std::string& path() const { return path_; }
    void release() { path_.clear(); }

  private:
    std::string path_;
};

struct ProgressCounter {
    std::uint64_t done = 0;
    std::uint64_t total = 0;
};

Result<void> restore_file(const Entry& entry, const std::filesystem::path& destination,
                          const backup_host::Host& host, ProgressCounter& progress) {
    const std::string item = item_name(entry);
    auto reader = host.open_item(item);
    if (!reader)
        return std::unexpected(reader.error());

    std::string pattern = (destination.parent_path() / ".files-plugin-XXXXXX").string();
    FileDescriptor fd(::mkstemp(pattern.data()));
    if (!fd.valid())
        return fail_system("create a temporary file in", destination.parent_path());
    TemporaryFile temporary(pattern);

    std::vector<std::uint8_t> buffer(chunk_size);
    auto copied = read_entry_item(*reader, buffer, entry, host, progress.done, progress.total,
                                  [&](std::span<const std::uint8_t> chunk) -> Result<void> {
                                      if (!write_all(fd.get(), chunk.data(), chunk.size()))
                                          return fail_system("write", destination);
                                      return {};
                                  });
    if (!copied)
        return copied;

    // Mode after the data (a write would clear set-user-ID bits), time last of all.
    const struct timespec times[2] = {
        {0, UTIME_OMIT},
        {static_cast<time_t>(entry.mtime_seconds), static_cast<long>(entry.mtime_nanoseconds)}};
    if (::fchmod(fd.get(), entry.mode) != 0)
        return fail_system("set the mode of", destination);
    if (::futimens(fd.get(), times) != 0)
        return fail_system("set the modification time of", destination);
    if (::fsync(fd.get()) != 0)
        return fail_system("flush", destination);
    if (fd.close() != 0)
        return fail_system("close", destination);
    if (::rename(temporary.path().c_str(), destination.c_str()) != 0)
        return fail_system("move the restored file into place at", destination);
    temporary.release();
    return {};
}

Result<void> set_directory_metadata(const Entry& entry, const std::filesystem::path& directory) {
    const struct timespec times[2] = {
        {0, UTIME_OMIT},
        {static_cast<time_t>(entry.mtime_seconds), static_cast<long>(entry.mtime_nanoseconds)}};
    if (::chmod(directory.c_str(), entry.mode) != 0)
        return fail_system("set the mode of", directory);
    if (::utimensat(AT_FDCWD, directory.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
        return fail_system("set the modification time of", directory);
    return {};
}

// Makes the new names in `directory` durable. A directory this user may not open for reading
// (mode 0300, say) cannot be flushed; that is not worth failing a finished restore for.
Result<void> sync_directory(const std::filesystem::path& directory) {
    FileDescriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid())
        return {};
    if (::fsync(fd.get()) != 0)
        return fail_system("flush directory", directory);
    return {};
}

}  // namespace

Result<void> read_entry_item(
    backup_host::ItemReader& reader, std::span<std::uint8_t> buffer, const Entry& entry,
    const backup_host::Host& host, std::uint64_t& done, std::uint64_t total,
    const std::function<Result<void>(std::span<const std::uint8_t>)>& take) {
    auto size = reader.read_chunks(buffer, [&](std::span<const std::uint8_t> chunk) {
        if (auto taken = take(chunk); !taken)
            return taken;
        done += chunk.size();
        host.progress(done, total, "bytes", entry.path);
        return Result<void>{};
    });
    if (!size)
        return std::unexpected(size.error());
    if (*size != entry.size)
        return fail(Status::corrupt, "item '" + reader.name() + "' holds " + std::to_string(*size) +
                                         " bytes, but the manifest lists " +
                                         std::to_string(entry.size));
    return {};
}

const char* to_string(Step step) {
    // Indexed by the value: the steps are numbered from 0 in this order.
    static constexpr const char* names[] = {"create", "replace", "keep", "skip"};
    static_assert(static_cast<std::size_t>(Step::skip) == std::size(names) - 1);
    const auto index = static_cast<std::size_t>(step);
    return index < std::size(names) ? names[index] : "unknown";
}

namespace {

// The step for an entry whose directory is kept (exists now): only there can something be in
// the way. The target itself may be a symbolic link to a directory; below it, links are never
// followed, so a restore cannot write outside the target.
Result<Step> step_in_existing_directory(const Entry& entry, bool is_root,
                                        const std::filesystem::path& destination,
                                        const std::filesystem::path& target, Overwrite overwrite) {
    struct stat st {};
    const int found =
        is_root ? ::stat(destination.c_str(), &st) : ::lstat(destination.c_str(), &st);
    if (found != 0) {
        if (errno != ENOENT)
            return fail_system("inspect", destination);
        return Step::create;
    }
    const Step when_present = overwrite == Overwrite::replace ? Step::replace : Step::skip;
    if (entry.kind == EntryKind::directory) {
        if (S_ISDIR(st.st_mode))
            return Step::keep;
        if (is_root)
            return fail(Status::bad_usage,
                        "the restore target " + target.string() + " exists and is not a directory");
        return when_present;
    }
    if (S_ISDIR(st.st_mode)) {
        if (overwrite == Overwrite::replace)
            return fail(Status::conflict, "cannot replace the directory " + destination.string() +
                                              " with a file from the backup; move the directory "
                                              "away first (nothing was restored)");
        return Step::skip;
    }
    return when_present;
}

// Adds `planned` to the plan's counts (created, replaced, skipped, bytes to write).
void count_planned(const PlannedEntry& planned, RestorePlan& plan) {
    switch (planned.step) {
        case Step::create:
            ++plan.created;
            break;
        case Step::replace:
            ++plan.replaced;
            break;
        case Step::skip:
            ++plan.skipped;
            break;
        case Step::keep:
            break;
    }
    if (planned.entry->kind == EntryKind::file &&
        (planned.step == Step::create || planned.step == Step::replace))
        plan.bytes += planned.entry->size;
}

}  // namespace

Result<RestorePlan> plan_restore(const Manifest& manifest, const std::filesystem::path& target,
                                 const backup_host::RestoreOptions& options) {
    auto included = select_entries(manifest, options.selection);
    if (!included)
        return std::unexpected(included.error());

    RestorePlan plan;
    std::map<std::string, Step> directory_steps;  // decided steps of directories, by path
    for (std::size_t i = 0; i < manifest.entries.size(); ++i) {
        if (!(*included)[i])
            continue;
        const Entry& entry = manifest.entries[i];
        const bool is_root = entry.path == ".";
        const std::filesystem::path destination = is_root ? target : target / entry.path;
        PlannedEntry planned{&entry, Step::create, destination};

        const Step parent = is_root ? Step::keep : directory_steps.at(parent_of(entry.path));
        if (parent == Step::skip) {
            planned.step = Step::skip;  // its directory is left alone, so is all below it
        } else if (parent == Step::keep) {
            auto step =
                step_in_existing_directory(entry, is_root, destination, target, options.overwrite);
            if (!step)
                return std::unexpected(step.error());
            planned.step = *step;
        }
        // Below a directory that is created or replaced, everything is created.

        if (entry.kind == EntryKind::directory)
            directory_steps[entry.path] = planned.step;
        count_planned(planned, plan);
        plan.entries.push_back(planned);
    }
    return plan;
}

Result<void> apply_restore(const RestorePlan& plan, Overwrite overwrite,
                           const backup_host::Host& host) {
    ProgressCounter progress{0, plan.bytes};
    std::set<std::filesystem::path> written_directories;
    for (const PlannedEntry& planned : plan.entries) {
        if (auto go_on = host.check_cancelled(); !go_on)
            return go_on;
        const Entry& entry = *planned.entry;
        const std::filesystem::path& destination = planned.destination;
        if (planned.step == Step::keep || planned.step == Step::skip)
            continue;
        if (entry.kind == EntryKind::file) {
            if (auto restored = restore_file(entry, destination, host, progress); !restored)
                return restored;
            written_directories.insert(destination.parent_path());
            continue;
        }
        if (planned.step == Step::replace && ::unlink(destination.c_str()) != 0)
            return fail_system("remove", destination);
        if (entry.path == ".") {
            std::error_code error;
            std::filesystem::create_directories(destination.parent_path(), error);
            if (error)
                return fail_system("create the directories above", destination, error.value());
        }
        // Owner-only until its own mode is set at the end, so that its files can be written.
        if (::mkdir(destination.c_str(), 0700) != 0)
            return fail_system("create directory", destination);
        written_directories.insert(destination.parent_path());
    }
    for (const std::filesystem::path& directory : written_directories)
        if (auto synced = sync_directory(directory); !synced)
            return synced;
    // Deepest first: setting a directory's time before writing into it would be undone.
    for (auto planned = plan.entries.rbegin(); planned != plan.entries.rend(); ++planned) {
        if (planned->entry->kind != EntryKind::directory)
            continue;
        const bool set = planned->step == Step::create || planned->step == Step::replace ||
                         (planned->step == Step::keep && overwrite == Overwrite::replace);
        if (!set)
            continue;
        if (auto updated = set_directory_metadata(*planned->entry, planned->destination); !updated)
            return updated;
    }
    return {};
}

}  // namespace files_plugin
