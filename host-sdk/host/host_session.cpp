#include "host-sdk/host/host_session.hpp"

#include <signal.h>

#include <utility>

#include "host-sdk/host/host_failure.hpp"
#include "host-sdk/host/host_logger.hpp"

namespace certbackup::host {
namespace {

using backup_host::Status;

const char* signal_name(int signal) {
    return signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal";
}

std::string installed_ids(const backup_host::PluginScan& scan) {
    std::string ids;
    for (const backup_host::LoadedPlugin& plugin : scan.plugins)
        ids += (ids.empty() ? "" : ", ") + plugin.id();
    return ids.empty() ? "none" : ids;
}

}  // namespace

HostSession::HostSession(GlobalOptions options)
    : options_(std::move(options)), progress_(ProgressBar::stderr_is_terminal()) {
    const auto level = options_.log_level ? parse_log_level(*options_.log_level) : std::nullopt;
    logger_ = make_host_logger(level.value_or(default_log_level()), &progress_);
    auto watch = SignalWatch::start(cancel_, [logger = logger_](int signal) {
        logger->warn("{} received: stopping (send it again to quit at once)", signal_name(signal));
    });
    if (watch)
        signal_watch_ = std::move(*watch);
    else
        logger_->warn("{}; SIGINT and SIGTERM will not stop jobs cleanly", watch.error().message);
}

HostSession::~HostSession() {
    progress_.finish();
}

backup_host::Result<const HostConfig*> HostSession::config() {
    if (!config_) {
        config_ = load_host_config(options_.config_file);
        if (*config_ && (*config_)->file)
            logger_->debug("configuration: {}", (*config_)->file->string());
    }
    if (!*config_)
        return std::unexpected(config_->error());
    return &config_->value();
}

backup_host::Result<std::filesystem::path> HostSession::plugin_directory() const {
    if (options_.plugin_dir)
        return std::filesystem::path(*options_.plugin_dir);
    return backup_host::PluginLoader::default_directory();
}

backup_host::Result<const backup_host::PluginScan*> HostSession::plugins() {
    if (!plugins_) {
        auto directory = plugin_directory();
        if (!directory) {
            plugins_ = std::unexpected(directory.error());
        } else {
            plugins_ = backup_host::PluginLoader().scan(*directory);
            if (*plugins_) {
                logger_->debug("plugins from {}", directory->string());
                for (const backup_host::Failure& problem : (*plugins_)->problems)
                    logger_->warn("{}", problem.message);
            }
        }
    }
    if (!*plugins_)
        return std::unexpected(plugins_->error());
    return &plugins_->value();
}

backup_host::Result<backup_host::LoadedPlugin> HostSession::find_plugin(std::string_view id,
                                                                        bool named_by_user) {
    auto scan = plugins();
    if (!scan)
        return std::unexpected(scan.error());
    auto found = (*scan)->find(id);
    if (found)
        return found;
    backup_host::Failure failure = found.error();
    if (failure.status == Status::not_found)
        failure.message = "there is no plugin '" + std::string(id) + "' in " +
                          (*scan)->directory.string() + " (installed: " + installed_ids(**scan) +
                          ")";
    if (named_by_user && failure.status == Status::not_found)
        failure.status = Status::bad_usage;
    return std::unexpected(std::move(failure));
}

backup_host::Result<PluginJob> HostSession::plugin_job(
    const backup_host::LoadedPlugin& plugin, backup_host::JobKind kind,
    const std::vector<std::string>& assignments) {
    auto configuration = config();
    if (!configuration)
        return std::unexpected(configuration.error());
    auto options = configured_options(**configuration, plugin.description(), kind);
    if (!options)
        return std::unexpected(options.error());
    auto given = parse_assignments(assignments);
    if (!given)
        return std::unexpected(given.error());
    options->insert(options->end(), given->begin(), given->end());
    return PluginJob{plugin, std::move(*options)};
}

HostContext HostSession::job_context(JobPassword& password, std::FILE* output) noexcept {
    return HostContext{*logger_, cancel_, progress_, password, output};
}

int HostSession::exit_code(Status status) const noexcept {
    if (status != Status::ok && cancel_.requested())
        return backup_host::exit_code(Status::cancelled);
    return backup_host::exit_code(status);
}

int HostSession::report(const backup_host::Failure& failure) {
    progress_.finish();
    if (failure.status == Status::cancelled || cancel_.requested())
        logger_->error("cancelled: {}", failure.message);
    else
        logger_->error("{}", failure.message);
    return exit_code(failure.status);
}

backup_host::Result<backup_host::OptionAssignments> parse_assignments(
    const std::vector<std::string>& texts) {
    backup_host::OptionAssignments assignments;
    for (const std::string& text : texts) {
        auto assignment = backup_host::parse_assignment(text);
        if (!assignment)
            return backup_host::fail(Status::bad_usage, "-o " + assignment.error().message);
        assignments.push_back(std::move(*assignment));
    }
    return assignments;
}

}  // namespace certbackup::host
