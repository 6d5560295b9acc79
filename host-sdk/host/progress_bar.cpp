#include "progress_bar.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace certbackup::host {
namespace {

int terminal_width() {
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
        return ws.ws_col;
    return 80;
}

}  // namespace

ProgressBar::ProgressBar(bool enabled) : enabled_(enabled) {}

ProgressBar::~ProgressBar() {
    finish();
}

bool ProgressBar::stderr_is_terminal() {
    const char* term = std::getenv("TERM");
    return ::isatty(STDERR_FILENO) && !(term != nullptr && std::strcmp(term, "dumb") == 0);
}

void ProgressBar::update(std::uint64_t done, std::uint64_t total, const std::string& unit,
                         const std::string& message) {
    if (!enabled_)
        return;
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    const bool complete = total != 0 && done >= total;
    if (drawn_ && !complete && now - last_draw_ < std::chrono::milliseconds(100))
        return;
    last_draw_ = now;
    draw_locked(done, total, unit, message);
}

void ProgressBar::draw_locked(std::uint64_t done, std::uint64_t total, const std::string& unit,
                              const std::string& message) {
    const int width = terminal_width();
    std::string line;
    if (total > 0) {
        const int bar = 24;
        const auto filled = static_cast<int>((std::min(done, total) * bar) / total);
        line = "[" + std::string(static_cast<std::size_t>(filled), '#') +
               std::string(static_cast<std::size_t>(bar - filled), '.') + "] " +
               std::to_string(std::min(done, total) * 100 / total) + "% " + std::to_string(done) +
               "/" + std::to_string(total);
    } else {
        line = std::to_string(done);
    }
    if (!unit.empty())
        line += " " + unit;
    if (!message.empty())
        line += "  " + message;
    if (static_cast<int>(line.size()) > width - 1)
        line.resize(static_cast<std::size_t>(width - 1));
    std::fprintf(stderr, "\r%-*s", width - 1, line.c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void ProgressBar::finish() {
    if (!enabled_)
        return;
    std::lock_guard lock(mutex_);
    if (!drawn_)
        return;
    std::fprintf(stderr, "\r%-*s\r", terminal_width() - 1, "");
    std::fflush(stderr);
    drawn_ = false;
}

}  // namespace certbackup::host
