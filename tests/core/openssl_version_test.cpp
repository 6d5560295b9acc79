// Proves which OpenSSL the suite runs against: the library loaded at run time, its Debian
// package, and the `openssl` command the interop tests call. Debian's security updates change
// OpenSSL under an installed tree (3.0.19-1~deb12u2 broke OPENSSL_uni2utf8 for characters from
// U+0800 on), so the test log names the version every run was made with.
#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

namespace {

std::string command_output(const std::string& command) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    if (!pipe)
        return {};
    std::string out;
    std::array<char, 256> chunk{};
    while (std::fgets(chunk.data(), chunk.size(), pipe.get()) != nullptr)
        out += chunk.data();
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
        out.pop_back();
    return out;
}

TEST(OpenSslVersion, TheSuiteRunsAgainstTheInstalledOpenSsl3) {
    const std::string runtime = OpenSSL_version(OPENSSL_VERSION);
    const std::string package = command_output("dpkg-query -W -f='${Version}' libssl3 2>/dev/null");
    const std::string cli = command_output("openssl version 2>/dev/null");
    std::printf(
        "OpenSSL at run time: %s (headers: %s); Debian package libssl3: %s; "
        "openssl command: %s\n",
        runtime.c_str(), OPENSSL_VERSION_TEXT, package.empty() ? "-" : package.c_str(),
        cli.empty() ? "-" : cli.c_str());
    RecordProperty("openssl_runtime", runtime);
    RecordProperty("libssl3_package", package);

    EXPECT_EQ(OPENSSL_version_major(), 3u) << runtime;
    EXPECT_EQ(OPENSSL_version_major(), static_cast<unsigned>(OPENSSL_VERSION_MAJOR))
        << "built against " << OPENSSL_VERSION_TEXT << " but running " << runtime;
    // The interop tests compare against the `openssl` command: it must be the same library.
    const std::string version = std::to_string(OPENSSL_version_major()) + "." +
                                std::to_string(OPENSSL_version_minor()) + "." +
                                std::to_string(OPENSSL_version_patch());
    EXPECT_NE(cli.find(version), std::string::npos)
        << "the openssl command (" << cli << ") is not the library this test runs (" << runtime
        << ")";
}

}  // namespace
