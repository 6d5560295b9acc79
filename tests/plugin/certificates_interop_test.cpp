// Every payload of a backup, and every file of an `export`, opens with independent PKCS#12
// implementations and the same password: the OpenSSL CLI, GnuTLS certtool, NSS pk12util and
// Java's keytool (DESIGN §4).
#include <cctype>
#include <fstream>

#include "core/pkcs12.hpp"
#include "support/interop_tools.hpp"
#include "support/plugin_fixture.hpp"

namespace certbackup::testing {
namespace {

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++n;
    return n;
}

void write_bytes(const std::filesystem::path& file, const std::vector<std::uint8_t>& bytes) {
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
}

// What Java makes of a friendly name as an alias: its PKCS12 keystore lower-cases aliases.
std::string java_alias(std::string name) {
    for (char& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name;
}

// Java sees every certificate of `file` as a PrivateKeyEntry named by its friendly name.
void expect_keytool_lists_every_entry(const std::string& keytool, const std::filesystem::path& file,
                                      const std::string& password) {
    auto bytes = Env::posix().read_file(file);
    ASSERT_TRUE(bytes);
    auto ours = import_pkcs12(*bytes, password, file.filename().string(), true);
    ASSERT_TRUE(ours) << ours.error().message;
    const auto list = run(quote(keytool) + " -list -v -storetype PKCS12 -keystore " +
                          quote(file.string()) + " -storepass " + quote(password));
    const std::string context =
        file.filename().string() + "\n" + list.output + "\n" + java_version(keytool);
    ASSERT_EQ(list.exit_code, 0) << context;
    const std::size_t n = ours->certificates.size();
    EXPECT_EQ(count(list.output, "Entry type: PrivateKeyEntry"), n) << context;
    EXPECT_NE(list.output.find("Your keystore contains " + std::to_string(n) +
                               (n == 1 ? " entry" : " entries")),
              std::string::npos)
        << context;
    for (const auto& certificate : ours->certificates) {
        if (certificate.friendly_name().empty())
            continue;
        EXPECT_NE(list.output.find("Alias name: " + java_alias(certificate.friendly_name())),
                  std::string::npos)
            << certificate.friendly_name() << "\n"
            << context;
    }
}

class PayloadInterop : public CertificatesPluginTest,
                       public ::testing::WithParamInterface<const char*> {
  protected:
    std::string keytool_ = find_keytool();
};

TEST_P(PayloadInterop, OpensslCerttoolPk12utilAndKeytoolOpenEveryPayload) {
    CERTBACKUP_REQUIRE_PEER(!keytool_.empty(), "Java's keytool", "openjdk-17-jre-headless");
    const std::string profile = GetParam();
    auto host =
        backup({{"per_certificate_files", "true"}, {"profile", profile}, {"include_ssl", "true"}});
    const auto pass_file = path("pass");
    std::ofstream(pass_file) << kPassword;
    const auto nssdb = path("nssdb");
    std::filesystem::create_directory(nssdb);
    ASSERT_EQ(run("certutil -N -d sql:" + nssdb.string() + " --empty-password").exit_code, 0);

    std::size_t payloads = 0;
    for (const auto& item : host.items) {
        if (!item.name.ends_with(".pfx"))
            continue;
        ++payloads;
        const auto file = path(item.name);
        write_bytes(file, item.bytes);

        const auto o = run("openssl pkcs12 -in " + file.string() +
                           " -passin file:" + pass_file.string() + " -nodes -info");
        EXPECT_EQ(o.exit_code, 0) << item.name << "\n" << o.output;
        EXPECT_NE(o.output.find("BEGIN PRIVATE KEY"), std::string::npos) << item.name;
        if (profile == "modern") {
            EXPECT_NE(o.output.find("MAC: sha256"), std::string::npos) << o.output;
            EXPECT_NE(o.output.find("Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC"),
                      std::string::npos)
                << o.output;
        } else {
            EXPECT_NE(o.output.find("MAC: sha1"), std::string::npos) << o.output;
            EXPECT_NE(o.output.find("pbeWithSHA1And3-KeyTripleDES-CBC"), std::string::npos)
                << o.output;
        }
        const auto wrong =
            run("openssl pkcs12 -in " + file.string() + " -passin pass:wrong -noout");
        EXPECT_NE(wrong.exit_code, 0) << item.name;

        const auto c = run("certtool --p12-info --inder --infile " + file.string() +
                           " --password " + quote(kPassword));
        EXPECT_EQ(c.exit_code, 0) << item.name << "\n" << c.output;
        EXPECT_NE(c.output.find("BEGIN CERTIFICATE"), std::string::npos) << c.output;

        const auto n = run("pk12util -l " + file.string() + " -d sql:" + nssdb.string() + " -W " +
                           quote(kPassword));
        EXPECT_EQ(n.exit_code, 0) << item.name << "\n" << n.output;
        EXPECT_NE(n.output.find("Certificate"), std::string::npos) << n.output;

        expect_keytool_lists_every_entry(keytool_, file, kPassword);
    }
    EXPECT_GE(payloads, 9u);
}

TEST_P(PayloadInterop, KeytoolListsEveryCertificateOfTheBundle) {
    CERTBACKUP_REQUIRE_PEER(!keytool_.empty(), "Java's keytool", "openjdk-17-jre-headless");
    auto host = backup({{"profile", GetParam()}, {"include_ssl", "true"}});
    std::size_t bundles = 0;
    for (const auto& item : host.items) {
        if (!item.name.ends_with(".pfx"))
            continue;
        ++bundles;
        write_bytes(path(item.name), item.bytes);
        expect_keytool_lists_every_entry(keytool_, path(item.name), kPassword);
    }
    EXPECT_EQ(bundles, 1u);
}

INSTANTIATE_TEST_SUITE_P(Profiles, PayloadInterop, ::testing::Values("modern", "compat"));

class ExportInterop : public CertificatesPluginTest {};

TEST_F(ExportInterop, KeytoolListsEveryExportedFile) {
    const std::string keytool = find_keytool();
    CERTBACKUP_REQUIRE_PEER(!keytool.empty(), "Java's keytool", "openjdk-17-jre-headless");
    std::string out;
    ASSERT_TRUE(action("settings",
                       {"--per-certificate-files", "on", "--location", path("exports").string()},
                       &out))
        << out;
    auto exported = action("export", {}, &out, "export-pass");
    ASSERT_TRUE(exported) << exported.error().message;
    std::size_t files = 0;
    for (const auto& dir : std::filesystem::directory_iterator(path("exports")))
        for (const auto& e : std::filesystem::directory_iterator(dir.path()))
            if (e.path().extension() == ".pfx") {
                ++files;
                expect_keytool_lists_every_entry(keytool, e.path(), "export-pass");
            }
    EXPECT_GE(files, 8u);
}

}  // namespace
}  // namespace certbackup::testing
