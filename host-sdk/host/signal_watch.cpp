#include "host-sdk/host/signal_watch.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

namespace certbackup::host {
namespace {

sigset_t termination_signals() {
    sigset_t set;
    ::sigemptyset(&set);
    ::sigaddset(&set, SIGINT);
    ::sigaddset(&set, SIGTERM);
    return set;
}

std::unexpected<Error> io_error(const std::string& what, int error) {
    return fail(ErrorCode::io, what + ": " + std::strerror(error));
}

}  // namespace

Result<void> block_termination_signals() {
    const sigset_t set = termination_signals();
    if (const int error = ::pthread_sigmask(SIG_BLOCK, &set, nullptr); error != 0)
        return io_error("cannot block SIGINT and SIGTERM", error);
    return {};
}

Result<std::unique_ptr<SignalWatch>> SignalWatch::start(backup_host::CancellationFlag& flag,
                                                        FirstSignal on_first) {
    const sigset_t set = termination_signals();
    const int signal_fd = ::signalfd(-1, &set, SFD_CLOEXEC);
    if (signal_fd < 0)
        return io_error("cannot watch for SIGINT and SIGTERM (signalfd)", errno);
    const int stop_fd = ::eventfd(0, EFD_CLOEXEC);
    if (stop_fd < 0) {
        const int error = errno;
        ::close(signal_fd);
        return io_error("cannot watch for SIGINT and SIGTERM (eventfd)", error);
    }
    std::unique_ptr<SignalWatch> watch(
        new SignalWatch(flag, std::move(on_first), signal_fd, stop_fd));
    try {
        watch->thread_ = std::thread([raw = watch.get()] { raw->watch(); });
    } catch (const std::system_error& error) {
        return fail(ErrorCode::io,
                    std::string("cannot start the signal-watching thread: ") + error.what());
    }
    return watch;
}

SignalWatch::SignalWatch(backup_host::CancellationFlag& flag, FirstSignal on_first, int signal_fd,
                         int stop_fd)
    : flag_(flag), on_first_(std::move(on_first)), signal_fd_(signal_fd), stop_fd_(stop_fd) {
    have_terminal_ = ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &terminal_) == 0;
}

SignalWatch::~SignalWatch() {
    if (thread_.joinable()) {
        const std::uint64_t one = 1;
        (void)!::write(stop_fd_, &one, sizeof one);
        thread_.join();
    }
    ::close(signal_fd_);
    ::close(stop_fd_);
}

void SignalWatch::watch() {
    int received = 0;
    for (;;) {
        pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if ((fds[1].revents & POLLIN) != 0)
            return;
        if ((fds[0].revents & POLLIN) == 0)
            continue;
        signalfd_siginfo info{};
        if (::read(signal_fd_, &info, sizeof info) != static_cast<ssize_t>(sizeof info))
            continue;
        if (++received == 1) {
            flag_.request();
            if (on_first_) {
                try {
                    on_first_(static_cast<int>(info.ssi_signo));
                } catch (...) {
                    // Reporting the signal is a courtesy; the flag is what stops the job.
                }
            }
            continue;
        }
        if (have_terminal_)
            ::tcsetattr(STDIN_FILENO, TCSANOW, &terminal_);
        static constexpr char kMessage[] = "\nbackup-host: stopped at once (second signal)\n";
        (void)!::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
        std::_Exit(130);
    }
}

}  // namespace certbackup::host
