// Yes/no questions at the terminal, for the ABI's confirm service (e.g. before
// `certificates delete-unused` deletes).
#pragma once

#include <string_view>

#include <backup_host/status.hpp>

namespace certbackup::host {

// True when standard input is a terminal.
bool stdin_is_terminal() noexcept;

// Writes "QUESTION [y/N] " to standard error and reads one line from standard input: true for
// "y" or "yes" (any case), false for anything else, end of input included. Status::unsupported
// when standard input is not a terminal (the plugin then names its --yes flag).
backup_host::Result<bool> ask_yes_no(std::string_view question);

}  // namespace certbackup::host
