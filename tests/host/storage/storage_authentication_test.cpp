// The authenticated set record (host-sdk/storage/set_authentication.hpp): a record sealed with
// the password checks out; any change to the covered bytes, a wrong password, a moved,
// doubled or malformed authentication field, and a stripped one are each told apart.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "host-sdk/storage/set_authentication.hpp"
#include "host-sdk/storage/set_record.hpp"

namespace backup_host {
namespace {

using certbackup::ErrorCode;

std::span<const std::uint8_t> bytes_of(const std::string& text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

proto::BackupSet sample_record() {
    proto::BackupSet record;
    record.set_format_version(kSetFormatVersion);
    record.set_set_id("20261130T120000Z-abcdef");
    record.set_job("certificates-nightly");
    record.set_created_unix_seconds(1'795'000'000);
    record.set_host("server1");
    record.set_status(proto::SET_STATUS_COMPLETE);
    auto* plugin = record.add_plugins();
    plugin->set_id("certificates");
    plugin->set_item_prefix("certificates/");
    auto* item = record.add_items();
    item->set_name("certificates/manifest.pb");
    item->set_size(3);
    item->set_sha256_hex(std::string(64, 'a'));
    record.set_total_size(3);
    return record;
}

class SetAuthentication : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        auto derived = SetRecordKey::derive_new(bytes_of("correct horse"));
        ASSERT_TRUE(derived) << derived.error().message;
        key_ = new SetRecordKey(std::move(*derived));
    }
    static void TearDownTestSuite() {
        delete key_;
        key_ = nullptr;
    }

    // The record's bytes, sealed with the suite's key.
    static std::vector<std::uint8_t> sealed(const proto::BackupSet& record) {
        auto bytes = serialize_record(record);
        EXPECT_TRUE(bytes);
        auto out = key_->seal(*bytes);
        EXPECT_TRUE(out) << out.error().message;
        return *out;
    }

    // Parses `bytes` and checks them with `key`.
    static certbackup::Result<void> open(const std::vector<std::uint8_t>& bytes,
                                         const SetRecordKey& key) {
        auto file = parse_record_file(bytes, "test/set.pb");
        if (!file)
            return std::unexpected(file.error());
        EXPECT_TRUE(file->authenticated_part.has_value());
        if (!file->authenticated_part)
            return certbackup::fail(ErrorCode::corrupt, "no authentication");
        return key.check(file->record.authentication(), *file->authenticated_part, "test/set.pb");
    }

    static SetRecordKey* key_;
};
SetRecordKey* SetAuthentication::key_ = nullptr;

TEST_F(SetAuthentication, ASealedRecordOpensWithThePasswordItWasSealedWith) {
    const auto bytes = sealed(sample_record());
    auto file = parse_record_file(bytes, "test/set.pb");
    ASSERT_TRUE(file) << file.error().message;
    ASSERT_TRUE(file->record.has_authentication());
    EXPECT_EQ(file->record.authentication().kdf(), proto::SET_KDF_PBKDF2_HMAC_SHA256);
    EXPECT_EQ(file->record.authentication().iterations(), kSetRecordIterations);
    EXPECT_EQ(file->record.authentication().salt().size(), kSetRecordSaltBytes);
    EXPECT_EQ(file->record.set_id(), "20261130T120000Z-abcdef");

    // A reader derives its own key from the stored parameters.
    auto reader_key = SetRecordKey::derive_for(file->record.authentication(),
                                               bytes_of("correct horse"), "test/set.pb");
    ASSERT_TRUE(reader_key) << reader_key.error().message;
    auto opened = open(bytes, *reader_key);
    EXPECT_TRUE(opened) << opened.error().message;
}

TEST_F(SetAuthentication, AWrongPasswordIsToldApartFromAChangedRecord) {
    const auto bytes = sealed(sample_record());
    auto file = parse_record_file(bytes, "test/set.pb");
    ASSERT_TRUE(file);
    auto wrong =
        SetRecordKey::derive_for(file->record.authentication(), bytes_of("wrong"), "test/set.pb");
    ASSERT_TRUE(wrong);
    auto opened = open(bytes, *wrong);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, ErrorCode::wrong_password);
}

TEST_F(SetAuthentication, AnotherPluginAddedToTheRecordFailsAuthentication) {
    // The attack of issue 9: the set record rewritten to list a plugin the backup never ran,
    // keeping the original authentication field at the end.
    const auto original = sealed(sample_record());
    auto file = parse_record_file(original, "test/set.pb");
    ASSERT_TRUE(file);
    proto::BackupSet forged = sample_record();
    auto* planted = forged.add_plugins();
    planted->set_id("files");
    planted->set_item_prefix("files/");
    auto forged_bytes = serialize_record(forged);
    ASSERT_TRUE(forged_bytes);
    const std::size_t field = original.size() - serialize_record(sample_record())->size();
    forged_bytes->insert(forged_bytes->end(), original.end() - static_cast<long>(field),
                         original.end());
    auto opened = open(*forged_bytes, *key_);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, ErrorCode::corrupt);
    EXPECT_NE(opened.error().message.find("failed authentication"), std::string::npos)
        << opened.error().message;
}

TEST_F(SetAuthentication, EveryFlippedBitOfTheCoveredBytesIsCaught) {
    const auto record_bytes = *serialize_record(sample_record());
    const auto bytes = sealed(sample_record());
    int parsed_and_refused = 0;
    for (std::size_t i = 0; i < record_bytes.size(); ++i) {
        auto changed = bytes;
        changed[i] ^= 0x01;
        auto file = parse_record_file(changed, "test/set.pb");
        if (!file || !file->authenticated_part)
            continue;  // refused as damaged already
        auto checked = key_->check(file->record.authentication(), *file->authenticated_part, "x");
        ASSERT_FALSE(checked) << "byte " << i;
        EXPECT_EQ(checked.error().code, ErrorCode::corrupt);
        ++parsed_and_refused;
    }
    EXPECT_GT(parsed_and_refused, 10);
}

TEST_F(SetAuthentication, TheFieldMustBeTheLastPartOfTheFileAndAppearOnce) {
    const auto bytes = sealed(sample_record());
    // Something appended after the field (field 3, "job", again: a valid protobuf merge).
    auto appended = bytes;
    for (const std::uint8_t b : {0x1a, 0x01, 0x78})
        appended.push_back(b);
    auto file = parse_record_file(appended, "test/set.pb");
    ASSERT_FALSE(file);
    EXPECT_EQ(file.error().code, ErrorCode::corrupt);
    EXPECT_NE(file.error().message.find("not the last part"), std::string::npos)
        << file.error().message;

    // The field twice: the sealed bytes followed by their own field again.
    const std::size_t field = bytes.size() - serialize_record(sample_record())->size();
    auto doubled = bytes;
    doubled.insert(doubled.end(), bytes.end() - static_cast<long>(field), bytes.end());
    file = parse_record_file(doubled, "test/set.pb");
    ASSERT_FALSE(file);
    EXPECT_EQ(file.error().code, ErrorCode::corrupt);
}

TEST_F(SetAuthentication, AStrippedFieldLeavesARecordWithoutAuthentication) {
    const auto record_bytes = *serialize_record(sample_record());
    auto file = parse_record_file(record_bytes, "test/set.pb");
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_FALSE(file->authenticated_part.has_value());
    EXPECT_FALSE(file->record.has_authentication());
}

TEST_F(SetAuthentication, ParametersOutsideTheLimitsAreRefusedBeforeAnyDerivation) {
    proto::SetAuthentication authentication;
    authentication.set_kdf(proto::SET_KDF_PBKDF2_HMAC_SHA256);
    authentication.set_salt(std::string(32, 's'));
    authentication.set_password_check(std::string(32, 'c'));
    authentication.set_mac(std::string(32, 'm'));
    const auto refused = [&](const std::string& what) {
        auto key = SetRecordKey::derive_for(authentication, bytes_of("pw"), "test/set.pb");
        ASSERT_FALSE(key) << what;
        EXPECT_EQ(key.error().code, ErrorCode::corrupt) << what;
    };
    authentication.set_iterations(kSetRecordMaxIterations + 1);
    refused("too many iterations");
    authentication.set_iterations(0);
    refused("no iterations");
    authentication.set_iterations(1);
    authentication.set_kdf(proto::SET_KDF_UNSPECIFIED);
    refused("unknown KDF");
    authentication.set_kdf(proto::SET_KDF_PBKDF2_HMAC_SHA256);
    authentication.set_salt(std::string(8, 's'));
    refused("short salt");
    authentication.set_salt(std::string(65, 's'));
    refused("long salt");
    authentication.set_salt(std::string(32, 's'));
    authentication.set_mac(std::string(31, 'm'));
    refused("short MAC");
}

}  // namespace
}  // namespace backup_host
