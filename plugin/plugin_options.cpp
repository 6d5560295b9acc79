#include "plugin_options.hpp"

#include <array>

#include "core/binding.hpp"

namespace certbackup::plugin {
backup_host::Result<CertificatesOptions> read_options(const backup_host::OptionValues& values) {
    CertificatesOptions options;
    options.store = values.path("store");
    if (auto scope = values.text("scope")) {
        if (*scope != "all" && !Binding::parse("database/" + *scope))
            return backup_host::fail(
                backup_host::Status::bad_usage,
                "option scope: '" + *scope +
                    "' is neither 'all' nor a database name (letters, digits, '.', '-', '_')");
        options.scope = *scope;
    }
    if (const auto* per_file = values.find("per_certificate_files");
        per_file != nullptr && !per_file->is_default)
        options.per_certificate_files = per_file->boolean;
    options.include_ssl = values.boolean("include_ssl").value_or(false);
    options.include_unused = values.boolean("include_unused").value_or(false);
    std::optional<int> iterations;
    if (auto n = values.integer("iterations")) {
        // Below kMinIterations a stolen backup's password is guessed too cheaply.
        if (*n < kMinIterations || *n > 10'000'000)
            return backup_host::fail(backup_host::Status::bad_usage,
                                     "option iterations: " + std::to_string(*n) + " is outside " +
                                         std::to_string(kMinIterations) + "..10000000");
        iterations = static_cast<int>(*n);
    }
    auto profile = Pkcs12Profile::parse(values.text("profile").value_or("modern"), iterations);
    if (!profile)
        return backup_host::fail(backup_host::Status::bad_usage,
                                 "option profile: " + profile.error().message);
    options.profile = *profile;
    return options;
}

}  // namespace certbackup::plugin
