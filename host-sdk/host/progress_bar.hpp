// A one-line progress bar on stderr when stderr is a terminal; silent otherwise (DESIGN §6:
// quiet, plain output when not on a terminal).
//
// Thread-safe: update() may be called from any thread (plugins report progress from their
// worker threads); redraws are throttled to 10 per second.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace certbackup::host {

class ProgressBar {
  public:
    // enabled == false: every call is a no-op (piped output, --json, tests).
    explicit ProgressBar(bool enabled);
    ~ProgressBar();
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    // total == 0: unknown total, shows a count only.
    void update(std::uint64_t done, std::uint64_t total, const std::string& unit,
                const std::string& message);
    // Clears the line so that following output starts clean.
    void finish();

    // True when stderr is a terminal and TERM is not "dumb".
    static bool stderr_is_terminal();

  private:
    void draw_locked(std::uint64_t done, std::uint64_t total, const std::string& unit,
                     const std::string& message);

    const bool enabled_;
    std::mutex mutex_;
    std::chrono::steady_clock::time_point last_draw_{};
    bool drawn_ = false;
};

}  // namespace certbackup::host
