// The certificate manager's actions of the certificates plugin.
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "certificate_factory.hpp"
#include "core/pkcs12.hpp"
#include "support/plugin_fixture.hpp"

namespace certbackup::testing {
namespace {

using bh::Status;

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

std::size_t required_count(const std::filesystem::path& store) {
    std::size_t n = 0;
    for (const auto& s : list_all(store))
        n += s.required() ? 1 : 0;
    return n;
}

TEST_F(CertificatesPluginTest, ListShowsRequiredCertificatesAndAllAddsUnusedMarked) {
    std::string out;
    ASSERT_TRUE(action("list", {}, &out));
    EXPECT_NE(out.find("SHA-256"), std::string::npos) << out;
    EXPECT_EQ(count(out, "unused *"), 0u) << out;
    EXPECT_NE(out.find(std::to_string(required_count(store())) + " certificates"),
              std::string::npos)
        << out;

    ASSERT_TRUE(action("list", {"--all"}, &out));
    EXPECT_EQ(count(out, "unused *"), 2u) << out;  // the sample store has 2 unused

    ASSERT_TRUE(action("list", {"--json", "--all"}, &out));
    EXPECT_NE(out.find("\"private_key\": true"), std::string::npos) << out;
    EXPECT_NE(out.find("\"days_left\""), std::string::npos) << out;
    EXPECT_EQ(count(out, "\"required\": false"), 2u) << out;
}

TEST_F(CertificatesPluginTest, ListByDatabaseShowsOnlyThatDatabase) {
    std::string db;
    for (const auto& s : list_all(store()))
        for (const auto& b : s.bindings)
            if (b.kind == CertificateKind::database && db.empty())
                db = b.database;
    std::string out;
    ASSERT_TRUE(action("list", {"--database", db, "--json"}, &out));
    EXPECT_EQ(count(out, "\"ssl\""), 0u) << out;
    EXPECT_NE(out.find("database/" + db), std::string::npos) << out;
    EXPECT_NE(out.find("master_key/" + db + "/"), std::string::npos) << out;
}

TEST_F(CertificatesPluginTest, ShowGivesEveryDetailByPrefix) {
    const auto all = list_all(store());
    const StoredCertificate* ssl = nullptr;
    for (const auto& s : all)
        if (!s.bindings.empty() && s.bindings.front().kind == CertificateKind::ssl)
            ssl = &s;
    ASSERT_NE(ssl, nullptr);
    std::string out;
    ASSERT_TRUE(action("show", {ssl->certificate.sha256_hex().substr(0, 10)}, &out));
    const auto info = ssl->certificate.info();
    for (const std::string& expected :
         {info.subject, info.issuer, info.serial_hex, info.sha1_hex, info.sha256_hex,
          std::string("DNS:"), std::string("Chain"), std::string("ssl")})
        EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
    ASSERT_TRUE(action("show", {ssl->certificate.sha256_hex(), "--json"}, &out));
    EXPECT_NE(out.find("\"chain\""), std::string::npos);

    auto missing = action("show", {"0000000000"}, &out);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().status, Status::not_found);
    auto short_prefix = action("show", {"abc"}, &out);
    ASSERT_FALSE(short_prefix);
    EXPECT_EQ(short_prefix.error().status, Status::bad_usage);
}

TEST_F(CertificatesPluginTest, DeleteUnusedDryRunConfirmationAndYes) {
    const auto before = list_all(store()).size();
    const std::string tree = snapshot_tree(store());
    std::string out;
    ASSERT_TRUE(action("delete-unused", {"--dry-run"}, &out));
    EXPECT_NE(out.find("Would delete 2"), std::string::npos) << out;
    EXPECT_EQ(snapshot_tree(store()), tree);

    auto no_terminal = action("delete-unused", {}, &out);
    ASSERT_FALSE(no_terminal);
    EXPECT_EQ(no_terminal.error().status, Status::bad_usage);
    EXPECT_NE(no_terminal.error().message.find("--yes"), std::string::npos);
    EXPECT_EQ(snapshot_tree(store()), tree);

    ASSERT_TRUE(action("delete-unused", {}, &out, std::nullopt, /*confirmation=*/false));
    EXPECT_NE(out.find("Nothing was deleted"), std::string::npos) << out;
    EXPECT_EQ(snapshot_tree(store()), tree);

    ASSERT_TRUE(action("delete-unused", {"--yes"}, &out));
    EXPECT_EQ(list_all(store()).size(), before - 2);
    EXPECT_EQ(required_count(store()), before - 2) << "no required certificate was deleted";

    ASSERT_TRUE(action("delete-unused", {"--yes"}, &out));
    EXPECT_NE(out.find("nothing to delete"), std::string::npos) << out;
}

samples::CertificateSpec named(const std::string& common_name) {
    samples::CertificateSpec spec;
    spec.common_name = common_name;
    return spec;
}

// Writes `certificate` as a PFX with the openssl CLI (modern default or -legacy).
std::filesystem::path openssl_pfx(const std::filesystem::path& dir, const Certificate& certificate,
                                  bool legacy, const std::string& password) {
    const auto cert = dir / "in.pem";
    const auto key = dir / "in.key";
    const auto pass = dir / "in.pass";
    const auto pfx = dir / (legacy ? "legacy.pfx" : "modern.pfx");
    std::ofstream(cert) << certificate.certificate_pem();
    {
        std::ofstream k(key);
        k << certificate.key_pem().view();
    }
    std::ofstream(pass) << password;
    const std::string command =
        "openssl pkcs12 -export " + std::string(legacy ? "-legacy " : "") + "-in " + cert.string() +
        " -inkey " + key.string() + " -name imported -passout " +
        (password.empty() ? "pass:" : "file:" + pass.string()) + " -out " + pfx.string() + " 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    std::filesystem::remove(key);
    return pfx;
}

TEST_F(CertificatesPluginTest, ImportsPfxFromTheOpensslCliModernAndLegacyWithBinding) {
    for (const bool legacy : {false, true}) {
        auto made = samples::make_certificate(named(legacy ? "legacy import" : "modern import"));
        ASSERT_TRUE(made);
        const auto pfx = openssl_pfx(dir_, *made, legacy, "pfx-pässword");
        const std::string purpose =
            legacy ? "password_reset/dbx/reset" : "discovery_service/dbx/disc";
        std::string out;
        auto imported = action("import", {pfx.string(), "--bind", purpose}, &out, "pfx-pässword");
        ASSERT_TRUE(imported) << imported.error().message;
        auto opened = DirectoryStore::open(store());
        ASSERT_TRUE(opened);
        auto got = (*opened)->get(made->sha256_hex());
        ASSERT_TRUE(got) << got.error().message;
        EXPECT_TRUE(got->certificate.has_key());
        EXPECT_EQ(EVP_PKEY_eq(got->certificate.key(), made->key()), 1);
        ASSERT_EQ(got->bindings.size(), 1u);
        EXPECT_EQ(got->bindings.front().to_string(), purpose);
        EXPECT_EQ(got->certificate.friendly_name(), "imported");
    }
}

TEST_F(CertificatesPluginTest, ImportRefusalsChangeNothing) {
    auto made = samples::make_certificate({});
    ASSERT_TRUE(made);
    const auto pfx = openssl_pfx(dir_, *made, false, "secret");
    const std::string tree = snapshot_tree(store());
    std::string out;
    auto wrong = action("import", {pfx.string()}, &out, "not secret");
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().status, Status::wrong_password);

    std::string held;
    for (const auto& s : list_all(store()))
        if (!s.bindings.empty() && s.bindings.front().kind == CertificateKind::database)
            held = s.bindings.front().to_string();
    auto conflict = action("import", {pfx.string(), "--bind", held}, &out, "secret");
    ASSERT_FALSE(conflict);
    EXPECT_EQ(conflict.error().status, Status::conflict);
    EXPECT_NE(conflict.error().message.find(held), std::string::npos);

    std::ofstream(dir_ / "garbage.pfx") << "not a pfx";
    auto garbage = action("import", {(dir_ / "garbage.pfx").string()}, &out, "secret");
    ASSERT_FALSE(garbage);
    EXPECT_EQ(garbage.error().status, Status::corrupt);
    EXPECT_NE(garbage.error().message.find("garbage.pfx"), std::string::npos)
        << garbage.error().message;

    auto bad_purpose = action("import", {pfx.string(), "--bind", "tls/x"}, &out, "secret");
    ASSERT_FALSE(bad_purpose);
    EXPECT_EQ(bad_purpose.error().status, Status::bad_usage);
    EXPECT_EQ(snapshot_tree(store()), tree);
}

TEST_F(CertificatesPluginTest, SettingsAreKeptInTheStore) {
    std::string out;
    ASSERT_TRUE(action("settings", {}, &out));
    EXPECT_NE(out.find("per_certificate_files  off"), std::string::npos) << out;
    EXPECT_NE(out.find("(not set)"), std::string::npos) << out;
    ASSERT_TRUE(action("settings",
                       {"--per-certificate-files", "on", "--location", path("exports").string()},
                       &out));
    ASSERT_TRUE(action("settings", {"--json"}, &out));
    EXPECT_NE(out.find("\"per_certificate_files\": true"), std::string::npos) << out;
    EXPECT_NE(out.find(path("exports").string()), std::string::npos) << out;
    EXPECT_TRUE(std::filesystem::exists(store() / "settings.toml"));
    auto bad = action("settings", {"--per-certificate-files", "maybe"}, &out);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().status, Status::bad_usage);
}

// An export without --location and without a location setting asks through the host's prompt
// service (ABI 1.1), never on the plugin's own standard input.
bh::Result<void> export_asking(const bh::LoadedPlugin& plugin,
                               bh::testing::MemoryJobServices& services,
                               const std::filesystem::path& store) {
    services.password = "export-pass";
    auto request = bh::testing::action_job("export", {});
    request.options.emplace_back("store", store.string());
    request.options.emplace_back("iterations", kIterations);
    return bh::testing::run_job(plugin, request, services);
}

TEST_F(CertificatesPluginTest, ExportAsksTheHostForTheLocationWhenNoneIsSet) {
    bh::testing::MemoryJobServices services;
    services.answer = path("asked").string();
    auto done = export_asking(plugin_, services, store());
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(services.questions,
              std::vector<std::string>{
                  "No storage location is set for exports. Directory to export to: "});
    EXPECT_NE(services.output.find("to " + path("asked").string() + "/certificates-export-"),
              std::string::npos)
        << services.output;
    std::size_t exports = 0;
    for (const auto& e : std::filesystem::directory_iterator(path("asked")))
        exports += e.path().filename().string().starts_with("certificates-export-") ? 1 : 0;
    EXPECT_EQ(exports, 1u);
}

TEST_F(CertificatesPluginTest, ExportWithoutATerminalOrAnAnswerNamesTheLocationOption) {
    bh::testing::MemoryJobServices no_terminal;
    auto refused = export_asking(plugin_, no_terminal, store());
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().status, Status::bad_usage);
    EXPECT_NE(refused.error().message.find("give --location DIR"), std::string::npos)
        << refused.error().message;
    EXPECT_NE(refused.error().message.find("no terminal"), std::string::npos)
        << refused.error().message;
    EXPECT_EQ(no_terminal.questions.size(), 1u);

    bh::testing::MemoryJobServices empty_answer;
    empty_answer.answer = "";
    auto empty = export_asking(plugin_, empty_answer, store());
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().status, Status::bad_usage);
    EXPECT_NE(empty.error().message.find("give --location DIR"), std::string::npos);
}

TEST_F(CertificatesPluginTest, ExportFollowsTheSettingsAndNeverExportsSsl) {
    std::string out;
    auto no_location = action("export", {}, &out, "export-pass");
    ASSERT_FALSE(no_location);
    EXPECT_EQ(no_location.error().status, Status::bad_usage);
    EXPECT_NE(no_location.error().message.find("settings --location"), std::string::npos);

    ASSERT_TRUE(action("settings",
                       {"--per-certificate-files", "on", "--location", path("exports").string()},
                       &out));
    auto exported = action("export", {}, &out, "export-pass");
    ASSERT_TRUE(exported) << exported.error().message;
    EXPECT_NE(out.find("Not exported: ssl"), std::string::npos) << out;
    std::vector<std::filesystem::path> dirs;
    for (const auto& e : std::filesystem::directory_iterator(path("exports")))
        dirs.push_back(e.path());
    ASSERT_EQ(dirs.size(), 1u);
    std::size_t pfx_files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dirs.front())) {
        const auto name = e.path().filename().string();
        if (name.ends_with(".pfx")) {
            ++pfx_files;
            EXPECT_FALSE(name.starts_with("ssl-")) << name;
            auto bytes = Env::posix().read_file(e.path());
            ASSERT_TRUE(bytes);
            EXPECT_TRUE(import_pkcs12(*bytes, "export-pass", name, true)) << name;
        }
    }
    EXPECT_EQ(pfx_files, required_count(store()) - 1)
        << "one file per required certificate but SSL";

    // --location overrides the setting; without --per-certificate-files the setting still says per
    // file.
    ASSERT_TRUE(action("export", {"--location", path("other").string()}, &out, "export-pass"));
    EXPECT_TRUE(std::filesystem::exists(path("other")));
}

TEST_F(CertificatesPluginTest, UnknownActionAndHelp) {
    std::string out;
    auto unknown = action("frobnicate", {}, &out);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().status, Status::bad_usage);
    ASSERT_TRUE(action("list", {"--help"}, &out));
    EXPECT_NE(out.find("--all"), std::string::npos) << out;
}

// A PFX exported "without a password" (openssl's -passout with an empty password, Windows'
// "no password") imports with the host's --no-password (an empty secret), with a warning.
TEST_F(CertificatesPluginTest, ImportWithoutPasswordOpensUnprotectedFilesAndWarns) {
    for (const bool legacy : {false, true}) {
        auto made = samples::make_certificate(named(legacy ? "open legacy" : "open modern"));
        ASSERT_TRUE(made);
        const auto pfx = openssl_pfx(dir_, *made, legacy, "");
        std::string out;
        std::vector<std::string> warnings;
        auto imported = action("import", {pfx.string()}, &out, "", std::nullopt, &warnings);
        ASSERT_TRUE(imported) << imported.error().message;
        auto got = (*DirectoryStore::open(store()))->get(made->sha256_hex());
        ASSERT_TRUE(got) << got.error().message;
        EXPECT_EQ(EVP_PKEY_eq(got->certificate.key(), made->key()), 1);
        EXPECT_EQ(got->certificate.friendly_name(), "imported");
        ASSERT_EQ(warnings.size(), 1u);
        EXPECT_NE(warnings[0].find("was not protected by a password"), std::string::npos)
            << warnings[0];
        EXPECT_NE(warnings[0].find(pfx.filename().string()), std::string::npos) << warnings[0];
    }
}

TEST_F(CertificatesPluginTest, ImportOfAFileWithoutMacWarnsThatChangesCannotBeDetected) {
    auto made = samples::make_certificate(named("no mac"));
    ASSERT_TRUE(made);
    std::ofstream(dir_ / "nomac.pem") << made->certificate_pem() << made->key_pem().view();
    const auto pfx = dir_ / "nomac.pfx";
    const std::string command = "openssl pkcs12 -export -nomac -in " +
                                (dir_ / "nomac.pem").string() + " -passout pass:secret -out " +
                                pfx.string() + " 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    std::filesystem::remove(dir_ / "nomac.pem");
    std::string out;
    std::vector<std::string> warnings;
    ASSERT_TRUE(action("import", {pfx.string()}, &out, "secret", std::nullopt, &warnings));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("has no integrity check (MAC)"), std::string::npos) << warnings[0];

    // A file with a MAC gets no such warning.
    const auto with_mac = openssl_pfx(dir_, *made, false, "secret");
    ASSERT_TRUE(action("import", {with_mac.string()}, &out, "secret", std::nullopt, &warnings));
    EXPECT_TRUE(warnings.empty());
}

TEST_F(CertificatesPluginTest, ImportWithoutPasswordOfAProtectedFileSaysToGiveThePassword) {
    auto made = samples::make_certificate({});
    ASSERT_TRUE(made);
    const auto pfx = openssl_pfx(dir_, *made, false, "secret");
    const std::string tree = snapshot_tree(store());
    std::string out;
    auto refused = action("import", {pfx.string()}, &out, "");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().status, Status::wrong_password);
    EXPECT_NE(refused.error().message.find("is protected by a password"), std::string::npos)
        << refused.error().message;
    EXPECT_EQ(snapshot_tree(store()), tree);
}

TEST_F(CertificatesPluginTest, NoPasswordIsRefusedForBackupAndExport) {
    const std::string tree = snapshot_tree(store());
    std::string out;
    auto exported = action("export", {"--location", path("out").string()}, &out, "");
    ASSERT_FALSE(exported);
    EXPECT_EQ(exported.error().status, Status::bad_usage);
    EXPECT_NE(exported.error().message.find("--no-password"), std::string::npos)
        << exported.error().message;
    EXPECT_FALSE(std::filesystem::exists(path("out")));

    bh::testing::MemoryJobServices services;
    services.password = "";
    auto backed_up = bh::testing::run_job(
        plugin_, bh::testing::JobRequest(bh::JobKind::backup, {{"store", store().string()}}),
        services);
    ASSERT_FALSE(backed_up);
    EXPECT_EQ(backed_up.error().status, Status::bad_usage);
    EXPECT_TRUE(services.items.empty());
    EXPECT_EQ(snapshot_tree(store()), tree);
}

TEST_F(CertificatesPluginTest, ImportIntoAMissingOrEmptyDirectoryCreatesAStore) {
    auto made = samples::make_certificate(named("first of a new store"));
    ASSERT_TRUE(made);
    const auto pfx = openssl_pfx(dir_, *made, false, "secret");
    std::string out;

    // A dry run shows the plan and creates nothing.
    ASSERT_TRUE(action("import", {pfx.string(), "--store", path("new").string(), "--dry-run"}, &out,
                       "secret"));
    EXPECT_NE(out.find("create"), std::string::npos) << out;
    EXPECT_FALSE(std::filesystem::exists(path("new")));

    std::filesystem::create_directory(path("empty"));
    for (const char* target : {"new", "empty"}) {
        auto imported =
            action("import", {pfx.string(), "--store", path(target).string()}, &out, "secret");
        ASSERT_TRUE(imported) << target << ": " << imported.error().message;
        const auto listed = list_all(path(target));
        ASSERT_EQ(listed.size(), 1u) << target;
        EXPECT_EQ(listed[0].certificate.sha256_hex(), made->sha256_hex());
    }

    // A directory that holds something else is never turned into a store.
    std::filesystem::create_directory(path("documents"));
    std::ofstream(path("documents") / "notes.txt") << "mine";
    const std::string before = snapshot_tree(path("documents"));
    auto refused =
        action("import", {pfx.string(), "--store", path("documents").string()}, &out, "secret");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().status, Status::bad_usage);
    EXPECT_NE(refused.error().message.find("neither a certificate store nor empty"),
              std::string::npos)
        << refused.error().message;
    EXPECT_EQ(snapshot_tree(path("documents")), before);
}

TEST_F(CertificatesPluginTest, ACancelledImportChangesNothingAndSaysCancelled) {
    auto made = samples::make_certificate(named("cancelled import"));
    ASSERT_TRUE(made);
    const auto pfx = openssl_pfx(dir_, *made, false, "secret");
    const std::string tree = snapshot_tree(store());
    bh::testing::MemoryJobServices services;
    services.password = "secret";
    services.cancellation.request();  // SIGINT while the PFX is opened
    auto request = bh::testing::action_job("import", {pfx.string()});
    request.options.emplace_back("store", store().string());
    auto imported = bh::testing::run_job(plugin_, request, services);
    ASSERT_FALSE(imported);
    EXPECT_EQ(imported.error().status, Status::cancelled) << imported.error().message;
    EXPECT_EQ(snapshot_tree(store()), tree);
}

// "Zertifikat ☺ 日本語 😀 Ωmega": the last character of 日本語 is beyond U+0800, 😀 beyond the
// Basic Multilingual Plane.
const std::string kUnicodeName =
    "Zertifikat \xE2\x98\xBA \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\x98\x80 \xCE\xA9mega";

TEST_F(CertificatesPluginTest, AUnicodeFriendlyNameSurvivesImportBackupAndRestoreInBothProfiles) {
    auto made = samples::make_certificate(named("unicode name"));
    ASSERT_TRUE(made);
    made->set_friendly_name(kUnicodeName);
    // The name as Windows writes it: a BMPString with a surrogate pair.
    auto pfx = export_pkcs12(*made, "pfx password", Pkcs12Profile::compat(1000));
    ASSERT_TRUE(pfx) << pfx.error().message;
    const auto file = path("unicode.pfx");
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char*>(pfx->data()), static_cast<long>(pfx->size()));
    std::string out;
    auto imported = action("import", {file.string(), "--bind", "discovery_service/dbu/disc"}, &out,
                           "pfx password");
    ASSERT_TRUE(imported) << imported.error().message;
    EXPECT_EQ(
        (*DirectoryStore::open(store()))->get(made->sha256_hex())->certificate.friendly_name(),
        kUnicodeName);

    for (const char* profile : {"modern", "compat"}) {
        const auto host = backup({{"profile", profile}});
        const auto target = path(std::string("restored-") + profile);
        auto restored = restore(host.items, {{"target_store", target.string()}});
        ASSERT_TRUE(restored) << profile << ": " << restored.error().message;
        auto got = (*DirectoryStore::open(target))->get(made->sha256_hex());
        ASSERT_TRUE(got) << profile << ": " << got.error().message;
        EXPECT_EQ(got->certificate.friendly_name(), kUnicodeName) << profile;
        expect_same_certificates(store(), target, {"ssl", "unused"});
    }
}

// A store written before names were cleaned (or edited by hand) may hold any bytes in a name:
// listing, showing, backing up and exporting still work, with the name made valid.
TEST_F(CertificatesPluginTest, ANameThatIsNotUtf8NeverStopsListShowBackupOrExport) {
    auto made = samples::make_certificate(named("odd name"));
    ASSERT_TRUE(made);
    made->set_friendly_name("caf\xE9 \x1B[31mred");
    {
        auto opened = DirectoryStore::open(store());
        ASSERT_TRUE(opened);
        ASSERT_TRUE(
            (*opened)->add(made->clone(), Binding::parse("password_reset/dbo/reset").value()));
    }
    // The store writes a name on one line (control characters as spaces) and reads it back
    // as valid UTF-8.
    const std::string cleaned = "caf\xEF\xBF\xBD  [31mred";
    std::string out;
    ASSERT_TRUE(action("list", {"--json"}, &out));
    ASSERT_TRUE(action("show", {made->sha256_hex(), "--json"}, &out));
    EXPECT_NE(out.find(cleaned), std::string::npos) << out;
    ASSERT_TRUE(action("show", {made->sha256_hex()}, &out));
    EXPECT_EQ(out.find('\x1B'), std::string::npos) << out;
    const auto host = backup();
    EXPECT_FALSE(host.items.empty());
    auto exported = action("export", {"--location", path("exported").string()}, &out, "pass");
    ASSERT_TRUE(exported) << exported.error().message;
}

}  // namespace
}  // namespace certbackup::testing
