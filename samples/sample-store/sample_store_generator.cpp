#include "sample_store_generator.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <random>
#include <thread>

#include "certbackup/base/parallel_tasks.hpp"
#include "core/directory_store.hpp"

namespace certbackup::samples {
namespace {

constexpr std::int64_t kDay = 24 * 3600;

constexpr std::array<std::string_view, 10> kDatabaseNames = {
    "finance", "hr",      "engineering", "sales",    "operations",
    "legal",   "support", "marketing",   "research", "it-admin"};
constexpr std::array<std::string_view, 5> kDomains = {"corp.example.com", "emea.example.com",
                                                      "us.example.com", "apac.example.com",
                                                      "lab.example.org"};
constexpr std::array<std::string_view, 6> kSites = {"berlin",  "paderborn", "london",
                                                    "newyork", "singapore", "vienna"};
constexpr std::array<std::string_view, 3> kResetNames = {"self-service", "helpdesk", "portal"};
constexpr std::array<std::string_view, 3> kHosts = {"pws01", "passwordsecure", "vault-app01"};

// Choices from the seed with a fixed algorithm (std::*_distribution differ between standard
// libraries; mt19937_64 itself does not), so a seed means the same store everywhere.
class Choices {
  public:
    explicit Choices(std::uint64_t seed) : engine_(seed) {}
    // Uniform enough in [0, n) for picking names and key types (n is tiny against 2^64).
    std::uint64_t below(std::uint64_t n) { return engine_() % n; }
    std::int64_t between(std::int64_t low, std::int64_t high) {
        return low + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(high - low + 1)));
    }
    template <typename T, std::size_t N>
    std::string pick(const std::array<T, N>& from) {
        return std::string(from[below(N)]);
    }
    KeyType pick_key(std::initializer_list<KeyType> types) {
        return *(types.begin() + below(types.size()));
    }
    template <typename T>
    void shuffle(std::vector<T>& items) {
        for (std::size_t i = items.size(); i > 1; --i)
            std::swap(items[i - 1], items[below(i)]);
    }

  private:
    std::mt19937_64 engine_;
};

// Valid for 90 days to about four years from now, issued up to 900 days ago.
void set_valid(CertificateSpec& spec, Choices& choices) {
    const std::int64_t age_days = choices.between(1, 900);
    const std::int64_t remaining_days = choices.between(90, 1500);
    spec.not_before_offset = -age_days * kDay;
    spec.validity_seconds = (age_days + remaining_days) * kDay;
}

CertificateSpec leaf(std::string common_name, std::string friendly_name, KeyType key_type,
                     Choices& choices) {
    CertificateSpec spec;
    spec.common_name = std::move(common_name);
    spec.friendly_name = std::move(friendly_name);
    spec.key_type = key_type;
    set_valid(spec, choices);
    return spec;
}

Binding binding(CertificateKind kind, std::string database = {}, std::string name = {}) {
    Binding b;
    b.kind = kind;
    b.database = std::move(database);
    b.name = std::move(name);
    return b;
}

std::vector<std::string> database_names(unsigned count, Choices& choices) {
    std::vector<std::string> pool(kDatabaseNames.begin(), kDatabaseNames.end());
    choices.shuffle(pool);
    std::vector<std::string> names;
    for (unsigned i = 0; i < count; ++i)
        names.push_back(i < pool.size() ? pool[i] : "db" + std::to_string(i + 1));
    return names;
}

Result<void> check_empty_target(const std::filesystem::path& root) {
    std::error_code ec;
    if (!std::filesystem::exists(root, ec))
        return {};
    if (!std::filesystem::is_directory(root, ec))
        return fail(ErrorCode::invalid_argument,
                    root.string() + " exists and is not a directory; choose a new directory");
    if (!std::filesystem::is_empty(root, ec) || ec)
        return fail(ErrorCode::invalid_argument,
                    root.string() +
                        " exists and is not empty; choose a new directory, or remove this one "
                        "first if it is an old sample store");
    return {};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void add(SampleStorePlan& plan, CertificateSpec spec, std::optional<Binding> purpose,
         bool issued = false) {
    plan.certificates.push_back({std::move(spec), std::move(purpose), issued});
}

// The root CA and the issuing CA it signs.
void plan_authorities(SampleStorePlan& plan) {
    plan.root_ca.common_name = "Example Root CA";
    plan.root_ca.organization = "Example Corp";
    plan.root_ca.key_type = KeyType::ec_p521;
    plan.root_ca.is_ca = true;
    plan.root_ca.not_before_offset = -1000 * kDay;
    plan.root_ca.validity_seconds = 20 * 365 * kDay;
    plan.issuing_ca = plan.root_ca;
    plan.issuing_ca.common_name = "Example Issuing CA 1";
    plan.issuing_ca.key_type = KeyType::ec_p256;
    plan.issuing_ca.not_before_offset = -900 * kDay;
    plan.issuing_ca.validity_seconds = 10 * 365 * kDay;
}

// The server's own certificates: SSL (issued by the CA) and server encryption.
void plan_server_certificates(SampleStorePlan& plan, Choices& choices) {
    CertificateSpec ssl = leaf(plan.host_name, "SSL " + plan.host_name, KeyType::rsa2048, choices);
    ssl.dns_names = {plan.host_name, plan.host_name.substr(0, plan.host_name.find('.'))};
    add(plan, std::move(ssl), binding(CertificateKind::ssl), true);
    add(plan,
        leaf("Server encryption " + plan.host_name, "Server encryption", KeyType::rsa4096, choices),
        binding(CertificateKind::server_encryption));
}

// The certificates of database number `d`: its own, one or two master keys, a discovery
// service and a password reset.
void plan_database_certificates(SampleStorePlan& plan, std::size_t d, Choices& choices) {
    const std::string& db = plan.databases[d];
    add(plan,
        leaf("Database " + db, "Database " + db,
             choices.pick_key({KeyType::rsa2048, KeyType::ec_p256}), choices),
        binding(CertificateKind::database, db));
    std::vector<std::string> domains(kDomains.begin(), kDomains.end());
    choices.shuffle(domains);
    const std::size_t domain_count = 1 + choices.below(2);
    for (std::size_t i = 0; i < domain_count; ++i) {
        // The first master key of the first database is always P-521, so every store has
        // that key type.
        const KeyType type = (d == 0 && i == 0)
                                 ? KeyType::ec_p521
                                 : choices.pick_key({KeyType::ec_p521, KeyType::rsa2048});
        add(plan,
            leaf("Master key " + db + " " + domains[i],
                 "Master key " + db + " (" + domains[i] + ")", type, choices),
            binding(CertificateKind::master_key, db, domains[i]));
    }
    const std::string site = "ds-" + choices.pick(kSites);
    add(plan,
        leaf("Discovery service " + site, "Discovery service " + site + " (" + db + ")",
             KeyType::ec_p256, choices),
        binding(CertificateKind::discovery_service, db, site));
    const std::string reset = choices.pick(kResetNames);
    add(plan,
        leaf("Password reset " + reset, "Password reset " + reset + " (" + db + ")",
             choices.pick_key({KeyType::rsa2048, KeyType::ec_p256, KeyType::ec_p521}), choices),
        binding(CertificateKind::password_reset, db, reset));
}

// One certificate expires soon: one of the per-database ones when there are any.
void plan_expiring_certificate(SampleStorePlan& plan, Choices& choices) {
    const std::size_t first_per_database = 2;
    const std::size_t named = plan.certificates.size();
    const std::size_t expiring =
        named > first_per_database ? first_per_database + choices.below(named - first_per_database)
                                   : 1;
    CertificateSpec& spec = plan.certificates[expiring].spec;
    const std::int64_t days_left = choices.between(7, 25);
    spec.not_before_offset = -(365 - days_left) * kDay;
    spec.validity_seconds = 365 * kDay;
    plan.expiring_purpose = plan.certificates[expiring].binding->to_string();
}

// Certificates bound to nothing (--unused) and extra discovery services (--extra).
void plan_unused_and_extra(SampleStorePlan& plan, const SampleStoreOptions& options,
                           Choices& choices) {
    for (unsigned i = 0; i < options.unused; ++i) {
        const std::string old_db = "test" + std::to_string(i + 1);
        add(plan,
            leaf("Database " + old_db, "Database " + old_db + " (obsolete)",
                 choices.pick_key({KeyType::ec_p256, KeyType::rsa2048}), choices),
            std::nullopt);
    }
    for (unsigned i = 0; i < options.extra; ++i) {
        const std::string& db = plan.databases[i % plan.databases.size()];
        const std::string name = "extra-" + std::to_string(i + 1);
        add(plan,
            leaf("Discovery service " + name, "Discovery service " + name + " (" + db + ")",
                 KeyType::ec_p256, choices),
            binding(CertificateKind::discovery_service, db, name));
    }
}

// The CAs, then every planned certificate on `threads` threads, in plan order.
struct MadeCertificates {
    std::optional<Certificate> issuing_ca;
    std::vector<std::optional<Certificate>> certificates;
};
Result<MadeCertificates> make_certificates(const SampleStorePlan& plan, unsigned threads) {
    auto root_ca = make_certificate(plan.root_ca);
    if (!root_ca)
        return std::unexpected(root_ca.error().with_context("making the root CA"));
    MadeCertificates made;
    auto issuing_ca = make_certificate(plan.issuing_ca, &*root_ca);
    if (!issuing_ca)
        return std::unexpected(issuing_ca.error().with_context("making the issuing CA"));
    made.issuing_ca = std::move(*issuing_ca);
    made.certificates.resize(plan.certificates.size());
    auto generated = run_parallel(
        made.certificates.size(), threads,
        [&](std::size_t i) -> Result<void> {
            const auto& planned = plan.certificates[i];
            auto certificate =
                make_certificate(planned.spec, planned.issued_by_ca ? &*made.issuing_ca : nullptr);
            if (!certificate)
                return std::unexpected(
                    certificate.error().with_context("making " + planned.spec.common_name));
            made.certificates[i] = std::move(*certificate);
            return {};
        },
        {}, "making certificates");
    if (!generated)
        return std::unexpected(generated.error());
    return made;
}

// Writes the made certificates with their bindings into a new store at `root`, in one
// transaction; counts them by kind into `summary`.
Result<std::filesystem::path> write_store(const std::filesystem::path& root,
                                          const SampleStorePlan& plan,
                                          std::vector<std::optional<Certificate>>& made,
                                          unsigned threads, SampleStoreSummary& summary) {
    DirectoryStoreOptions store_options;
    store_options.create = true;
    // Writing is bound by fsync latency: more writers than cores pay off (see apply_commit).
    store_options.write_threads = std::max(threads, 16u);
    auto store = DirectoryStore::open(root, store_options);
    if (!store)
        return std::unexpected(store.error());
    auto transaction = (*store)->begin();
    if (!transaction)
        return std::unexpected(transaction.error());
    for (std::size_t i = 0; i < made.size(); ++i) {
        const auto& planned = plan.certificates[i];
        if (auto added = (*transaction)->add(std::move(*made[i]), planned.binding); !added)
            return std::unexpected(added.error());
        ++summary.per_kind[planned.binding ? std::string(to_string(planned.binding->kind))
                                           : std::string("unused")];
    }
    if (auto committed = (*transaction)->commit(); !committed)
        return std::unexpected(committed.error());
    return (*store)->root();
}

}  // namespace

Result<SampleStorePlan> plan_sample_store(const SampleStoreOptions& options) {
    if (options.extra > 0 && options.databases == 0)
        return fail(ErrorCode::invalid_argument,
                    "--extra certificates are bound under a database: give --databases 1 or more");
    Choices choices(options.seed);
    SampleStorePlan plan;
    plan.host_name = choices.pick(kHosts) + "." + choices.pick(kDomains);
    plan.databases = database_names(options.databases, choices);
    plan_authorities(plan);
    plan_server_certificates(plan, choices);
    for (std::size_t d = 0; d < plan.databases.size(); ++d)
        plan_database_certificates(plan, d, choices);
    plan_expiring_certificate(plan, choices);
    plan_unused_and_extra(plan, options, choices);
    return plan;
}

Result<SampleStoreSummary> write_sample_store(const std::filesystem::path& root,
                                              const SampleStoreOptions& options) {
    if (auto empty = check_empty_target(root); !empty)
        return std::unexpected(empty.error());
    auto plan = plan_sample_store(options);
    if (!plan)
        return std::unexpected(plan.error());
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const unsigned threads = options.threads != 0 ? options.threads : cores;

    const auto generating = std::chrono::steady_clock::now();
    auto made = make_certificates(*plan, threads);
    if (!made)
        return std::unexpected(made.error());
    SampleStoreSummary summary;
    summary.generate_seconds = seconds_since(generating);

    const auto writing = std::chrono::steady_clock::now();
    auto written_root = write_store(root, *plan, made->certificates, threads, summary);
    if (!written_root)
        return std::unexpected(written_root.error());
    summary.write_seconds = seconds_since(writing);

    summary.root = *written_root;
    summary.total = plan->certificates.size();
    summary.extra = options.extra;
    summary.databases = plan->databases;
    summary.expiring_purpose = plan->expiring_purpose;
    for (const auto& planned : plan->certificates)
        if (planned.binding && planned.binding->to_string() == plan->expiring_purpose)
            summary.expiring_in_days = static_cast<int>(
                (planned.spec.not_before_offset + planned.spec.validity_seconds) / kDay);
    return summary;
}

}  // namespace certbackup::samples
