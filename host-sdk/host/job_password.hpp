// The password of one backup-host command (CLI.md "Passwords"), handed to plugins through the
// ABI's get_secret.
//
// It is resolved when a plugin first asks for it, not before: a job that needs none (a files
// backup) never prompts. Then it is kept, wiped on destruction, for every later request of the
// command (several plugins of one set read the same password; a password read from standard
// input or a descriptor can be read only once). A prompt asks twice for a password that
// protects new data (SecretUse::new_secret) and once for one that opens existing data.
//
// Errors: bad_usage (exit 2) when no password was given and there is no terminal to ask, when
// the file is missing or empty, or when the two entries differ; failed for a read error.
// Never logged, never in a message. Not thread-safe: the job thread asks.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include <spdlog/logger.h>

#include <backup_host/status.hpp>
#include <backup_host/types.hpp>

#include "certbackup/base/secure_buffer.hpp"
#include "host-sdk/host/password_source.hpp"
#include "host-sdk/host/progress_bar.hpp"

namespace certbackup::host {

class JobPassword {
  public:
    explicit JobPassword(PasswordOptions options = {}) : options_(std::move(options)) {}

    // The password bytes, valid as long as this object lives. `bar` is cleared before a
    // prompt; `logger` gets warnings about the source (a password file others can read).
    backup_host::Result<std::span<const std::uint8_t>> get(backup_host::SecretUse use,
                                                           ProgressBar* bar = nullptr,
                                                           spdlog::logger* logger = nullptr);

    // True once the password has been read (a plugin or the host asked for it).
    bool resolved() const noexcept { return password_.has_value(); }
    // True when the password can be read without a prompt (password_source.hpp).
    bool given_without_prompt() const { return host::given_without_prompt(options_); }

    // True when --password-stdin was given (standard input then cannot carry a set).
    bool reads_stdin() const noexcept { return options_.from_stdin; }

  private:
    PasswordOptions options_;
    std::optional<Password> password_;
};

}  // namespace certbackup::host
