// Running the independent PKCS#12 implementations the interop tests compare with (openssl,
// certtool, pk12util, Java's keytool, pyca/cryptography) as real processes.
//
// Peers are found on PATH; Java's keytool also under /usr/lib/jvm, preferring Java 17 (what
// Debian 12's openjdk-17-jre-headless installs, and what scripts/test.sh installs). A missing
// peer fails the test with what to install: CI has them all and must not skip silently. Set
// CERTBACKUP_ALLOW_MISSING_PEERS=1 to skip instead on a machine without them.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace certbackup::testing {

struct CommandResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

// Runs `command` through /bin/sh and collects what it prints.
inline CommandResult run(const std::string& command) {
    CommandResult result;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr)
        return result;
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
        result.output.append(buffer, n);
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

// A shell word for any bytes (passwords need not be ASCII).
inline std::string quote(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

inline bool on_path(const std::string& tool) {
    return run("command -v " + quote(tool)).exit_code == 0;
}

// The keytool to use: Java 17's when installed, else the one on PATH; empty when none.
inline std::string find_keytool() {
    std::error_code ignored;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/jvm", ignored)) {
        const auto candidate = entry.path() / "bin" / "keytool";
        if (entry.path().filename().string().starts_with("java-17-openjdk") &&
            std::filesystem::exists(candidate, ignored))
            return candidate.string();
    }
    return on_path("keytool") ? std::string("keytool") : std::string();
}

// "openjdk 17.0.15 ..." for messages: the java next to `keytool`.
inline std::string java_version(const std::string& keytool) {
    const auto java = std::filesystem::path(keytool).parent_path() / "java";
    return run((keytool == "keytool" ? std::string("java") : quote(java.string())) + " -version")
        .output;
}

inline bool missing_peers_allowed() {
    const char* allow = std::getenv("CERTBACKUP_ALLOW_MISSING_PEERS");
    return allow != nullptr && std::string_view(allow) == "1";
}

}  // namespace certbackup::testing

// In a test body or SetUp: fails (or skips, when allowed) when `found` is false.
#define CERTBACKUP_REQUIRE_PEER(found, what, package)                                     \
    do {                                                                                  \
        if (!(found)) {                                                                   \
            if (::certbackup::testing::missing_peers_allowed())                           \
                GTEST_SKIP() << what << " is not installed";                              \
            FAIL() << what << " is not installed: install Debian's " << package           \
                   << " (scripts/test.sh does), or set CERTBACKUP_ALLOW_MISSING_PEERS=1"; \
        }                                                                                 \
    } while (false)
