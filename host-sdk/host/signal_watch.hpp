// SIGINT and SIGTERM while backup-host runs (issue 3, "Cancellation"): the first one sets the
// job's cancellation flag, so that the plugin stops, end_job runs and the partial set is removed
// (exit 130); a second one ends the process at once with exit code 130, after restoring the
// terminal's settings (a no-echo password prompt may be active). Storage guarantees that a set
// cut short that way is never listed.
//
// How: block_termination_signals() blocks SIGINT and SIGTERM; main calls it before any thread
// exists, so every later thread (plugin workers too) inherits the mask and no thread is ever
// interrupted by them. SignalWatch receives them on a signalfd in a thread of its own, where
// ordinary code runs: nothing is done in a signal handler.
//
// Ownership: SignalWatch owns its thread and descriptors; the flag and the callback must outlive
// it. Threads: the callback runs on the watch thread.
#pragma once

#include <termios.h>

#include <functional>
#include <memory>
#include <thread>

#include <backup_host/host/job_services.hpp>

#include "certbackup/base/error.hpp"

namespace certbackup::host {

// Blocks SIGINT and SIGTERM in the calling thread and in every thread it creates later.
Result<void> block_termination_signals();

class SignalWatch {
  public:
    // Called on the first signal, after the flag is set (e.g. to log "stopping").
    using FirstSignal = std::function<void(int signal)>;

    // Starts watching. Call after block_termination_signals(). io error if the kernel refuses
    // a signalfd, an eventfd or a thread.
    static Result<std::unique_ptr<SignalWatch>> start(backup_host::CancellationFlag& flag,
                                                      FirstSignal on_first);

    // Stops watching and joins the thread. Signals that arrive later stay blocked and pending.
    ~SignalWatch();
    SignalWatch(const SignalWatch&) = delete;
    SignalWatch& operator=(const SignalWatch&) = delete;

  private:
    SignalWatch(backup_host::CancellationFlag& flag, FirstSignal on_first, int signal_fd,
                int stop_fd);
    void watch();

    backup_host::CancellationFlag& flag_;
    FirstSignal on_first_;
    int signal_fd_;
    int stop_fd_;
    // The terminal's settings when watching began (before any prompt changed them), restored
    // before an immediate exit.
    termios terminal_{};
    bool have_terminal_ = false;
    std::thread thread_;
};

}  // namespace certbackup::host
