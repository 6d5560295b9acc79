// PKCS#12 against independent implementations, run as real processes: the `openssl` CLI
// (OpenSSL's apps), GnuTLS `certtool`, NSS `pk12util`/`certutil`, Java's `keytool` and
// pyca/cryptography. Each peer reads our files with the same password (ASCII and non-ASCII;
// Java ASCII only, see docs/FORMAT.md) in both profiles, and we read what the peers write.
#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "core/pkcs12.hpp"
#include "pkcs12_fixtures.hpp"
#include "support/interop_tools.hpp"
#include "support/temp_dir.hpp"

namespace certbackup {
namespace {

namespace fx = certbackup::pkcs12_testing;
using certbackup::testing::TempDir;
using fx::kAsciiPassword;
using fx::kNonAsciiPassword;
using fx::kTestIterations;

using certbackup::testing::quote;
using certbackup::testing::run;

std::string quote_path(const std::filesystem::path& path) {
    return quote(path.string());
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + needle.size()))
        ++n;
    return n;
}

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

// "d9abf7..." -> "D9 AB F7 ...", as `openssl pkcs12` prints a localKeyID.
std::string spaced_upper_hex(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        if (!out.empty())
            out += ' ';
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i + 1])));
    }
    return out;
}

// Two entries sharing a chain: "alpha" (EC P-256) and "beta" (RSA 2048), each with a key.
class TwoEntries {
  public:
    TwoEntries(const std::string& alpha_name, const std::string& beta_name)
        : root_(fx::make_ca("Interop Root CA")),
          intermediate_(fx::make_ca("Interop Intermediate CA", &root_)),
          alpha_(fx::make_leaf("alpha.example.com", &intermediate_, alpha_name)),
          beta_(fx::make_leaf("beta.example.com", &intermediate_, beta_name,
                              samples::KeyType::rsa2048)) {}

    std::vector<std::uint8_t> bundle(std::string_view password, const Pkcs12Profile& profile) {
        const Certificate* entries[] = {&alpha_, &beta_};
        return fx::must(export_pkcs12_bundle(entries, password, profile), "export bundle");
    }
    const Certificate& alpha() const { return alpha_; }
    const Certificate& beta() const { return beta_; }
    const Certificate& intermediate() const { return intermediate_; }
    const Certificate& root() const { return root_; }

  private:
    Certificate root_;
    Certificate intermediate_;
    Certificate alpha_;
    Certificate beta_;
};

struct PeerCase {
    Pkcs12ProfileName profile;
    bool non_ascii_password;
};

std::string case_name(const ::testing::TestParamInfo<PeerCase>& info) {
    return std::string(to_string(info.param.profile)) +
           (info.param.non_ascii_password ? "_non_ascii" : "_ascii");
}

const auto kPeerCases = ::testing::Values(
    PeerCase{Pkcs12ProfileName::modern, false}, PeerCase{Pkcs12ProfileName::modern, true},
    PeerCase{Pkcs12ProfileName::compat, false}, PeerCase{Pkcs12ProfileName::compat, true});

// Our bundle, written to a temporary file with its password file next to it.
class PeerReadsOurFile : public ::testing::TestWithParam<PeerCase> {
  protected:
    void SetUp() override {
        password_ = std::string(GetParam().non_ascii_password ? kNonAsciiPassword : kAsciiPassword);
        const Pkcs12Profile profile = GetParam().profile == Pkcs12ProfileName::modern
                                          ? Pkcs12Profile::modern(kTestIterations)
                                          : Pkcs12Profile::compat(kTestIterations);
        fx::write_file(pfx_path_, entries_.bundle(password_, profile));
        fx::write_file(password_path_, password_);  // no newline: part of no password
    }
    bool modern() const { return GetParam().profile == Pkcs12ProfileName::modern; }

    TempDir dir_;
    TwoEntries entries_{"Datenbank \xC3\xA4\xC3\xB6\xC3\xBC \xE6\x97\xA5\xE6\x9C\xAC", "beta"};
    std::filesystem::path pfx_path_ = dir_ / "bundle.pfx";
    std::filesystem::path password_path_ = dir_ / "password.txt";
    std::string password_;
};

// ---------------------------------------------------------------------------------------------
// openssl pkcs12

class OpenSslCliReadsOurFile : public PeerReadsOurFile {};

TEST_P(OpenSslCliReadsOurFile, WithTheSamePasswordAndTheProfilesAlgorithms) {
    const auto info = run("openssl pkcs12 -info -noout -in " + quote_path(pfx_path_) +
                          " -passin file:" + quote_path(password_path_));
    ASSERT_EQ(info.exit_code, 0) << info.output;
    const std::string iterations = std::to_string(kTestIterations);
    EXPECT_EQ(count(info.output, "Certificate bag"), 4u) << info.output;  // chain once
    if (modern()) {
        EXPECT_TRUE(contains(info.output, "MAC: sha256, Iteration " + iterations)) << info.output;
        EXPECT_TRUE(contains(info.output, "MAC length: 32, salt length: 16")) << info.output;
        EXPECT_EQ(count(info.output,
                        "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, "
                        "Iteration " +
                            iterations + ", PRF hmacWithSHA256"),
                  1u)
            << info.output;
        EXPECT_EQ(count(info.output, "PKCS7 Data"), 1u) << info.output;
        EXPECT_EQ(count(info.output, "Key bag"), 0u) << info.output;
        EXPECT_EQ(count(info.output, "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration " +
                                         iterations + ", PRF hmacWithSHA256"),
                  2u)
            << info.output;
    } else {
        EXPECT_TRUE(contains(info.output, "MAC: sha1, Iteration " + iterations)) << info.output;
        EXPECT_TRUE(contains(info.output, "MAC length: 20, salt length: 16")) << info.output;
        EXPECT_EQ(count(info.output,
                        "PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC, "
                        "Iteration " +
                            iterations),
                  1u)
            << info.output;
        EXPECT_EQ(count(info.output, "PKCS7 Data"), 1u) << info.output;
        EXPECT_EQ(count(info.output,
                        "Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, "
                        "Iteration " +
                            iterations),
                  2u)
            << info.output;
    }

    // The keys come out as we put them in, each with its certificate's SHA-1 as localKeyID.
    const auto keys = run("openssl pkcs12 -nocerts -nodes -in " + quote_path(pfx_path_) +
                          " -passin file:" + quote_path(password_path_));
    ASSERT_EQ(keys.exit_code, 0) << keys.output;
    for (const Certificate* entry : {&entries_.alpha(), &entries_.beta()}) {
        EXPECT_TRUE(contains(keys.output, std::string(entry->key_pem().view())));
        EXPECT_TRUE(
            contains(keys.output, "localKeyID: " + spaced_upper_hex(entry->info().sha1_hex)));
    }
    EXPECT_TRUE(contains(keys.output, "friendlyName: beta")) << keys.output;

    fx::write_file(password_path_, std::string_view("not the password"));
    const auto wrong = run("openssl pkcs12 -info -noout -in " + quote_path(pfx_path_) +
                           " -passin file:" + quote_path(password_path_));
    EXPECT_NE(wrong.exit_code, 0);
    EXPECT_TRUE(contains(wrong.output, "Mac verify error")) << wrong.output;
}

INSTANTIATE_TEST_SUITE_P(Peers, OpenSslCliReadsOurFile, kPeerCases, case_name);

// A bundle of many entries (its lengths in the long DER forms, the certificates' safe encrypted
// in place): `openssl pkcs12` verifies the MAC and finds every key and certificate, in both
// profiles.
class OpenSslCliReadsOurLargeBundle : public ::testing::TestWithParam<Pkcs12ProfileName> {};

TEST_P(OpenSslCliReadsOurLargeBundle, EveryKeyAndCertificate) {
    constexpr int kEntries = 300;
    const Certificate ca = fx::make_ca("Large Bundle CA");
    std::vector<Certificate> certificates;
    std::vector<const Certificate*> entries;
    certificates.reserve(kEntries);
    for (int i = 0; i < kEntries; ++i) {
        certificates.push_back(fx::make_leaf("large" + std::to_string(i) + ".example.com", &ca,
                                             "large " + std::to_string(i)));
        entries.push_back(&certificates.back());
    }
    const Pkcs12Profile profile = GetParam() == Pkcs12ProfileName::modern
                                      ? Pkcs12Profile::modern(kTestIterations)
                                      : Pkcs12Profile::compat(kTestIterations);
    TempDir dir;
    const auto pfx = dir / "large.pfx";
    const auto password = dir / "password.txt";
    fx::write_file(pfx, fx::must(export_pkcs12_bundle(entries, kAsciiPassword, profile), "export"));
    fx::write_file(password, kAsciiPassword);

    const auto info = run("openssl pkcs12 -info -noout -in " + quote_path(pfx) +
                          " -passin file:" + quote_path(password));
    ASSERT_EQ(info.exit_code, 0) << info.output;
    EXPECT_TRUE(contains(info.output, "MAC: sha")) << info.output;
    EXPECT_EQ(count(info.output, "Certificate bag"), kEntries + 1u);  // the CA once
    EXPECT_EQ(count(info.output, "Shrouded Keybag"), static_cast<std::size_t>(kEntries));
    const auto keys = run("openssl pkcs12 -nocerts -nodes -in " + quote_path(pfx) +
                          " -passin file:" + quote_path(password));
    ASSERT_EQ(keys.exit_code, 0) << keys.output;
    for (const Certificate& certificate : certificates)
        EXPECT_TRUE(contains(keys.output, std::string(certificate.key_pem().view())))
            << certificate.sha256_hex();
}

INSTANTIATE_TEST_SUITE_P(Profiles, OpenSslCliReadsOurLargeBundle,
                         ::testing::Values(Pkcs12ProfileName::modern, Pkcs12ProfileName::compat),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// ---------------------------------------------------------------------------------------------
// GnuTLS certtool

class GnuTlsCerttoolReadsOurFile : public PeerReadsOurFile {};

TEST_P(GnuTlsCerttoolReadsOurFile, WithTheSamePassword) {
    const auto info = run("certtool --p12-info --inder --infile " + quote_path(pfx_path_) +
                          " --password " + quote(password_));
    ASSERT_EQ(info.exit_code, 0) << info.output;
    EXPECT_FALSE(contains(info.output, "verify_mac")) << info.output;  // MAC verified
    const std::string iterations = "Iteration count: " + std::to_string(kTestIterations);
    EXPECT_TRUE(contains(info.output, "Friendly name: " + entries_.alpha().friendly_name()))
        << info.output;
    EXPECT_TRUE(contains(info.output, "Friendly name: beta")) << info.output;
    EXPECT_TRUE(contains(info.output, "Key ID: ")) << info.output;
    // MAC, certificates' safe, two shrouded keys.
    EXPECT_EQ(count(info.output, "Salt size: 16"), 4u) << info.output;
    EXPECT_EQ(count(info.output, iterations), 4u) << info.output;
    EXPECT_TRUE(contains(info.output, modern() ? "MAC: SHA256" : "MAC: SHA1")) << info.output;
    EXPECT_EQ(
        count(info.output, modern() ? "Schema: PBES2-AES256-CBC" : "Schema: PKCS12-3DES-SHA1"), 3u)
        << info.output;
    {
        EXPECT_EQ(count(info.output, "Type: PKCS #8 Encrypted key"), 2u) << info.output;
        // certtool leaves shrouded keys encrypted; decrypt each with certtool as well.
        const std::regex block(
            // (spelled in two parts so that no source line looks like a committed key)
            "-----BEGIN ENCRYPTED PRIVATE"
            " KEY-----[^-]*"
            "-----END ENCRYPTED PRIVATE KEY-----");
        int decrypted = 0;
        for (auto it = std::sregex_iterator(info.output.begin(), info.output.end(), block);
             it != std::sregex_iterator(); ++it) {
            const auto key_path = dir_ / ("key" + std::to_string(decrypted) + ".pem");
            fx::write_file(key_path, it->str());
            const auto key = run("certtool --key-info --pkcs8 --infile " + quote_path(key_path) +
                                 " --password " + quote(password_));
            EXPECT_EQ(key.exit_code, 0) << key.output;
            EXPECT_TRUE(contains(key.output, "PRIVATE KEY-----")) << key.output;
            ++decrypted;
        }
        EXPECT_EQ(decrypted, 2);
    }

    const auto wrong = run("certtool --p12-info --inder --infile " + quote_path(pfx_path_) +
                           " --password " + quote("not the password"));
    EXPECT_NE(wrong.exit_code, 0) << wrong.output;
}

INSTANTIATE_TEST_SUITE_P(Peers, GnuTlsCerttoolReadsOurFile, kPeerCases, case_name);

// ---------------------------------------------------------------------------------------------
// NSS pk12util

class NssPk12utilImportsOurFile : public PeerReadsOurFile {};

TEST_P(NssPk12utilImportsOurFile, WithTheSamePassword) {
    const auto db = "sql:" + (dir_ / "nssdb").string();
    std::filesystem::create_directory(dir_ / "nssdb");
    const auto init = run("certutil -N -d " + quote(db) + " --empty-password");
    ASSERT_EQ(init.exit_code, 0) << init.output;

    const auto list = run("pk12util -l " + quote_path(pfx_path_) + " -d " + quote(db) + " -W " +
                          quote(password_));
    ASSERT_EQ(list.exit_code, 0) << list.output;
    EXPECT_EQ(count(list.output, "Certificate(has private key):"), 2u) << list.output;
    EXPECT_EQ(count(list.output, "\nKey(shrouded):"), 2u) << list.output;
    EXPECT_TRUE(contains(list.output, "Friendly Name: " + entries_.alpha().friendly_name()))
        << list.output;

    const auto import = run("pk12util -i " + quote_path(pfx_path_) + " -d " + quote(db) + " -W " +
                            quote(password_) + " -K ''");
    ASSERT_EQ(import.exit_code, 0) << import.output;
    EXPECT_TRUE(contains(import.output, "PKCS12 IMPORT SUCCESSFUL")) << import.output;
    const auto keys = run("certutil -K -d " + quote(db));
    ASSERT_EQ(keys.exit_code, 0) << keys.output;
    EXPECT_TRUE(contains(keys.output, entries_.alpha().friendly_name())) << keys.output;
    EXPECT_TRUE(contains(keys.output, "beta")) << keys.output;
    EXPECT_EQ(count(keys.output, "\n<"), 2u) << keys.output;  // one line per private key

    const auto wrong = run("pk12util -l " + quote_path(pfx_path_) + " -d " + quote(db) + " -W " +
                           quote("not the password"));
    EXPECT_NE(wrong.exit_code, 0) << wrong.output;
}

INSTANTIATE_TEST_SUITE_P(Peers, NssPk12utilImportsOurFile, kPeerCases, case_name);

// ---------------------------------------------------------------------------------------------
// We read what `openssl pkcs12 -export` writes

struct CliExportCase {
    std::string name;
    std::string options;      // extra `openssl pkcs12 -export` options
    std::string mac;          // what import reports
    std::string info_marker;  // in `-info`, proves the options took effect
};

class WeReadOpenSslCliFiles : public ::testing::TestWithParam<std::tuple<CliExportCase, bool>> {
  protected:
    void SetUp() override {
        fx::write_file(dir_ / "leaf.pem", fx::pem_of(leaf_.leaf()));
        fx::write_file(dir_ / "key.pem", leaf_.key_pem().view());
        fx::write_file(dir_ / "chain.pem",
                       fx::pem_of(intermediate_.leaf()) + fx::pem_of(root_.leaf()));
    }

    TempDir dir_;
    Certificate root_ = fx::make_ca("CLI Root CA");
    Certificate intermediate_ = fx::make_ca("CLI Intermediate CA", &root_);
    Certificate leaf_ = fx::make_leaf("cli.example.com", &intermediate_);
};

TEST_P(WeReadOpenSslCliFiles, WithKeyChainAndName) {
    const auto& [variant, non_ascii] = GetParam();
    const std::string password(non_ascii ? kNonAsciiPassword : kAsciiPassword);
    const auto password_path = dir_ / "password.txt";
    fx::write_file(password_path, password);
    const auto pfx_path = dir_ / "cli.pfx";
    const auto made =
        run("openssl pkcs12 -export -in " + quote_path(dir_ / "leaf.pem") + " -inkey " +
            quote_path(dir_ / "key.pem") + " -certfile " + quote_path(dir_ / "chain.pem") +
            " -name 'CLI entry' -passout file:" + quote_path(password_path) + " -out " +
            quote_path(pfx_path) + " " + variant.options);
    ASSERT_EQ(made.exit_code, 0) << made.output;
    const auto info = run("openssl pkcs12 -info -noout -legacy -in " + quote_path(pfx_path) +
                          " -passin file:" + quote_path(password_path));
    ASSERT_TRUE(contains(info.output, variant.info_marker)) << info.output;

    auto contents = import_pkcs12(fx::read_file(pfx_path), password, "cli.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    ASSERT_EQ(contents->certificates.size(), 1u);
    const Certificate& back = contents->certificates[0];
    EXPECT_EQ(back.sha256_hex(), leaf_.sha256_hex());
    ASSERT_TRUE(back.has_key());
    EXPECT_EQ(back.key_pem().view(), leaf_.key_pem().view());
    EXPECT_EQ(back.friendly_name(), "CLI entry");
    EXPECT_EQ(fx::chain_digests(back),
              (std::vector<std::string>{intermediate_.sha256_hex(), root_.sha256_hex()}));
    EXPECT_EQ(contents->mac_algorithm, variant.mac);

    auto wrong = import_pkcs12(fx::read_file(pfx_path), "not the password", "cli.pfx");
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, ErrorCode::wrong_password) << wrong.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Variants, WeReadOpenSslCliFiles,
    ::testing::Combine(
        ::testing::Values(CliExportCase{"default", "", "sha256", "PBES2, PBKDF2, AES-256-CBC"},
                          CliExportCase{"legacy", "-legacy", "sha1", "pbeWithSHA1And40BitRC2-CBC"},
                          CliExportCase{"nomac", "-nomac", "", "PBES2, PBKDF2, AES-256-CBC"},
                          CliExportCase{"unencrypted", "-keypbe NONE -certpbe NONE", "sha256",
                                        "Key bag"}),
        ::testing::Bool()),
    [](const auto& info) {
        return std::get<0>(info.param).name + (std::get<1>(info.param) ? "_non_ascii" : "_ascii");
    });

TEST(WeReadOpenSslCliFile, WithAnEmptyPasswordInModernAndLegacyForm) {
    // `-passout pass:` is how a user exports "without a password" with the openssl command;
    // `certificates import --no-password` opens it with the empty password.
    TempDir dir;
    const Certificate root = fx::make_ca("Empty Root CA");
    const Certificate leaf = fx::make_leaf("empty.example.com", &root);
    fx::write_file(dir / "both.pem", leaf.certificate_pem() + std::string(leaf.key_pem().view()));
    fx::write_file(dir / "chain.pem", fx::pem_of(root.leaf()));
    for (const std::string options : {"", "-legacy"}) {
        const auto made =
            run("openssl pkcs12 -export " + options + " -in " + quote_path(dir / "both.pem") +
                " -certfile " + quote_path(dir / "chain.pem") + " -name 'no password' " +
                "-passout pass: -out " + quote_path(dir / "empty.pfx"));
        ASSERT_EQ(made.exit_code, 0) << made.output;
        auto contents = import_pkcs12(fx::read_file(dir / "empty.pfx"), "", "empty.pfx", true);
        ASSERT_TRUE(contents) << options << ": " << contents.error().message;
        ASSERT_EQ(contents->certificates.size(), 1u) << options;
        const Certificate& back = contents->certificates[0];
        EXPECT_EQ(back.sha256_hex(), leaf.sha256_hex()) << options;
        ASSERT_TRUE(back.has_key()) << options;
        EXPECT_EQ(back.key_pem().view(), leaf.key_pem().view()) << options;
        EXPECT_EQ(back.friendly_name(), "no password") << options;
        EXPECT_EQ(fx::chain_digests(back), std::vector<std::string>{root.sha256_hex()}) << options;
    }
}

TEST(WeReadOpenSslCliFile, WithoutKeysIsNotFoundWhenAKeyIsRequired) {
    TempDir dir;
    const Certificate leaf = fx::make_leaf("nokeys.example.com", nullptr);
    fx::write_file(dir / "cert.pem", leaf.certificate_pem());
    const auto made = run("openssl pkcs12 -export -nokeys -in " + quote_path(dir / "cert.pem") +
                          " -passout pass:secret -out " + quote_path(dir / "nokeys.pfx"));
    ASSERT_EQ(made.exit_code, 0) << made.output;
    auto r = import_pkcs12(fx::read_file(dir / "nokeys.pfx"), "secret", "nokeys.pfx", true);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::not_found) << r.error().message;
}

// ---------------------------------------------------------------------------------------------
// We read what pyca/cryptography writes (a second, independent PKCS#12 writer; scripts/test.sh
// installs python3-cryptography), with a password and with none.

constexpr const char* kPycaWriter = R"(import sys
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
d, password, out = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
def cert(name):
    return x509.load_pem_x509_certificate(open(d + "/" + name, "rb").read())
key = serialization.load_pem_private_key(open(d + "/key.pem", "rb").read(), None)
encryption = (serialization.BestAvailableEncryption(password) if password
              else serialization.NoEncryption())
data = pkcs12.serialize_key_and_certificates(
    b"pyca entry", key, cert("leaf.pem"), [cert("intermediate.pem"), cert("root.pem")], encryption)
open(out, "wb").write(data)
)";

class WeReadPycaFiles : public ::testing::TestWithParam<bool> {};

TEST_P(WeReadPycaFiles, WithKeyChainAndName) {
    const bool with_password = GetParam();
    TempDir dir;
    const Certificate root = fx::make_ca("pyca Root CA");
    const Certificate intermediate = fx::make_ca("pyca Intermediate CA", &root);
    const Certificate leaf = fx::make_leaf("pyca.example.com", &intermediate);
    fx::write_file(dir / "leaf.pem", fx::pem_of(leaf.leaf()));
    fx::write_file(dir / "intermediate.pem", fx::pem_of(intermediate.leaf()));
    fx::write_file(dir / "root.pem", fx::pem_of(root.leaf()));
    fx::write_file(dir / "key.pem", leaf.key_pem().view());
    fx::write_file(dir / "writer.py", kPycaWriter);
    const std::string password = with_password ? std::string(kAsciiPassword) : "";
    const auto pfx_path = dir / "pyca.pfx";
    const auto made =
        run("python3 " + quote_path(dir / "writer.py") + " " + quote_path(dir.path()) + " " +
            quote(password) + " " + quote_path(pfx_path));
    const auto version = run("python3 -c 'import cryptography; print(cryptography.__version__)'");
    ASSERT_EQ(made.exit_code, 0) << made.output << "\npyca/cryptography: " << version.output;

    auto contents = import_pkcs12(fx::read_file(pfx_path), password, "pyca.pfx", true);
    ASSERT_TRUE(contents) << contents.error().message;
    ASSERT_EQ(contents->certificates.size(), 1u);
    const Certificate& back = contents->certificates[0];
    EXPECT_EQ(back.sha256_hex(), leaf.sha256_hex());
    ASSERT_TRUE(back.has_key());
    EXPECT_EQ(back.key_pem().view(), leaf.key_pem().view());
    EXPECT_EQ(back.friendly_name(), "pyca entry");
    EXPECT_EQ(fx::chain_digests(back),
              (std::vector<std::string>{intermediate.sha256_hex(), root.sha256_hex()}));
    if (with_password) {
        auto wrong = import_pkcs12(fx::read_file(pfx_path), "not the password", "pyca.pfx");
        ASSERT_FALSE(wrong);
        EXPECT_EQ(wrong.error().code, ErrorCode::wrong_password) << wrong.error().message;
    }
}

INSTANTIATE_TEST_SUITE_P(Passwords, WeReadPycaFiles, ::testing::Bool(), [](const auto& info) {
    return info.param ? std::string("with_password") : std::string("without_password");
});

// ---------------------------------------------------------------------------------------------
// Java's keytool (Java 17): it reads our bundles in both profiles, every entry a
// PrivateKeyEntry named by its friendly name; and it writes files with several keys (shrouded
// PBES2 key bags, its own localKeyIDs), which `openssl pkcs12 -export` cannot. ASCII passwords
// only: Java and OpenSSL disagree on non-ASCII passwords for PBES2 (docs/FORMAT.md).

class JavaKeytool : public ::testing::Test {
  protected:
    void SetUp() override {
        CERTBACKUP_REQUIRE_PEER(!keytool_.empty(), "Java's keytool", "openjdk-17-jre-headless");
    }
    // The keytool command (a quoted path), and its Java's version for failure messages.
    std::string keytool() const { return quote(keytool_); }
    std::string version() const { return "\n" + certbackup::testing::java_version(keytool_); }

    std::string keytool_ = certbackup::testing::find_keytool();
    TempDir dir_;
};

TEST_F(JavaKeytool, KeystoreWithSeveralKeysImports) {
    const std::string password = "keystore-pass-1";
    const auto store = dir_ / "java.p12";
    for (const std::string alias : {"first", "second"}) {
        const auto made = run(keytool() + " -genkeypair -keystore " + quote_path(store) +
                              " -storetype PKCS12 -storepass " + password + " -alias " + alias +
                              " -keyalg EC -groupname secp256r1 -dname CN=" + alias +
                              ".example.com -validity 30");
        ASSERT_EQ(made.exit_code, 0) << made.output << version();
    }
    // A third entry with a chain, first written by openssl, then rewritten by keytool.
    const Certificate root = fx::make_ca("Java Root CA");
    const Certificate leaf = fx::make_leaf("third.example.com", &root);
    fx::write_file(dir_ / "both.pem", leaf.certificate_pem() + std::string(leaf.key_pem().view()));
    const auto cli =
        run("openssl pkcs12 -export -in " + quote_path(dir_ / "both.pem") +
            " -name third -passout pass:" + password + " -out " + quote_path(dir_ / "cli.p12"));
    ASSERT_EQ(cli.exit_code, 0) << cli.output;
    const auto merged =
        run(keytool() + " -importkeystore -noprompt -srckeystore " + quote_path(dir_ / "cli.p12") +
            " -srcstoretype PKCS12 -srcstorepass " + password + " -destkeystore " +
            quote_path(store) + " -deststoretype PKCS12 -deststorepass " + password);
    ASSERT_EQ(merged.exit_code, 0) << merged.output << version();
    const auto info =
        run("openssl pkcs12 -info -noout -in " + quote_path(store) + " -passin pass:" + password);
    ASSERT_EQ(count(info.output, "Shrouded Keybag"), 3u) << info.output;

    auto contents = import_pkcs12(fx::read_file(store), password, "java.p12", true);
    ASSERT_TRUE(contents) << contents.error().message;
    ASSERT_EQ(contents->certificates.size(), 3u);
    std::map<std::string, const Certificate*> by_name;
    for (const auto& certificate : contents->certificates) {
        EXPECT_TRUE(certificate.has_key()) << certificate.friendly_name();
        by_name[certificate.friendly_name()] = &certificate;
    }
    ASSERT_EQ(by_name.size(), 3u);
    ASSERT_TRUE(by_name.contains("first") && by_name.contains("second") &&
                by_name.contains("third"));
    EXPECT_EQ(by_name["first"]->info().subject, "CN=first.example.com");
    EXPECT_EQ(by_name["second"]->info().subject, "CN=second.example.com");
    EXPECT_EQ(by_name["third"]->sha256_hex(), leaf.sha256_hex());
    EXPECT_EQ(by_name["third"]->key_pem().view(), leaf.key_pem().view());
    EXPECT_EQ(fx::chain_digests(*by_name["third"]), std::vector<std::string>{root.sha256_hex()});
}

TEST_F(JavaKeytool, ListsEveryEntryOfOurBundleAsAPrivateKeyEntryInBothProfiles) {
    TwoEntries entries("alpha", "beta");
    const std::string password(kAsciiPassword);
    for (const Pkcs12Profile& profile :
         {Pkcs12Profile::modern(kTestIterations), Pkcs12Profile::compat(kTestIterations)}) {
        SCOPED_TRACE(std::string(to_string(profile.name)));
        const auto store = dir_ / "ours.p12";
        fx::write_file(store, entries.bundle(password, profile));
        const auto list = run(keytool() + " -list -v -keystore " + quote_path(store) +
                              " -storetype PKCS12 -storepass " + quote(password));
        ASSERT_EQ(list.exit_code, 0) << list.output << version();
        EXPECT_TRUE(contains(list.output, "Your keystore contains 2 entries"))
            << list.output << version();
        EXPECT_EQ(count(list.output, "Entry type: PrivateKeyEntry"), 2u) << list.output;
        EXPECT_EQ(count(list.output, "Certificate chain length: 3"), 2u) << list.output;
        EXPECT_TRUE(contains(list.output, "Alias name: alpha")) << list.output;
        EXPECT_TRUE(contains(list.output, "Alias name: beta")) << list.output;
    }
}

// ---------------------------------------------------------------------------------------------
// pyca/cryptography reads our files: key, certificate, chain and name.

constexpr const char* kPycaReader = R"(import sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
p = pkcs12.load_pkcs12(open(sys.argv[1], "rb").read(), sys.argv[2].encode())
print("name:", p.cert.friendly_name.decode())
print("subject:", p.cert.certificate.subject.rfc4514_string())
print("chain:", len(p.additional_certs))
print(p.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption()).decode())
)";

class PycaReadsOurFile : public PeerReadsOurFile {};

TEST_P(PycaReadsOurFile, KeyCertificateChainAndName) {
    const auto version = run("python3 -c 'import cryptography; print(cryptography.__version__)'");
    CERTBACKUP_REQUIRE_PEER(version.exit_code == 0, "pyca/cryptography", "python3-cryptography");
    fx::write_file(dir_ / "reader.py", kPycaReader);
    // load_pkcs12 reads one entry: a file with one certificate, as per-certificate payloads are.
    const Pkcs12Profile profile =
        modern() ? Pkcs12Profile::modern(kTestIterations) : Pkcs12Profile::compat(kTestIterations);
    const auto single = dir_ / "single.pfx";
    fx::write_file(single, fx::must(export_pkcs12(entries_.beta(), password_, profile), "export"));
    const auto read = run("python3 " + quote_path(dir_ / "reader.py") + " " + quote_path(single) +
                          " " + quote(password_));
    ASSERT_EQ(read.exit_code, 0) << read.output << "\npyca/cryptography " << version.output;
    EXPECT_TRUE(contains(read.output, "name: beta")) << read.output;
    EXPECT_TRUE(contains(read.output, "subject: CN=beta.example.com")) << read.output;
    EXPECT_TRUE(contains(read.output, "chain: 2")) << read.output;
    EXPECT_TRUE(contains(read.output, std::string(entries_.beta().key_pem().view())))
        << read.output;
}

INSTANTIATE_TEST_SUITE_P(Peers, PycaReadsOurFile, kPeerCases, case_name);

}  // namespace
}  // namespace certbackup
