// Questions at the terminal for the ABI's confirm (yes/no, e.g. before `certificates
// delete-unused` deletes) and prompt (one line of text, e.g. the export location) services, and
// the line reading they share with the no-echo password prompt (password_source.cpp).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <backup_host/status.hpp>

namespace certbackup::host {

// True when standard input is a terminal.
bool stdin_is_terminal() noexcept;

// Reads one line from standard input a byte at a time (nothing past the line end is consumed),
// handing each byte before the '\n' to `append`; stops at the end of input or on an error.
void read_stdin_line(const std::function<void(char)>& append);

// Writes "QUESTION [y/N] " to standard error and reads one line from standard input: true for
// "y" or "yes" (any case), false for anything else, end of input included. Status::unsupported
// when standard input is not a terminal (the plugin then names its --yes flag).
backup_host::Result<bool> ask_yes_no(std::string_view question);

// Writes QUESTION to standard error and reads one line from standard input (echoed), without
// its line end and trailing '\r'; at most kMaxAnswerBytes are kept. Status::unsupported when
// standard input is not a terminal (the plugin then names the option that gives the value).
inline constexpr std::size_t kMaxAnswerBytes = 4096;
backup_host::Result<std::string> ask_line(std::string_view question);

}  // namespace certbackup::host
