// SPDX-License-Identifier: AGPL-3.0-only (see bacula/LICENSE)
#include "host_adapter.hpp"

#include <dlfcn.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "host-sdk/host/host_config.hpp"
#include "host-sdk/host/host_failure.hpp"
#include "host-sdk/host/job_password.hpp"
#include "host-sdk/host/job_runner.hpp"
#include "host-sdk/host/progress_bar.hpp"
#include "host-sdk/storage/storage_target.hpp"

namespace certbackup::bacula {
namespace {

using backup_host::JobKind;
using backup_host::Status;

// spdlog lines -> the MessageSink.
class ForwardingSink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    explicit ForwardingSink(MessageSink& target) : target_(target) {}

  protected:
    void sink_it_(const spdlog::details::log_msg& line) override {
        target_.message(kind_of(line.level),
                        std::string_view(line.payload.data(), line.payload.size()));
    }
    void flush_() override {}

  private:
    static MessageKind kind_of(spdlog::level::level_enum level) {
        if (level >= spdlog::level::err)
            return MessageKind::error;
        if (level == spdlog::level::warn)
            return MessageKind::warning;
        return level == spdlog::level::info ? MessageKind::info : MessageKind::debug;
    }
    MessageSink& target_;
};

// The plugins' text for the user (HostContext::output), kept in memory and sent as info lines
// when the job is over.
class OutputBuffer {
  public:
    OutputBuffer() : file_(open_memstream(&data_, &size_)) {}
    ~OutputBuffer() {
        close();
        std::free(data_);
    }
    OutputBuffer(const OutputBuffer&) = delete;
    OutputBuffer& operator=(const OutputBuffer&) = delete;

    std::FILE* file() { return file_ != nullptr ? file_ : stderr; }

    void send_to(MessageSink& sink) {
        close();
        std::string_view rest(data_ != nullptr ? data_ : "", size_);
        while (!rest.empty()) {
            const std::size_t newline = rest.find('\n');
            const std::string_view line = rest.substr(0, newline);
            if (!line.empty())
                sink.message(MessageKind::info, line);
            rest =
                newline == std::string_view::npos ? std::string_view{} : rest.substr(newline + 1);
        }
    }

  private:
    void close() {
        if (file_ != nullptr)
            std::fclose(file_);
        file_ = nullptr;
    }
    char* data_ = nullptr;
    std::size_t size_ = 0;
    std::FILE* file_ = nullptr;
};

// The password comes from the string's password_file= only (else, as for backup-host, from
// $BACKUP_HOST_PASSWORD_FILE of the file daemon; there is no terminal to prompt on).
host::PasswordOptions password_options(const BridgeCommand& command) {
    host::PasswordOptions options;
    options.file = command.password_file;
    return options;
}

// What one bridged job needs of the host, alive for the job.
struct HostJob {
    explicit HostJob(const BridgeJob& job)
        : logger("backup-host", std::make_shared<ForwardingSink>(job.messages)),
          password(password_options(job.command)),
          // No person at a terminal inside the file daemon: confirm and prompt answer so.
          context{logger, job.cancel, progress, password, output.file(), /*terminal=*/false} {
        logger.set_level(spdlog::level::debug);
    }

    spdlog::logger logger;
    host::ProgressBar progress{false};
    host::JobPassword password;
    OutputBuffer output;
    host::HostContext context;
};

// The plugins of `directory`, scanned once for the life of the file daemon.
//
// Why never unloaded: the file daemon is one long-lived process running job after job, and a
// plugin library with protobuf-generated code (the certificates plugin) cannot be loaded again
// after an unload there: its descriptors stay registered in the shared libprotobuf, the second
// registration throws out of dlopen, and the dynamic loader's lock stays held by that job's
// thread, so that every later dlopen or dladdr of the daemon hangs. So the first successful scan
// of a directory is kept (deliberately leaked: no unload at exit either). A plugin installed or
// replaced later is seen after a restart of the file daemon.
backup_host::Result<const backup_host::PluginScan*> scan_once(
    const std::filesystem::path& directory) {
    static std::mutex mutex;
    static auto* scans = new std::map<std::filesystem::path, backup_host::PluginScan>();
    std::lock_guard lock(mutex);
    if (const auto found = scans->find(directory); found != scans->end())
        return &found->second;
    auto scan = backup_host::PluginLoader().scan(directory);
    if (!scan)
        return std::unexpected(scan.error());
    return &scans->emplace(directory, std::move(*scan)).first->second;
}

// The plugin of the command, from its directory.
backup_host::Result<backup_host::LoadedPlugin> load_plugin(const BridgeJob& job,
                                                           spdlog::logger& logger) {
    auto directory = job.command.plugin_dir
                         ? backup_host::Result<std::filesystem::path>(*job.command.plugin_dir)
                         : default_plugin_directory();
    if (!directory)
        return std::unexpected(directory.error());
    auto scan = scan_once(*directory);
    if (!scan)
        return std::unexpected(scan.error());
    for (const backup_host::Failure& problem : (*scan)->problems)
        logger.warn("{}", problem.message);
    auto plugin = (*scan)->find(job.command.plugin_id);
    if (!plugin)
        return backup_host::fail(plugin.error().status, "plugin '" + job.command.plugin_id +
                                                            "' in " + directory->string() + ": " +
                                                            plugin.error().message);
    return plugin;
}

// The plugin's job of `kind`: the configured defaults ([plugins.ID] of config=), then the
// string's options. A restore takes only the options the plugin reads in restores (the string
// was written for the backup); an option the plugin does not know at all is kept, so that the
// runner's check names it.
backup_host::Result<host::PluginJob> plugin_job(const BridgeJob& job, JobKind kind,
                                                spdlog::logger& logger) {
    auto plugin = load_plugin(job, logger);
    if (!plugin)
        return std::unexpected(plugin.error());
    auto config = host::load_host_config(job.command.config_file);
    if (!config)
        return std::unexpected(config.error());
    auto options = host::configured_options(*config, plugin->description(), kind);
    if (!options)
        return std::unexpected(options.error());
    for (const auto& [key, value] : job.command.options) {
        const auto* option = plugin->description().find_option(key);
        if (kind != JobKind::restore || option == nullptr || option->used_by(kind))
            options->emplace_back(key, value);
    }
    return host::PluginJob{std::move(*plugin), std::move(*options)};
}

// Anchor for dladdr: any function of this library.
void bridge_anchor() {}

}  // namespace

backup_host::Result<std::filesystem::path> backup_into(const BridgeJob& job,
                                                       const std::filesystem::path& location) {
    HostJob host_job(job);
    auto plugin = plugin_job(job, JobKind::backup, host_job.logger);
    if (!plugin)
        return std::unexpected(plugin.error());
    host::BackupRequest request;
    request.job_name = job.command.plugin_id;
    request.plugins.push_back(std::move(*plugin));
    request.target = location.string();
    const host::BackupReport report = host::run_backup(host_job.context, request);
    host_job.output.send_to(job.messages);
    if (report.failure)
        return std::unexpected(*report.failure);
    return location / report.record.set_id();
}

backup_host::Result<void> restore_from(const BridgeJob& job,
                                       const std::filesystem::path& set_directory) {
    HostJob host_job(job);
    auto plugin = plugin_job(job, JobKind::restore, host_job.logger);
    if (!plugin)
        return std::unexpected(plugin.error());
    auto set = backup_host::open_set(backup_host::StorageIo::posix(),
                                     backup_host::parse_target(set_directory.string()));
    if (!set)
        return std::unexpected(host::to_failure(set.error()));
    const host::RestoreReport report =
        host::run_restore(host_job.context, **set, {{std::move(*plugin)}, true, false});
    host_job.output.send_to(job.messages);
    if (report.failure)
        return std::unexpected(*report.failure);
    return {};
}

backup_host::Result<std::filesystem::path> default_plugin_directory() {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&bridge_anchor), &info) == 0 || info.dli_fname == nullptr)
        return backup_host::fail(Status::failed,
                                 "cannot find where the bridge's library is; give "
                                 "plugin_dir=DIR in the plugin string");
    const std::filesystem::path library(info.dli_fname);
    return (library.parent_path() / ".." / "backup-host" / "plugins").lexically_normal();
}

}  // namespace certbackup::bacula
