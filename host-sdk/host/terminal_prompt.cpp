#include "host-sdk/host/terminal_prompt.hpp"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <string>

namespace certbackup::host {

bool stdin_is_terminal() noexcept {
    return ::isatty(STDIN_FILENO) == 1;
}

backup_host::Result<bool> ask_yes_no(std::string_view question) {
    if (!stdin_is_terminal())
        return backup_host::fail(backup_host::Status::unsupported,
                                 "cannot ask for confirmation: standard input is not a terminal");
    std::string prompt(question);
    prompt += " [y/N] ";
    std::fputs(prompt.c_str(), stderr);
    std::fflush(stderr);
    std::string line;
    char c = 0;
    for (;;) {
        const ssize_t n = ::read(STDIN_FILENO, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || c == '\n')
            break;
        if (line.size() < 64)
            line += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r'))
        line.pop_back();
    return line == "y" || line == "yes";
}

}  // namespace certbackup::host
