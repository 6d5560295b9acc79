// The sample files plugin: backs up a directory tree (regular files and directories, with
// their modes and modification times) and restores it, to where it was or elsewhere.
//
// It is the worked example of host-sdk/README.md: one class derived from backup_host::Plugin,
// its options and description as constant data, one BACKUP_HOST_PLUGIN line. The plugin never
// opens backup storage: it hands items to the host and reads them back from it.
//
// Items (README.md has the details):
//   tree/<relative path>   the bytes of each regular file
//   manifest               every directory and file with mode, time and size; written last
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <backup_host/plugin.hpp>

#include "manifest.hpp"
#include "posix_file.hpp"
#include "tree_restore.hpp"
#include "tree_scan.hpp"

namespace files_plugin {
namespace {

using backup_host::Estimate;
using backup_host::fail;
using backup_host::Host;
using backup_host::JobKind;
using backup_host::OptionValues;
using backup_host::RestoreOptions;
using backup_host::Result;
using backup_host::Status;

// Larger manifests are refused as damaged rather than read into memory.
constexpr std::uint64_t max_manifest_size = 256ull * 1024 * 1024;
constexpr std::size_t chunk_size = 256 * 1024;

// The options of CLI.md (path, target, overwrite) and a selection. The ones with a role are
// turned into RestoreOptions by the host, so restore() finds them there.
constexpr backup_host::OptionSpec options[] = {
    {.name = "path",
     .type = BH_OPTION_PATH,
     .jobs = BH_JOBS_BACKUP | BH_JOBS_ESTIMATE | BH_JOBS_RESTORE,
     .role = BH_ROLE_NONE,
     .default_value = nullptr,
     .choices = nullptr,
     .description = "the directory to back up; restore writes there unless target is given"},
    {.name = "target",
     .type = BH_OPTION_PATH,
     .jobs = BH_JOBS_RESTORE,
     .role = BH_ROLE_RESTORE_TARGET,
     .default_value = nullptr,
     .choices = nullptr,
     .description = "where restore writes the tree (default: path)"},
    {.name = "overwrite",
     .type = BH_OPTION_STRING,
     .jobs = BH_JOBS_RESTORE,
     .role = BH_ROLE_OVERWRITE,
     .default_value = "skip",
     .choices = "skip|replace",
     .description = "what restore does with files that exist: skip them or replace them"},
    {.name = "select",
     .type = BH_OPTION_STRING,
     .jobs = BH_JOBS_RESTORE,
     .role = BH_ROLE_SELECTION,
     .default_value = nullptr,
     .choices = nullptr,
     .description = "comma-separated relative paths to restore (files or directories); "
                    "default: everything"},
};

constexpr backup_host::PluginInfo info{
    .id = "files",
    .version = "1.0.0",
    .format_version = manifest_format_version,
    .description = "Backs up and restores a directory tree: files, directories, modes, times",
    .jobs = BH_JOBS_BACKUP | BH_JOBS_RESTORE | BH_JOBS_VERIFY | BH_JOBS_ESTIMATE,
    .options = options,
    .actions = {},
};

class FilesPlugin final : public backup_host::Plugin {
  public:
    // The host has already checked the options against the declarations above.
    static Result<std::unique_ptr<FilesPlugin>> create(Host host, const OptionValues& values) {
        return std::unique_ptr<FilesPlugin>(new FilesPlugin(host, values.path("path")));
    }

    // Checks what the job needs before any work starts.
    Result<void> begin_job(JobKind kind) override {
        if ((kind == JobKind::backup || kind == JobKind::estimate) && !path_)
            return fail(Status::bad_usage,
                        "the files plugin needs the directory to back up: -o path=DIR");
        return {};
    }

    Result<void> backup() override {
        ScanTotals totals;
        auto scanned = scan_tree(*path_, host(), totals);
        if (!scanned)
            return std::unexpected(scanned.error());

        // The manifest records what was actually read, which may differ from the scan when
        // files change or disappear meanwhile.
        Manifest stored;
        std::uint64_t done = 0;
        std::uint64_t files = 0;
        for (Entry& entry : scanned->entries) {
            if (entry.kind == EntryKind::directory) {
                stored.entries.push_back(entry);
                continue;
            }
            auto backed_up = backup_file(entry, done, totals.bytes);
            if (!backed_up)
                return std::unexpected(backed_up.error());
            if (*backed_up) {
                stored.entries.push_back(std::move(**backed_up));
                ++files;
            }
        }
        const std::string manifest = serialize_manifest(stored);
        if (auto written = host().write_item(manifest_item, as_bytes(manifest)); !written)
            return written;

        const std::uint64_t directories = stored.entries.size() - files - 1;
        host().info("backed up " + std::to_string(files) + " files (" + std::to_string(done) +
                    " bytes) and " + std::to_string(directories) + " directories from " +
                    path_->string() +
                    (totals.skipped > 0
                         ? "; skipped " + std::to_string(totals.skipped) + " entries of other types"
                         : std::string()));
        return host().set_result("{\"files\":" + std::to_string(files) +
                                 ",\"directories\":" + std::to_string(directories) +
                                 ",\"bytes\":" + std::to_string(done) +
                                 ",\"skipped\":" + std::to_string(totals.skipped) + "}");
    }

    Result<void> restore(const RestoreOptions& options) override {
        std::optional<std::filesystem::path> target = options.target ? options.target : path_;
        if (!target)
            return fail(Status::bad_usage,
                        "the files plugin needs to know where to restore: -o target=DIR (or "
                        "-o path=DIR to restore where the backup came from)");
        auto manifest = read_manifest();
        if (!manifest)
            return std::unexpected(manifest.error());
        auto plan = plan_restore(*manifest, *target, options);
        if (!plan)
            return std::unexpected(plan.error());

        // A dry run shows every decision on standard output; a real run logs them.
        for (const PlannedEntry& planned : plan->entries) {
            if (planned.step == Step::keep)
                continue;
            const std::string line = std::string(options.dry_run ? "would " : "") +
                                     to_string(planned.step) + " " +
                                     escape_path(planned.destination.string());
            if (options.dry_run) {
                if (auto shown = host().output(line + "\n"); !shown)
                    return shown;
            } else {
                host().debug(line);
            }
        }
        if (!options.dry_run)
            if (auto applied = apply_restore(*plan, options.overwrite, host()); !applied)
                return applied;

        const std::string summary =
            options.dry_run
                ? "dry run, nothing written: would create " + std::to_string(plan->created) +
                      ", replace " + std::to_string(plan->replaced) + ", skip " +
                      std::to_string(plan->skipped) + " in " + target->string()
                : "restored into " + target->string() + ": " + std::to_string(plan->created) +
                      " created, " + std::to_string(plan->replaced) + " replaced, " +
                      std::to_string(plan->skipped) + " skipped";
        host().info(summary);
        if (options.dry_run)
            if (auto shown = host().output(summary + "\n"); !shown)
                return shown;
        return host().set_result(std::string("{\"dry_run\":") +
                                 (options.dry_run ? "true" : "false") +
                                 ",\"created\":" + std::to_string(plan->created) +
                                 ",\"replaced\":" + std::to_string(plan->replaced) +
                                 ",\"skipped\":" + std::to_string(plan->skipped) +
                                 ",\"bytes\":" + std::to_string(plan->bytes) + "}");
    }

    // Reads every file item to its end (the host checks each digest on the way) and checks
    // the manifest against the items.
    Result<void> verify() override {
        auto manifest = read_manifest();
        if (!manifest)
            return std::unexpected(manifest.error());
        auto items = host().items();
        if (!items)
            return std::unexpected(items.error());
        std::set<std::string> expected{std::string(manifest_item)};
        std::uint64_t total = 0;
        for (const Entry& entry : manifest->entries) {
            if (entry.kind == EntryKind::file) {
                expected.insert(item_name(entry));
                total += entry.size;
            }
        }
        for (const backup_host::ItemInfo& item : *items)
            if (expected.count(item.name) == 0)
                return fail(Status::corrupt,
                            "item '" + item.name + "' is not listed in the files manifest");

        std::uint64_t done = 0;
        std::uint64_t files = 0;
        std::vector<std::uint8_t> buffer(chunk_size);
        for (const Entry& entry : manifest->entries) {
            if (entry.kind != EntryKind::file)
                continue;
            if (auto go_on = host().check_cancelled(); !go_on)
                return go_on;
            const std::string name = item_name(entry);
            auto reader = host().open_item(name);
            if (!reader)
                return std::unexpected(reader.error());
            auto checked =
                read_entry_item(*reader, buffer, entry, host(), done, total,
                                [](std::span<const std::uint8_t>) -> Result<void> { return {}; });
            if (!checked)
                return checked;
            ++files;
        }
        host().info("verified " + std::to_string(files) + " files (" + std::to_string(done) +
                    " bytes) and the manifest");
        return host().set_result("{\"files\":" + std::to_string(files) +
                                 ",\"bytes\":" + std::to_string(done) + "}");
    }

    // One item per file plus the manifest.
    Result<Estimate> estimate() override {
        ScanTotals totals;
        auto scanned = scan_tree(*path_, host(), totals);
        if (!scanned)
            return std::unexpected(scanned.error());
        return Estimate{totals.files + 1, totals.bytes + serialize_manifest(*scanned).size()};
    }

  private:
    FilesPlugin(Host host, std::optional<std::filesystem::path> path)
        : Plugin(host), path_(std::move(path)) {}

    static std::span<const std::uint8_t> as_bytes(std::string_view text) {
        return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
    }

    Result<Manifest> read_manifest() const {
        auto bytes = host().read_item(manifest_item, max_manifest_size);
        if (!bytes)
            return std::unexpected(bytes.error());
        return parse_manifest(
            std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
    }

    // Copies what is left of `fd` (the file `file`) into the open item; the bytes copied.
    // Progress counts them into `done` of `total`, naming `path`.
    Result<std::uint64_t> copy_into_item(const FileDescriptor& fd,
                                         const std::filesystem::path& file, const std::string& path,
                                         std::uint64_t& done, std::uint64_t total) {
        std::vector<std::uint8_t> buffer(chunk_size);
        std::uint64_t size = 0;
        for (;;) {
            const ssize_t got = ::read(fd.get(), buffer.data(), buffer.size());
            if (got < 0) {
                if (errno == EINTR)
                    continue;
                return fail_system("read", file);
            }
            if (got == 0)
                return size;
            // write() fails with Status::cancelled once the host asks the job to stop.
            if (auto written =
                    host().write(std::span(buffer.data(), static_cast<std::size_t>(got)));
                !written)
                return std::unexpected(written.error());
            size += static_cast<std::uint64_t>(got);
            done += static_cast<std::uint64_t>(got);
            host().progress(done, total, "bytes", path);
        }
    }

    // Stores one file as its item. Returns the entry as stored (size and times as read), or
    // nullopt when the file disappeared or stopped being a regular file since the scan.
    Result<std::optional<Entry>> backup_file(const Entry& scanned, std::uint64_t& done,
                                             std::uint64_t total) {
        const std::filesystem::path file = *path_ / scanned.path;
        // O_NONBLOCK: should a FIFO have taken the file's place, opening it must not hang.
        FileDescriptor fd(
            ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
        if (!fd.valid()) {
            if (errno == ENOENT || errno == ELOOP) {
                host().warn("skipping " + file.string() +
                            ": it was removed or replaced by a "
                            "link during the backup");
                return std::optional<Entry>();
            }
            return fail_system("open", file);
        }
        struct stat before {};
        if (::fstat(fd.get(), &before) != 0)
            return fail_system("inspect", file);
        if (!S_ISREG(before.st_mode)) {
            host().warn("skipping " + file.string() +
                        ": it stopped being a regular file "
                        "during the backup");
            return std::optional<Entry>();
        }

        Entry stored = scanned;
        stored.mode = before.st_mode & 07777;
        stored.mtime_seconds = before.st_mtim.tv_sec;
        stored.mtime_nanoseconds = static_cast<std::uint32_t>(before.st_mtim.tv_nsec);
        if (auto begun = host().begin_item(item_name(stored)); !begun)
            return std::unexpected(begun.error());
        auto size_read = copy_into_item(fd, file, scanned.path, done, total);
        if (!size_read)
            return std::unexpected(size_read.error());
        if (auto ended = host().end_item(); !ended)
            return std::unexpected(ended.error());
        const std::uint64_t size = *size_read;
        stored.size = size;

        struct stat after {};
        if (::fstat(fd.get(), &after) == 0 && (after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
                                               after.st_mtim.tv_nsec != before.st_mtim.tv_nsec ||
                                               static_cast<std::uint64_t>(after.st_size) != size))
            host().warn(file.string() +
                        " changed while it was backed up; the backup holds "
                        "what was read");
        return std::optional<Entry>(std::move(stored));
    }

    std::optional<std::filesystem::path> path_;  // option 'path'
};

}  // namespace
}  // namespace files_plugin

BACKUP_HOST_PLUGIN(files_plugin::FilesPlugin, files_plugin::info)
