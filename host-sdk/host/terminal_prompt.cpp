#include "host-sdk/host/terminal_prompt.hpp"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <string>

namespace certbackup::host {
namespace {

void ask(std::string_view question) {
    std::fwrite(question.data(), 1, question.size(), stderr);
    std::fflush(stderr);
}

std::string trimmed_line(std::size_t limit) {
    std::string line;
    read_stdin_line([&](char c) {
        if (line.size() < limit)
            line += c;
    });
    while (!line.empty() && line.back() == '\r')
        line.pop_back();
    return line;
}

}  // namespace

bool stdin_is_terminal() noexcept {
    return ::isatty(STDIN_FILENO) == 1;
}

void read_stdin_line(const std::function<void(char)>& append) {
    char c = 0;
    for (;;) {
        const ssize_t n = ::read(STDIN_FILENO, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || c == '\n')
            break;
        append(c);
    }
    c = 0;
}

backup_host::Result<bool> ask_yes_no(std::string_view question) {
    if (!stdin_is_terminal())
        return backup_host::fail(backup_host::Status::unsupported,
                                 "cannot ask for confirmation: standard input is not a terminal");
    ask(std::string(question) + " [y/N] ");
    std::string line = trimmed_line(64);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r'))
        line.pop_back();
    for (char& c : line)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return line == "y" || line == "yes";
}

backup_host::Result<std::string> ask_line(std::string_view question) {
    if (!stdin_is_terminal())
        return backup_host::fail(backup_host::Status::unsupported,
                                 "cannot ask: standard input is not a terminal");
    ask(question);
    return trimmed_line(kMaxAnswerBytes);
}

}  // namespace certbackup::host
