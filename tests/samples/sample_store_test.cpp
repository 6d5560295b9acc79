// The sample store: its plan (deterministic per seed, with every kind and key type, one
// certificate expiring soon) and the `sample-store` tool run as a real process.
#include "sample_store_generator.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <set>

#include "core/directory_store.hpp"
#include "support/temp_dir.hpp"

namespace certbackup::samples {
namespace {

constexpr std::int64_t kDay = 24 * 3600;

std::string describe(const SampleStorePlan& plan) {
    std::string out = plan.host_name + "\n";
    for (const auto& c : plan.certificates)
        out += c.spec.common_name + "|" + c.spec.friendly_name + "|" +
               std::to_string(static_cast<int>(c.spec.key_type)) + "|" +
               std::to_string(c.spec.not_before_offset) + "|" +
               std::to_string(c.spec.validity_seconds) + "|" +
               (c.binding ? c.binding->to_string() : "unused") + "\n";
    return out;
}

SampleStoreOptions options(unsigned databases, unsigned unused, unsigned extra,
                           std::uint64_t seed) {
    SampleStoreOptions o;
    o.databases = databases;
    o.unused = unused;
    o.extra = extra;
    o.seed = seed;
    return o;
}

TEST(SampleStorePlan, TheSeedDecidesEveryChoice) {
    const auto a = plan_sample_store(options(3, 2, 5, 42));
    const auto b = plan_sample_store(options(3, 2, 5, 42));
    const auto c = plan_sample_store(options(3, 2, 5, 43));
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(describe(*a), describe(*b));
    EXPECT_NE(describe(*a), describe(*c));
}

TEST(SampleStorePlan, HasEveryKindPerDatabaseEveryKeyTypeAndOneCertificateExpiringSoon) {
    const auto plan = plan_sample_store(options(4, 3, 7, 1));
    ASSERT_TRUE(plan) << plan.error().message;
    ASSERT_EQ(plan->databases.size(), 4u);
    EXPECT_EQ(std::set<std::string>(plan->databases.begin(), plan->databases.end()).size(), 4u);

    std::map<std::string, int> per_kind;
    std::set<KeyType> key_types;
    std::set<std::string> purposes;
    int unused = 0;
    int expiring = 0;
    for (const auto& c : plan->certificates) {
        key_types.insert(c.spec.key_type);
        EXPECT_FALSE(c.spec.friendly_name.empty()) << c.spec.common_name;
        const std::int64_t left = c.spec.not_before_offset + c.spec.validity_seconds;
        EXPECT_LT(c.spec.not_before_offset, 0) << c.spec.common_name;
        if (left < 30 * kDay) {
            ++expiring;
            EXPECT_GT(left, 0) << "expires soon, but has not expired";
            ASSERT_TRUE(c.binding);
            EXPECT_EQ(c.binding->to_string(), plan->expiring_purpose);
        } else {
            EXPECT_GE(left, 90 * kDay) << c.spec.common_name;
        }
        if (!c.binding) {
            ++unused;
            continue;
        }
        EXPECT_TRUE(purposes.insert(c.binding->to_string()).second) << "bound twice";
        ++per_kind[std::string(to_string(c.binding->kind))];
        EXPECT_EQ(c.issued_by_ca, c.binding->kind == CertificateKind::ssl);
    }
    EXPECT_EQ(expiring, 1);
    EXPECT_EQ(unused, 3);
    EXPECT_EQ(per_kind["ssl"], 1);
    EXPECT_EQ(per_kind["server_encryption"], 1);
    EXPECT_EQ(per_kind["database"], 4);
    EXPECT_GE(per_kind["master_key"], 4);
    EXPECT_EQ(per_kind["discovery_service"], 4 + 7);
    EXPECT_EQ(per_kind["password_reset"], 4);
    EXPECT_EQ(key_types, (std::set<KeyType>{KeyType::rsa2048, KeyType::rsa4096, KeyType::ec_p256,
                                            KeyType::ec_p521}));
    const auto has_prefix = [&](const std::string& prefix) {
        const auto it = purposes.lower_bound(prefix);
        return it != purposes.end() && it->starts_with(prefix);
    };
    for (std::size_t d = 0; d < plan->databases.size(); ++d) {
        const std::string& db = plan->databases[d];
        EXPECT_TRUE(purposes.contains("database/" + db)) << db;
        EXPECT_TRUE(has_prefix("master_key/" + db + "/")) << db;
        EXPECT_TRUE(has_prefix("discovery_service/" + db + "/ds-")) << db;
        EXPECT_TRUE(has_prefix("password_reset/" + db + "/")) << db;
        // Extra certificates go round the databases: extra-1 to the first, and so on.
        EXPECT_TRUE(
            purposes.contains("discovery_service/" + db + "/extra-" + std::to_string(d + 1)))
            << db;
    }
    EXPECT_TRUE(purposes.contains("discovery_service/" + plan->databases[2] + "/extra-7"));
}

TEST(SampleStorePlan, ManyDatabasesGetUniqueNamesAndExtraNeedsADatabase) {
    const auto plan = plan_sample_store(options(25, 0, 0, 9));
    ASSERT_TRUE(plan);
    EXPECT_EQ(std::set<std::string>(plan->databases.begin(), plan->databases.end()).size(), 25u);
    const auto refused = plan_sample_store(options(0, 0, 1, 9));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
}

TEST(SampleStore, RefusesADirectoryThatIsNotEmpty) {
    testing::TempDir dir;
    std::FILE* f = std::fopen((dir / "something").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
    const std::string before = testing::snapshot_tree(dir.path());
    auto written = write_sample_store(dir.path(), options(1, 0, 0, 1));
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(written.error().message.find(dir.path().string() + " exists and is not empty"),
              std::string::npos)
        << written.error().message;
    EXPECT_EQ(testing::snapshot_tree(dir.path()), before);
}

// --- the tool, as a real process ----------------------------------------------------------

std::filesystem::path tool() {
    if (const char* build = std::getenv("CERTBACKUP_BUILD_DIR"))
        return std::filesystem::path(build) / "bin" / "sample-store";
    // Run by hand: the tool sits next to this test in build/bin.
    return std::filesystem::read_symlink("/proc/self/exe").parent_path() / "sample-store";
}

struct ToolRun {
    int exit_code = -1;
    std::string output;  // stdout and stderr
};

ToolRun run(const std::string& arguments) {
    ToolRun result;
    const std::string command = tool().string() + " " + arguments + " 2>&1";
    std::FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr)
        return result;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe))
        result.output.append(buffer, n);
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

TEST(SampleStoreTool, HelpAndBadUsage) {
    const ToolRun help = run("--help");
    EXPECT_EQ(help.exit_code, 0) << help.output;
    for (const char* word : {"DIR", "--databases", "--unused", "--extra", "--seed"})
        EXPECT_NE(help.output.find(word), std::string::npos) << word;
    EXPECT_EQ(run("").exit_code, 2);
    EXPECT_EQ(run("/tmp/x --databases many").exit_code, 2);
    testing::TempDir dir;
    std::FILE* f = std::fopen((dir / "keep-me").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
    const ToolRun refused = run(dir.path().string());
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_NE(refused.output.find("is not empty"), std::string::npos) << refused.output;
}

TEST(SampleStoreTool, WritesARealisticStore) {
    testing::TempDir dir;
    const std::filesystem::path root = dir / "store";
    const ToolRun made = run(root.string() + " --databases 1 --unused 1 --extra 3 --seed 5");
    ASSERT_EQ(made.exit_code, 0) << made.output;
    EXPECT_NE(made.output.find("sample store written to " + root.string() + " (seed 5)"),
              std::string::npos)
        << made.output;
    EXPECT_NE(made.output.find("expires soon: "), std::string::npos) << made.output;

    auto store = DirectoryStore::open(root);
    ASSERT_TRUE(store) << store.error().message;
    CertificateFilter all;
    all.include_unused = true;
    auto certificates = (*store)->list(all);
    ASSERT_TRUE(certificates) << certificates.error().message;
    const auto plan = plan_sample_store(options(1, 1, 3, 5));
    ASSERT_TRUE(plan);
    ASSERT_EQ(certificates->size(), plan->certificates.size());

    std::set<std::string> key_types;
    std::set<std::string> purposes;
    int unused = 0;
    int expiring = 0;
    const std::int64_t now = std::time(nullptr);
    for (const auto& stored : *certificates) {
        const auto info = stored.certificate.info();
        ASSERT_TRUE(stored.certificate.has_key()) << info.subject;
        EXPECT_TRUE(key_matches(stored.certificate.leaf(), stored.certificate.key()));
        EXPECT_FALSE(stored.certificate.friendly_name().empty()) << info.subject;
        key_types.insert(info.key_algorithm + " " +
                         (info.key_curve.empty() ? std::to_string(info.key_bits) : info.key_curve));
        EXPECT_GT(info.not_after, now) << info.subject;
        expiring += info.not_after < now + 30 * kDay ? 1 : 0;
        unused += stored.required() ? 0 : 1;
        for (const auto& b : stored.bindings)
            purposes.insert(b.to_string());
        if (!stored.bindings.empty() && stored.bindings[0].kind == CertificateKind::ssl) {
            EXPECT_EQ(stored.certificate.chain().size(), 2u) << "issuing CA and root CA";
            EXPECT_FALSE(info.subject_alt_names.empty());
            EXPECT_NE(info.issuer, info.subject);
        }
    }
    EXPECT_EQ(key_types, (std::set<std::string>{"RSA 2048", "RSA 4096", "EC P-256", "EC P-521"}));
    EXPECT_EQ(expiring, 1);
    EXPECT_EQ(unused, 1);
    const std::string& db = plan->databases[0];
    for (const std::string& expected :
         {std::string("ssl"), std::string("server_encryption"), "database/" + db,
          "discovery_service/" + db + "/extra-3", plan->expiring_purpose})
        EXPECT_TRUE(purposes.contains(expected)) << expected;
}

}  // namespace
}  // namespace certbackup::samples
