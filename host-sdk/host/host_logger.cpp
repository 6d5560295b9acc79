#include "host-sdk/host/host_logger.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

#include <cstdio>
#include <mutex>
#include <string>
#include "certbackup/base/printable_text.hpp"

namespace certbackup::host {
namespace {

// Writes formatted lines to stderr; clears the progress bar first.
class StderrLogSink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    explicit StderrLogSink(ProgressBar* bar) : bar_(bar) {}

  protected:
    void sink_it_(const spdlog::details::log_msg& message) override {
        spdlog::memory_buf_t line;
        formatter_->format(message, line);
        if (bar_ != nullptr)
            bar_->finish();
        // Messages quote names from set records, state files and PFX files: escaped.
        const std::string text =
            printable(std::string_view(line.data(), line.size()), LineBreaks::keep);
        std::fwrite(text.data(), 1, text.size(), stderr);
        std::fflush(stderr);
    }
    void flush_() override { std::fflush(stderr); }

  private:
    ProgressBar* bar_;
};

}  // namespace

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view text) {
    if (text == "trace")
        return spdlog::level::trace;
    if (text == "debug")
        return spdlog::level::debug;
    if (text == "info")
        return spdlog::level::info;
    if (text == "warn" || text == "warning")
        return spdlog::level::warn;
    if (text == "error")
        return spdlog::level::err;
    if (text == "off")
        return spdlog::level::off;
    return std::nullopt;
}

spdlog::level::level_enum default_log_level() {
    return ProgressBar::stderr_is_terminal() ? spdlog::level::info : spdlog::level::warn;
}

std::shared_ptr<spdlog::logger> make_host_logger(spdlog::level::level_enum level,
                                                 ProgressBar* bar) {
    auto sink = std::make_shared<StderrLogSink>(bar);
    auto logger = std::make_shared<spdlog::logger>("backup-host", std::move(sink));
    // "backup-host: warning: message"; spdlog names the levels trace, debug, info, warning,
    // error, critical.
    logger->set_pattern("%n: %l: %v", spdlog::pattern_time_type::local);
    logger->set_level(level);
    // Errors are what a person must see at once, also when stderr is a pipe to a log file.
    logger->flush_on(spdlog::level::err);
    return logger;
}

}  // namespace certbackup::host
