#include "core/bindings_file.hpp"

#include <gtest/gtest.h>

#include "core/certificate_file.hpp"
#include "core/store_journal.hpp"
#include "core/thumbprint.hpp"
#include "store_test_support.hpp"

namespace certbackup {
namespace {

const std::string kA(64, 'a');
const std::string kB = std::string(63, '0') + "b";

std::string with_bindings(const std::string& body) {
    return "format = 1\ngeneration = 3\n\n[bindings]\n" + body;
}

// Expects `text` to be refused with `code`, the message naming file:line:column and `words`.
void expect_refused(const std::string& text, ErrorCode code, const std::string& location,
                    const std::string& words) {
    auto parsed = parse_bindings_file(text, "/s/bindings.toml");
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().code, code) << parsed.error().message;
    EXPECT_NE(parsed.error().message.find("/s/bindings.toml:" + location), std::string::npos)
        << parsed.error().message;
    EXPECT_NE(parsed.error().message.find(words), std::string::npos) << parsed.error().message;
}

TEST(BindingsFile, FormatsAndParsesBack) {
    BindingsFile file;
    file.generation = 42;
    file.holders[testing::purpose("ssl")] = kA;
    file.holders[testing::purpose("master_key/db1/corp.example.com")] = kB;
    file.holders[testing::purpose("database/db1")] = kB;
    const std::string text = format_bindings_file(file);
    EXPECT_TRUE(text.starts_with("# certbackup certificate store")) << text;
    auto parsed = parse_bindings_file(text, "bindings.toml");
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->generation, 42);
    EXPECT_EQ(parsed->holders, file.holders);
    // Each purpose's line is known, for errors about it.
    EXPECT_GT(parsed->positions.at(testing::purpose("ssl")).line, 10u);
}

TEST(BindingsFile, AcceptsAMinimalHandWrittenFileAndNormalisesThumbprints) {
    auto parsed = parse_bindings_file(
        "[bindings]\n'database/db1' = \"" + std::string(64, 'A') + "\"\n", "bindings.toml");
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->generation, 0);
    EXPECT_EQ(parsed->holders.at(testing::purpose("database/db1")), std::string(64, 'a'));
}

TEST(BindingsFile, RefusesSyntaxErrorsWithLineAndColumn) {
    expect_refused(with_bindings("\"ssl\" = \"" + kA + "\n"), ErrorCode::corrupt,
                   "5:", "fix the TOML syntax");
}

TEST(BindingsFile, RefusesAPurposeBoundTwice) {
    expect_refused(with_bindings("\"ssl\" = \"" + kA + "\"\n\"ssl\" = \"" + kB + "\"\n"),
                   ErrorCode::corrupt, "6:", "ssl");
}

TEST(BindingsFile, RefusesUnknownKeys) {
    expect_refused("format = 1\nper_certificate_files = true\n", ErrorCode::corrupt, "2:1",
                   "unknown key 'per_certificate_files'");
}

TEST(BindingsFile, RefusesBadPurposes) {
    expect_refused(with_bindings("\"tls\" = \"" + kA + "\"\n"), ErrorCode::corrupt, "5:1",
                   "unknown binding kind in 'tls'");
    expect_refused(with_bindings("\"database/a b\" = \"" + kA + "\"\n"), ErrorCode::corrupt, "5:1",
                   "invalid part 'a b'");
    expect_refused(with_bindings("database.db1 = \"" + kA + "\"\n"), ErrorCode::corrupt, "5:1",
                   "write each purpose as one quoted key");
}

TEST(BindingsFile, RefusesThumbprintsThatAreNotSha256Hex) {
    expect_refused(with_bindings("\"ssl\" = \"" + std::string(64, 'g') + "\"\n"),
                   ErrorCode::corrupt, "5:9", "is not a SHA-256 thumbprint");
    expect_refused(with_bindings("\"ssl\" = \"abcdef12\"\n"), ErrorCode::corrupt, "5:9",
                   "is not a SHA-256 thumbprint");
    expect_refused(with_bindings("\"ssl\" = 5\n"), ErrorCode::corrupt, "5:9",
                   "must be a SHA-256 thumbprint in quotes");
}

TEST(BindingsFile, RefusesOtherFormatsAndBadGenerations) {
    expect_refused("format = 2\n", ErrorCode::unsupported, "1:10", "format 2 is not supported");
    expect_refused("generation = -1\n", ErrorCode::corrupt, "1:14", "must not be negative");
    expect_refused("generation = \"x\"\n", ErrorCode::corrupt, "1:14", "whole number");
    expect_refused("bindings = 3\n", ErrorCode::corrupt, "1:12", "must be a table");
}

TEST(Thumbprint, ParsesPrefixesAsPeopleTypeThem) {
    EXPECT_EQ(*parse_thumbprint_prefix("ABCDEF12"), "abcdef12");
    EXPECT_EQ(*parse_thumbprint_prefix("ab:cd:ef:12:34"), "abcdef1234");
    EXPECT_EQ(parse_thumbprint_prefix("abcdef1").error().code, ErrorCode::invalid_argument);
    EXPECT_NE(parse_thumbprint_prefix("abcdef1").error().message.find("at least 8"),
              std::string::npos);
    EXPECT_NE(parse_thumbprint_prefix("abcdefgh").error().message.find("'abcdefgh'"),
              std::string::npos);
    EXPECT_FALSE(parse_thumbprint_prefix(std::string(65, 'a')));
    EXPECT_FALSE(parse_thumbprint("abcdef12"));
    EXPECT_EQ(*parse_thumbprint(std::string(64, 'F')), std::string(64, 'f'));
    EXPECT_TRUE(is_thumbprint(kA));
    EXPECT_FALSE(is_thumbprint(std::string(64, 'A')));
}

TEST(StoreJournal, FormatsAndParsesBack) {
    StoreJournal journal;
    journal.bindings_before_sha256 = kA;
    journal.bindings_after_sha256 = kB;
    journal.added = {{"certs/" + kA + ".pem", kB}, {"keys/" + kA + ".key.pem", kA}};
    journal.removed = {"certs/" + kB + ".pem"};
    auto parsed = parse_store_journal(format_store_journal(journal), "journal.toml");
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(*parsed, journal);
}

TEST(StoreJournal, RefusesPathsOutsideTheStore) {
    for (const std::string& path : std::vector<std::string>{
             "../../etc/passwd", "certs/" + kA + ".key.pem", "keys/" + kA + ".pem",
             "certs/../bindings.toml", "/certs/" + kA + ".pem"}) {
        const std::string text = "bindings_before = \"" + kA + "\"\nbindings_after = \"" + kB +
                                 "\"\nremoved = [\"" + path + "\"]\n";
        auto parsed = parse_store_journal(text, "/s/.txn-1/journal.toml");
        ASSERT_FALSE(parsed) << path;
        EXPECT_EQ(parsed.error().code, ErrorCode::corrupt);
        EXPECT_NE(parsed.error().message.find("/s/.txn-1/journal.toml:3:"), std::string::npos)
            << parsed.error().message;
    }
}

TEST(CertificateFile, KeepsTheFriendlyNameAndChainButNeverTheKey) {
    auto issuer = samples::make_certificate(testing::spec("CA", "CA", true));
    ASSERT_TRUE(issuer);
    auto leaf = samples::make_certificate(testing::spec("db1", "Datenbank ü"), &*issuer);
    ASSERT_TRUE(leaf);
    const std::string text = format_certificate_file(*leaf);
    EXPECT_TRUE(text.starts_with("Bag Attributes\n    friendlyName: Datenbank ü\n")) << text;
    EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos);
    auto parsed = parse_certificate_file(
        std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), "x.pem");
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->sha256_hex(), leaf->sha256_hex());
    EXPECT_EQ(parsed->friendly_name(), "Datenbank ü");
    ASSERT_EQ(parsed->chain().size(), 1u);
    EXPECT_EQ(sha256_hex_of(parsed->chain()[0].get()), issuer->sha256_hex());
    EXPECT_FALSE(parsed->has_key());
}

TEST(CertificateFile, WritesAFriendlyNameWithLineBreaksOnOneLine) {
    auto certificate = testing::make_test_certificate("x", "two\nlines\r");
    const std::string text = format_certificate_file(certificate);
    auto parsed = parse_certificate_file(
        std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), "x.pem");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->friendly_name(), "two lines");
}

}  // namespace
}  // namespace certbackup
