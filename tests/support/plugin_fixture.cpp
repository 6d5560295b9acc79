#include "plugin_fixture.hpp"

#include <map>

#include "sample_store_cache.hpp"

namespace certbackup::testing {

namespace {

// The store every plugin test starts from (a copy of it).
samples::SampleStoreOptions sample_options() {
    samples::SampleStoreOptions options;
    options.databases = 2;
    options.unused = 2;
    options.seed = 7;
    return options;
}

}  // namespace

std::filesystem::path CertificatesPluginTest::plugin_file() {
    return CERTIFICATES_PLUGIN_FILE;
}

void CertificatesPluginTest::SetUp() {
    copy_sample_store(sample_options(), store());
}

BackupResult CertificatesPluginTest::backup(bh::OptionAssignments options) {
    bh::testing::MemoryJobServices services;
    services.password = kPassword;
    options.emplace_back("store", store().string());
    options.emplace_back("iterations", kIterations);
    auto done = bh::testing::run_job(plugin_, bh::testing::JobRequest(bh::JobKind::backup, options),
                                     services);
    EXPECT_TRUE(done) << (done ? "" : done.error().message);
    return {services.items, services.output, services.result};
}

bh::Result<void> CertificatesPluginTest::restore(const std::vector<bh::testing::StoredItem>& items,
                                                 bh::OptionAssignments options, bool dry_run,
                                                 const std::string& password, std::string* output) {
    bh::testing::MemoryJobServices services;
    services.items = items;
    services.password = password;
    auto done = bh::testing::run_job(
        plugin_, bh::testing::JobRequest(bh::JobKind::restore, options, dry_run), services);
    if (output)
        *output = services.output;
    return done;
}

bh::Result<void> CertificatesPluginTest::verify(const std::vector<bh::testing::StoredItem>& items,
                                                const std::string& password, std::string* output) {
    bh::testing::MemoryJobServices services;
    services.items = items;
    services.password = password;
    auto done =
        bh::testing::run_job(plugin_, bh::testing::JobRequest(bh::JobKind::verify), services);
    if (output)
        *output = services.output;
    return done;
}

bh::Result<void> CertificatesPluginTest::action(const std::string& name,
                                                std::vector<std::string> args, std::string* output,
                                                std::optional<std::string> password,
                                                std::optional<bool> confirmation,
                                                std::vector<std::string>* warnings) {
    bh::testing::MemoryJobServices services;
    services.password = password;
    services.confirmation = confirmation;
    auto request = bh::testing::action_job(name, std::move(args));
    request.options.emplace_back("store", store().string());
    request.options.emplace_back("iterations", kIterations);
    auto done = bh::testing::run_job(plugin_, request, services);
    if (output)
        *output = services.output;
    if (warnings) {
        warnings->clear();
        for (const auto& line : services.log_lines())
            if (line.level == bh::LogLevel::warn)
                warnings->push_back(line.message);
    }
    return done;
}

std::vector<StoredCertificate> list_all(const std::filesystem::path& store) {
    auto opened = DirectoryStore::open(store);
    EXPECT_TRUE(opened) << (opened ? "" : opened.error().message);
    if (!opened)
        return {};
    CertificateFilter filter;
    filter.include_unused = true;
    auto listed = (*opened)->list(filter);
    EXPECT_TRUE(listed) << (listed ? "" : listed.error().message);
    return listed ? std::move(*listed) : std::vector<StoredCertificate>{};
}

void CertificatesPluginTest::expect_same_certificates(
    const std::filesystem::path& original, const std::filesystem::path& restored,
    const std::vector<std::string>& missing_kinds) {
    const auto before = list_all(original);
    const auto after = list_all(restored);
    std::map<std::string, const StoredCertificate*> by_thumbprint;
    for (const auto& s : after)
        by_thumbprint[s.certificate.sha256_hex()] = &s;
    std::size_t expected = 0;
    for (const auto& s : before) {
        const std::string kind =
            s.bindings.empty() ? "unused" : std::string(to_string(s.bindings.front().kind));
        const bool missing =
            std::find(missing_kinds.begin(), missing_kinds.end(), kind) != missing_kinds.end();
        auto it = by_thumbprint.find(s.certificate.sha256_hex());
        if (missing) {
            EXPECT_EQ(it, by_thumbprint.end())
                << kind << " " << s.certificate.sha256_hex() << " should not be restored";
            continue;
        }
        ++expected;
        ASSERT_NE(it, by_thumbprint.end())
            << kind << " " << s.certificate.sha256_hex() << " was not restored";
        const auto& r = *it->second;
        EXPECT_EQ(r.bindings, s.bindings) << s.certificate.sha256_hex();
        ASSERT_TRUE(r.certificate.has_key()) << s.certificate.sha256_hex();
        EXPECT_EQ(EVP_PKEY_eq(r.certificate.key(), s.certificate.key()), 1)
            << s.certificate.sha256_hex();
        EXPECT_EQ(r.certificate.friendly_name(), s.certificate.friendly_name())
            << s.certificate.sha256_hex();
        ASSERT_EQ(r.certificate.chain().size(), s.certificate.chain().size())
            << s.certificate.sha256_hex();
        for (std::size_t i = 0; i < s.certificate.chain().size(); ++i)
            EXPECT_EQ(sha256_hex_of(r.certificate.chain()[i].get()),
                      sha256_hex_of(s.certificate.chain()[i].get()));
    }
    EXPECT_EQ(after.size(), expected)
        << "the restored store holds certificates the original did not";
}

}  // namespace certbackup::testing
