#include "password_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "certbackup/base/env.hpp"
#include "certbackup/base/unique_fd.hpp"
#include "host-sdk/host/terminal_prompt.hpp"

namespace certbackup::host {
namespace {

// Longer "passwords" are the wrong file or a device: refused before they fill memory.
constexpr std::size_t kMaxPasswordBytes = 64 * 1024;

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
        if (out.size() > kMaxPasswordBytes)
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
    read_stdin_line([&out](char c) {
        const std::size_t old = out.size();
        out.resize(old + 1);
        out.data()[old] = static_cast<std::uint8_t>(c);
    });
    if (is_tty)
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    strip_trailing_newline(out);
    return out;
}

}  // namespace

Result<Password> read_password_file(const std::string& path, std::string* warning) {
    // O_NONBLOCK: a FIFO without a writer must be refused below, not waited on forever.
    const certbackup::UniqueFd owned(
        ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    const int fd = owned.get();
    if (fd < 0) {
        const int error = errno;
        if (error == ELOOP)
            return fail(
                ErrorCode::invalid_argument,
                "the password file " + path + " is a symbolic link; give the file it points to");
        return fail(error == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                    "cannot open the password file " + path + ": " + std::strerror(error));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return fail(ErrorCode::io,
                    "cannot read the password file " + path + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fail(ErrorCode::invalid_argument,
                    "the password file " + path +
                        " is not a regular file (a FIFO, device or directory); give a file "
                        "that holds the password, or use --password-fd for a pipe");
    if (st.st_size > static_cast<off_t>(kMaxPasswordBytes))
        return fail(ErrorCode::invalid_argument,
                    "the password file " + path + " is longer than 64 KiB; is it the right file?");
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0 && warning != nullptr) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        *warning = "the password file " + path + " can be read or changed by other users (mode " +
                   mode + "); make it private: chmod 600 " + path;
    }
    if (::fcntl(fd, F_SETFL, 0) != 0)  // a regular file: blocking reads from here on
        return fail(ErrorCode::io,
                    "cannot read the password file " + path + ": " + std::strerror(errno));
    auto read = read_all(fd, "the password file " + path);
    if (!read && read.error().message.ends_with(" is empty"))
        return fail(ErrorCode::invalid_argument, "the password file " + path + " is empty");
    return read;
}

bool given_without_prompt(const PasswordOptions& options) {
    if (options.none)
        return false;
    const char* env = std::getenv("BACKUP_HOST_PASSWORD_FILE");
    return options.file || options.fd || options.from_stdin || (env != nullptr && *env != '\0');
}

Result<Password> read_password(const PasswordOptions& options, const std::string& prompt,
                               bool confirm, std::string* warning) {
    if (options.none) {
        if (confirm)
            return fail(ErrorCode::invalid_argument,
                        "--no-password is only for reading a PKCS#12 file that has no password "
                        "(certificates import); backups and exports are always protected by "
                        "one: give it with --password-file, --password-fd or --password-stdin");
        return Password{};
    }
    if (options.file)
        return read_password_file(*options.file, warning);
    if (options.fd)
        return read_all(*options.fd, "file descriptor " + std::to_string(*options.fd));
    if (options.from_stdin)
        return read_all(STDIN_FILENO, "standard input");
    if (const char* env = std::getenv("BACKUP_HOST_PASSWORD_FILE"); env != nullptr && *env != '\0')
        return read_password_file(env, warning);
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
