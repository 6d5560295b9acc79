#include "host-sdk/host/job_password.hpp"

#include "host-sdk/host/host_failure.hpp"

namespace certbackup::host {

backup_host::Result<std::span<const std::uint8_t>> JobPassword::get(backup_host::SecretUse use,
                                                                    ProgressBar* bar,
                                                                    spdlog::logger* logger) {
    if (!password_) {
        if (bar != nullptr)
            bar->finish();
        const bool protects_new_data = use == backup_host::SecretUse::new_secret;
        std::string warning;
        auto read = read_password(
            options_, protects_new_data ? "Password to protect the backup: " : "Password: ",
            protects_new_data, &warning);
        if (!warning.empty() && logger != nullptr)
            logger->warn("{}", warning);
        if (!read) {
            backup_host::Failure failure = to_failure(read.error());
            if (read.error().code != ErrorCode::io)
                failure.status = backup_host::Status::bad_usage;
            return std::unexpected(std::move(failure));
        }
        password_ = std::move(*read);
    }
    return password_->span();
}

}  // namespace certbackup::host
