// The host's logger (DESIGN §5, §6): one spdlog logger writing "backup-host: LEVEL: message"
// lines to standard error, never standard output (which may carry a tar stream or JSON).
// Plugins log into it through the ABI (HostJobServices tags their lines with the plugin id);
// it is not registered in spdlog's global registry, so nothing else writes to it by accident.
//
// Secrets never reach it: nothing logs a password or key material.
// Threads: the logger and its sink are thread-safe (plugins log from worker threads).
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <optional>
#include <string_view>

#include "host-sdk/host/progress_bar.hpp"

namespace certbackup::host {

// The accepted --log-level values, for help and messages.
inline constexpr std::string_view kLogLevelNames = "trace, debug, info, warn, error, off";

// "trace", "debug", "info", "warn" (or "warning"), "error", "off"; nullopt for anything else.
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view text);

// The default level: info when standard error is a terminal (a person watches), warn otherwise
// (quiet under cron, systemd, scripts).
spdlog::level::level_enum default_log_level();

// A logger named "backup-host" at `level`. With `bar`, each line first clears the progress bar
// (which redraws on its next update), so that bar and log never share a line; `bar` must
// outlive the logger.
std::shared_ptr<spdlog::logger> make_host_logger(spdlog::level::level_enum level,
                                                 ProgressBar* bar = nullptr);

}  // namespace certbackup::host
