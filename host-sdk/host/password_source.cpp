#include "password_source.hpp"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "certbackup/base/env.hpp"

namespace certbackup::host {
namespace {

void strip_trailing_newline(Password& password) {
    std::size_t size = password.size();
    if (size > 0 && password.data()[size - 1] == '\n')
        --size;
    if (size > 0 && password.data()[size - 1] == '\r')
        --size;
    password.resize(size);
}

Result<Password> read_all(int fd, const std::string& what) {
    Password out;
    std::uint8_t chunk[256];
    for (;;) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail(ErrorCode::io,
                        "cannot read the password from " + what + ": " + std::strerror(errno));
        }
        if (n == 0)
            break;
        const std::size_t old = out.size();
        out.resize(old + static_cast<std::size_t>(n));
        std::memcpy(out.data() + old, chunk, static_cast<std::size_t>(n));
        if (out.size() > 64 * 1024)
            return fail(
                ErrorCode::invalid_argument,
                "the password from " + what + " is longer than 64 KiB; is it the right file?");
    }
    ::explicit_bzero(chunk, sizeof chunk);
    strip_trailing_newline(out);
    if (out.empty())
        return fail(ErrorCode::invalid_argument, "the password from " + what + " is empty");
    return out;
}

// Reads one line from the terminal without echo. The terminal state is restored on every path.
Result<Password> prompt_line(const std::string& prompt) {
    std::fputs(prompt.c_str(), stderr);
    std::fflush(stderr);
    termios saved{};
    const bool is_tty = ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (is_tty) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ECHONL;
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    Password out;
    char c = 0;
    for (;;) {
        const ssize_t n = ::read(STDIN_FILENO, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || c == '\n')
            break;
        const std::size_t old = out.size();
        out.resize(old + 1);
        out.data()[old] = static_cast<std::uint8_t>(c);
    }
    c = 0;
    if (is_tty)
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    strip_trailing_newline(out);
    return out;
}

}  // namespace

Result<Password> read_password_file(const std::string& path) {
    auto bytes = Env::posix().read_file(path);
    if (!bytes)
        return std::unexpected(bytes.error().with_context("password file"));
    Password out{std::span<const std::uint8_t>(*bytes)};
    ::explicit_bzero(bytes->data(), bytes->size());
    strip_trailing_newline(out);
    if (out.empty())
        return fail(ErrorCode::invalid_argument, "the password file " + path + " is empty");
    return out;
}

Result<Password> read_password(const PasswordOptions& options, const std::string& prompt,
                               bool confirm) {
    if (options.none) {
        if (confirm)
            return fail(ErrorCode::invalid_argument,
                        "--no-password is only for reading a PKCS#12 file that has no password "
                        "(certificates import); backups and exports are always protected by "
                        "one: give it with --password-file, --password-fd or --password-stdin");
        return Password{};
    }
    if (options.file)
        return read_password_file(*options.file);
    if (options.fd)
        return read_all(*options.fd, "file descriptor " + std::to_string(*options.fd));
    if (options.from_stdin)
        return read_all(STDIN_FILENO, "standard input");
    if (const char* env = std::getenv("BACKUP_HOST_PASSWORD_FILE"); env != nullptr && *env != '\0')
        return read_password_file(env);
    if (::isatty(STDIN_FILENO) && ::isatty(STDERR_FILENO)) {
        auto first = prompt_line(prompt);
        if (!first)
            return first;
        if (first->empty())
            return fail(ErrorCode::invalid_argument, "no password entered");
        if (confirm) {
            auto second = prompt_line("Repeat the password: ");
            if (!second)
                return second;
            if (second->view() != first->view())
                return fail(ErrorCode::invalid_argument,
                            "the two passwords differ; nothing was done");
        }
        return first;
    }
    return fail(
        ErrorCode::invalid_argument,
        "a password is needed: give --password-file FILE, --password-fd N or --password-stdin, "
        "or set BACKUP_HOST_PASSWORD_FILE (passwords are never taken from the command line)");
}

}  // namespace certbackup::host
