// Where the host gets a job's password (CLI.md "Passwords"): a file, a file descriptor, stdin,
// or a no-echo prompt on a terminal; BACKUP_HOST_PASSWORD_FILE names a default file. Never the
// command line, never a log. A trailing newline ("\n" or "\r\n") is not part of the password.
#pragma once

#include <optional>
#include <string>

#include "certbackup/base/error.hpp"
#include "certbackup/base/secure_buffer.hpp"

namespace certbackup::host {

struct PasswordOptions {
    std::optional<std::string> file;  // --password-file
    std::optional<int> fd;            // --password-fd
    bool from_stdin = false;          // --password-stdin
    // --no-password: the data to read is protected by no password (a PKCS#12 file exported
    // "without password"). Gives an empty password for existing data; refused for new data.
    bool none = false;
};

// Resolves the password by the first that applies: file, fd, stdin, $BACKUP_HOST_PASSWORD_FILE,
// a no-echo prompt with `prompt` when stdin and stderr are terminals (asked twice when `confirm`).
// Otherwise fails with invalid_argument saying how to give one. An empty password is refused,
// except through `none` for data that is read (`confirm` false); with `confirm` (a password
// that will protect new data) `none` fails with invalid_argument.
// `warning`, when given, receives a warning about the source (a password file that other users
// can read) that the caller shows; the password is still used.
Result<Password> read_password(const PasswordOptions& options, const std::string& prompt,
                               bool confirm, std::string* warning = nullptr);

// True when `options` name a password that can be read without asking anyone: a file, a
// descriptor, standard input, or $BACKUP_HOST_PASSWORD_FILE (not --no-password, not a prompt).
bool given_without_prompt(const PasswordOptions& options);

// Reads a password from one file (trailing newline removed); errors name the file. The file is
// hostile input: only a regular file is read (opened without following a symbolic link and
// without blocking, so a FIFO without a writer is refused rather than waited on), of at most
// 64 KiB. A file with group or other permission bits is read, with a `warning`.
Result<Password> read_password_file(const std::string& path, std::string* warning = nullptr);

}  // namespace certbackup::host
