// The certificates plugin's options (CLI.md "The certificates plugin"), declared for the
// descriptor and read back, typed, for a job.
#pragma once

#include <backup_host/plugin.hpp>

#include <array>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "core/pkcs12.hpp"

namespace certbackup::plugin {

namespace detail {
inline constexpr std::uint32_t kStoreJobs =
    BH_JOBS_BACKUP | BH_JOBS_ESTIMATE | BH_JOBS_ACTION | BH_JOBS_RESTORE;
inline constexpr std::uint32_t kWriteJobs = BH_JOBS_BACKUP | BH_JOBS_ESTIMATE | BH_JOBS_ACTION;

inline constexpr std::array<backup_host::OptionSpec, 10> kOptions{{
    {.name = "store",
     .type = BH_OPTION_PATH,
     .jobs = kStoreJobs,
     .role = BH_ROLE_NONE,
     .default_value = nullptr,
     .choices = nullptr,
     .description = "the certificate store directory"},
    {.name = "scope",
     .type = BH_OPTION_STRING,
     .jobs = kWriteJobs,
     .role = BH_ROLE_NONE,
     .default_value = "all",
     .choices = nullptr,
     .description = "all, or one database name"},
    {.name = "per_certificate_files",
     .type = BH_OPTION_BOOL,
     .jobs = kWriteJobs,
     .role = BH_ROLE_NONE,
     .default_value = "false",
     .choices = nullptr,
     .description =
         "one PFX file per certificate instead of one for all (default: the store's setting)"},
    {.name = "include_ssl",
     .type = BH_OPTION_BOOL,
     .jobs = kWriteJobs,
     .role = BH_ROLE_NONE,
     .default_value = "false",
     .choices = nullptr,
     .description = "also back up the SSL certificate (it can be recreated)"},
    {.name = "include_unused",
     .type = BH_OPTION_BOOL,
     .jobs = kWriteJobs,
     .role = BH_ROLE_NONE,
     .default_value = "false",
     .choices = nullptr,
     .description = "also back up certificates without a binding"},
    {.name = "profile",
     .type = BH_OPTION_STRING,
     .jobs = kWriteJobs,
     .role = BH_ROLE_NONE,
     .default_value = "modern",
     .choices = "modern|compat",
     .description =
         "PKCS#12 profile: modern (AES-256, 600000 iterations) or compat (3DES, older Windows)"},
    {.name = "iterations",
     .type = BH_OPTION_INT,
     .jobs = kWriteJobs,
     .role = BH_ROLE_NONE,
     .default_value = nullptr,
     .choices = nullptr,
     .description = "key-derivation iterations (default: the profile's)"},
    {.name = "target_store",
     .type = BH_OPTION_PATH,
     .jobs = BH_JOBS_RESTORE,
     .role = BH_ROLE_RESTORE_TARGET,
     .default_value = nullptr,
     .choices = nullptr,
     .description = "restore into this store directory (created if missing; default: store)"},
    {.name = "overwrite",
     .type = BH_OPTION_STRING,
     .jobs = BH_JOBS_RESTORE,
     .role = BH_ROLE_OVERWRITE,
     .default_value = "skip",
     .choices = "skip|replace",
     .description =
         "skip: keep the store's certificates, stop on a conflict; replace: take the backup's"},
    {.name = "select",
     .type = BH_OPTION_STRING,
     .jobs = BH_JOBS_RESTORE,
     .role = BH_ROLE_SELECTION,
     .default_value = nullptr,
     .choices = nullptr,
     .description = "comma list of KIND, KIND/DB or SHA-256 thumbprints to restore (default: all)"},
}};

inline constexpr std::array<backup_host::ActionSpec, 6> kActions{{
    {.name = "list",
     .summary = "list the required certificates (--all: also unused ones)",
     .usage = "list [--store DIR] [--all] [--database DB] [--json]"},
    {.name = "show",
     .summary = "every detail of one certificate",
     .usage = "show THUMBPRINT [--store DIR] [--json]"},
    {.name = "delete-unused",
     .summary = "delete certificates that serve no purpose",
     .usage = "delete-unused [--store DIR] [--dry-run] [--yes]"},
    {.name = "import",
     .summary = "import a PFX file with its password",
     .usage =
         "import FILE.pfx [--store DIR] [--bind PURPOSE] [--overwrite skip|replace] [password]"},
    {.name = "export",
     .summary = "export the certificates (not SSL) with a password to the storage location",
     .usage = "export [--store DIR] [--location DIR] [--per-certificate-files] [password]"},
    {.name = "settings",
     .summary = "show or change the export settings kept in the store",
     .usage = "settings [--store DIR] [--per-certificate-files on|off] [--location DIR]"},
}};

}  // namespace detail

// The declared options and actions, for the descriptor (constant data: the descriptor is
// built at compile time).
constexpr std::span<const backup_host::OptionSpec> option_specs() noexcept {
    return detail::kOptions;
}
constexpr std::span<const backup_host::ActionSpec> action_specs() noexcept {
    return detail::kActions;
}

// The fewest key-derivation iterations a backup or export may use.
inline constexpr int kMinIterations = 1000;

struct CertificatesOptions {
    std::optional<std::filesystem::path> store;
    std::string scope = "all";  // "all" or a database name
    // nullopt: the store's setting decides (`certificates settings`).
    std::optional<bool> per_certificate_files;
    bool include_ssl = false;
    bool include_unused = false;
    Pkcs12Profile profile = Pkcs12Profile::modern();
};

// Checks values the host cannot (scope shape, iterations range). Errors are bad usage naming
// the option.
backup_host::Result<CertificatesOptions> read_options(const backup_host::OptionValues& values);

}  // namespace certbackup::plugin
