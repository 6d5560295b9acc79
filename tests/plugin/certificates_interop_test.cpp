// Every payload of a backup opens with independent PKCS#12 implementations and the same
// password: the OpenSSL CLI, GnuTLS certtool and NSS pk12util (DESIGN §4).
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "plugin_fixture.hpp"

namespace certbackup::testing {
namespace {

struct Run {
    int exit_code = -1;
    std::string output;
};

Run run(const std::string& command) {
    Run r;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr)
        return r;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe))
        r.output.append(buf, n);
    const int status = ::pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

class PayloadInterop : public CertificatesPluginTest,
                       public ::testing::WithParamInterface<const char*> {};

TEST_P(PayloadInterop, OpensslCerttoolAndPk12utilOpenEveryPayload) {
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
        std::ofstream(file, std::ios::binary)
            .write(reinterpret_cast<const char*>(item.bytes.data()),
                   static_cast<std::streamsize>(item.bytes.size()));

        const auto o = run("openssl pkcs12 -in " + file.string() +
                           " -passin file:" + pass_file.string() + " -nodes -info");
        EXPECT_EQ(o.exit_code, 0) << item.name << "\n" << o.output;
        EXPECT_NE(o.output.find("BEGIN PRIVATE KEY"), std::string::npos) << item.name;
        if (profile == "modern") {
            EXPECT_NE(o.output.find("MAC: sha256"), std::string::npos) << o.output;
            EXPECT_NE(o.output.find("AES-256-CBC"), std::string::npos) << o.output;
        } else {
            EXPECT_NE(o.output.find("MAC: sha1"), std::string::npos) << o.output;
            EXPECT_NE(o.output.find("pbeWithSHA1And3-KeyTripleDES-CBC"), std::string::npos)
                << o.output;
        }
        const auto wrong =
            run("openssl pkcs12 -in " + file.string() + " -passin pass:wrong -noout");
        EXPECT_NE(wrong.exit_code, 0) << item.name;

        const auto c = run("certtool --p12-info --inder --infile " + file.string() +
                           " --password '" + std::string(kPassword) + "'");
        EXPECT_EQ(c.exit_code, 0) << item.name << "\n" << c.output;
        EXPECT_NE(c.output.find("BEGIN CERTIFICATE"), std::string::npos) << c.output;

        const auto n = run("pk12util -l " + file.string() + " -d sql:" + nssdb.string() + " -W '" +
                           std::string(kPassword) + "'");
        EXPECT_EQ(n.exit_code, 0) << item.name << "\n" << n.output;
        EXPECT_NE(n.output.find("Certificate"), std::string::npos) << n.output;
    }
    EXPECT_GE(payloads, 9u);
}

INSTANTIATE_TEST_SUITE_P(Profiles, PayloadInterop, ::testing::Values("modern", "compat"));

}  // namespace
}  // namespace certbackup::testing
