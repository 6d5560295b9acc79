// The certificates plugin (DESIGN §1, §2): backup of the certificate store as a snapshot of
// PFX payloads and a manifest, restore mapped to import, verify, estimate, and the certificate
// manager's actions. One object per host job; every job runs on the host's job thread.
#include <backup_host/plugin.hpp>

#include <memory>

#include "actions.hpp"
#include "job_support.hpp"
#include "jobs.hpp"
#include "plugin_options.hpp"

namespace certbackup::plugin {

class CertificatesPlugin final : public backup_host::Plugin {
  public:
    static backup_host::Result<std::unique_ptr<CertificatesPlugin>> create(
        backup_host::Host host, const backup_host::OptionValues& values) {
        auto options = read_options(values);
        if (!options)
            return std::unexpected(options.error());
        return std::unique_ptr<CertificatesPlugin>(
            new CertificatesPlugin(host, std::move(*options)));
    }

    backup_host::Result<void> backup() override { return run_backup(host(), options_); }
    backup_host::Result<void> restore(const backup_host::RestoreOptions& restore) override {
        return run_restore(host(), options_, restore);
    }
    backup_host::Result<void> verify() override { return run_verify(host()); }
    backup_host::Result<backup_host::Estimate> estimate() override {
        return run_estimate(host(), options_);
    }
    backup_host::Result<void> action(std::string_view name,
                                     const std::vector<std::string>& args) override {
        return run_action(host(), options_, name, args);
    }

  private:
    CertificatesPlugin(backup_host::Host host, CertificatesOptions options)
        : Plugin(host), options_(std::move(options)) {}

    CertificatesOptions options_;
};

constexpr backup_host::PluginInfo kCertificatesPluginInfo{
    .id = kPluginId,
    .version = kPluginVersion,
    .format_version = 1,
    .description =
        "certificates with private keys of the password server: backup, restore, certificate "
        "manager",
    .jobs = BH_JOBS_ALL,
    .options = option_specs(),
    .actions = action_specs(),
};

}  // namespace certbackup::plugin

BACKUP_HOST_PLUGIN(certbackup::plugin::CertificatesPlugin,
                   certbackup::plugin::kCertificatesPluginInfo)
