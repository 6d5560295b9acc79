// sample-store DIR [--databases N] [--unused N] [--extra N] [--seed S]
//
// Writes a realistic certificate store (docs/CLI.md, DESIGN §3). Exit codes: 0 written, 1 the
// store could not be made (the message says why), 2 bad usage (including a DIR that exists
// and is not empty).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <random>
#include <string>

#include "sample_store_generator.hpp"

namespace {

using certbackup::samples::SampleStoreSummary;

void print_summary(const SampleStoreSummary& summary, std::uint64_t seed) {
    std::printf("sample store written to %s (seed %llu)\n", summary.root.c_str(),
                static_cast<unsigned long long>(seed));
    std::string databases;
    for (const auto& db : summary.databases)
        databases += (databases.empty() ? "" : ", ") + db;
    std::printf("  databases: %s\n", databases.empty() ? "(none)" : databases.c_str());
    for (const auto& kind : {"ssl", "server_encryption", "database", "master_key",
                             "discovery_service", "password_reset", "unused"}) {
        const auto found = summary.per_kind.find(kind);
        const std::size_t count = found == summary.per_kind.end() ? 0 : found->second;
        if (std::string(kind) == "discovery_service" && summary.extra > 0)
            std::printf("  %-18s %zu (%zu of them --extra)\n", kind, count, summary.extra);
        else
            std::printf("  %-18s %zu\n", kind, count);
    }
    std::printf("  %-18s %zu certificates (made in %.1f s, written in %.1f s)\n", "total",
                summary.total, summary.generate_seconds, summary.write_seconds);
    std::printf("  expires soon: %s (in %d days)\n", summary.expiring_purpose.c_str(),
                summary.expiring_in_days);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "Writes a realistic certificate store for a password-manager server: ssl (with an "
        "intermediate CA chain), server_encryption, and per database the database, master_key, "
        "discovery_service and password_reset certificates, plus unused and extra ones. Keys "
        "are RSA 2048/4096 and EC P-256/P-521, always freshly made.",
        "sample-store"};
    std::string dir;
    certbackup::samples::SampleStoreOptions options;
    app.add_option("DIR", dir, "the store directory to create (must not exist, or be empty)")
        ->required();
    app.add_option("--databases", options.databases, "number of databases (default 2)")
        ->check(CLI::Range(0u, 10000u));
    app.add_option("--unused", options.unused,
                   "certificates without a binding, as left by old installs (default 2)")
        ->check(CLI::Range(0u, 1000000u));
    app.add_option("--extra", options.extra,
                   "more bound EC P-256 certificates (discovery_service/<db>/extra-<i>), for "
                   "scale tests (default 0)")
        ->check(CLI::Range(0u, 1000000u));
    auto* seed_option = app.add_option(
        "--seed", options.seed,
        "makes names, key types and validity periods reproducible (default: random, printed)");
    app.add_option("--threads", options.threads, "threads for making keys (default: one per core)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);  // --help
    } catch (const CLI::ParseError& e) {
        (void)app.exit(e);
        return 2;
    }
    if (seed_option->count() == 0) {
        std::random_device device;
        options.seed = (static_cast<std::uint64_t>(device()) << 32) | device();
    }

    auto summary = certbackup::samples::write_sample_store(dir, options);
    if (!summary) {
        std::fprintf(stderr, "sample-store: %s\n", summary.error().message.c_str());
        return summary.error().code == certbackup::ErrorCode::invalid_argument ? 2 : 1;
    }
    print_summary(*summary, options.seed);
    return 0;
}
