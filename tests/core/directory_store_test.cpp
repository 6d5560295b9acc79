#include "core/directory_store.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "core/bindings_file.hpp"
#include "core/certificate_file.hpp"
#include "core/store_import.hpp"
#include "store_test_support.hpp"
#include "support/temp_dir.hpp"

namespace certbackup {
namespace {

using testing::make_test_certificate;
using testing::mode_of;
using testing::purpose;
using testing::read_text;
using testing::write_text;

std::unique_ptr<DirectoryStore> create_store(const fs::path& root) {
    auto store = DirectoryStore::open(root, testing::creating());
    EXPECT_TRUE(store) << store.error().message;
    return std::move(*store);
}

std::vector<std::string> thumbprints(const std::vector<StoredCertificate>& certificates) {
    std::vector<std::string> out;
    for (const auto& c : certificates)
        out.push_back(c.certificate.sha256_hex());
    return out;
}

bool contains_text(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

class DirectoryStoreTest : public ::testing::Test {
  protected:
    testing::TempDir dir;
    fs::path root = dir / "store";
};

TEST_F(DirectoryStoreTest, OpeningAMissingDirectoryFailsNamingIt) {
    auto store = DirectoryStore::open(root);
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, ErrorCode::not_found);
    EXPECT_TRUE(contains_text(store.error().message, root.string())) << store.error().message;
    EXPECT_FALSE(fs::exists(root));
}

TEST_F(DirectoryStoreTest, OpeningADirectoryThatIsNotAStoreFailsNamingWhatIsMissing) {
    fs::create_directories(root / "certs");
    auto store = DirectoryStore::open(root);
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, ErrorCode::not_found);
    EXPECT_TRUE(contains_text(store.error().message, "is not a certificate store: keys"))
        << store.error().message;
}

TEST_F(DirectoryStoreTest, CreateMakesThePrivateLayout) {
    auto store = create_store(root / "nested");
    ASSERT_TRUE(store);
    const fs::path r = root / "nested";
    EXPECT_EQ(mode_of(root), 0700u);
    EXPECT_EQ(mode_of(r), 0700u);
    EXPECT_EQ(mode_of(r / "certs"), 0700u);
    EXPECT_EQ(mode_of(r / "keys"), 0700u);
    EXPECT_EQ(mode_of(r / "bindings.toml"), 0644u);
    EXPECT_EQ(mode_of(r / ".lock"), 0600u);
    auto listed = store->list(testing::filter(true));
    ASSERT_TRUE(listed) << listed.error().message;
    EXPECT_TRUE(listed->empty());
    EXPECT_EQ(store->identity(), "directory:" + r.string());
    // Opening again (with or without create) finds the same, empty store.
    EXPECT_TRUE(DirectoryStore::open(r));
    EXPECT_TRUE(DirectoryStore::open(r, testing::creating()));
}

TEST_F(DirectoryStoreTest, ANewRootIs0700WhateverTheUmask) {
    for (const mode_t mask : {mode_t{022}, mode_t{000}, mode_t{0277}}) {
        const fs::path r = root / ("umask-" + std::to_string(mask));
        const mode_t previous = ::umask(mask);
        auto store = DirectoryStore::open(r, testing::creating());
        ::umask(previous);
        ASSERT_TRUE(store) << store.error().message;
        EXPECT_EQ(mode_of(r), 0700u) << "umask " << mask;
    }
}

TEST_F(DirectoryStoreTest, ARootOthersMayWriteIsRefusedForWritingUnchangedAndWarnedForReading) {
    fs::create_directories(root);
    ASSERT_EQ(::chmod(root.c_str(), 0777), 0);
    DirectoryStoreOptions writing = testing::creating();
    writing.access = StoreAccess::write;
    auto refused = DirectoryStore::open(root, writing);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
    EXPECT_TRUE(contains_text(refused.error().message, root.string())) << refused.error().message;
    EXPECT_TRUE(contains_text(refused.error().message, "0777")) << refused.error().message;
    EXPECT_TRUE(contains_text(refused.error().message, "chmod 700")) << refused.error().message;
    EXPECT_TRUE(fs::is_empty(root));  // nothing was created in it
    EXPECT_EQ(mode_of(root), 0777u);

    // Made a store (as by an older version), it still opens for reading, with a warning.
    ASSERT_TRUE(create_store(root));
    ASSERT_EQ(::chmod(root.c_str(), 0775), 0);
    auto reading = DirectoryStore::open(root);
    ASSERT_TRUE(reading) << reading.error().message;
    ASSERT_EQ((*reading)->warnings().size(), 1u);
    EXPECT_TRUE(contains_text((*reading)->warnings()[0], "0775")) << (*reading)->warnings()[0];
    DirectoryStoreOptions writing_existing;
    writing_existing.access = StoreAccess::write;
    EXPECT_FALSE(DirectoryStore::open(root, writing_existing));
    ASSERT_EQ(::chmod(root.c_str(), 0700), 0);
    auto fixed = DirectoryStore::open(root, writing_existing);
    ASSERT_TRUE(fixed) << fixed.error().message;
    EXPECT_TRUE((*fixed)->warnings().empty());
}

// The POSIX Env, except that every path seems owned by another user.
class ForeignOwnerEnv final : public Env {
  public:
    Result<std::vector<std::uint8_t>> read_file(const fs::path& p) override {
        return base().read_file(p);
    }
    Result<void> write_file(const fs::path& p, std::span<const std::uint8_t> b, mode_t m) override {
        return base().write_file(p, b, m);
    }
    Result<void> rename(const fs::path& a, const fs::path& b) override {
        return base().rename(a, b);
    }
    Result<void> sync_dir(const fs::path& p) override { return base().sync_dir(p); }
    Result<void> remove_file(const fs::path& p) override { return base().remove_file(p); }
    Result<void> remove_tree(const fs::path& p) override { return base().remove_tree(p); }
    Result<void> create_dir(const fs::path& p, mode_t m) override {
        return base().create_dir(p, m);
    }
    Result<void> set_mode(const fs::path& p, mode_t m) override { return base().set_mode(p, m); }
    Result<std::vector<std::string>> list_dir(const fs::path& p) override {
        return base().list_dir(p);
    }
    bool exists(const fs::path& p) override { return base().exists(p); }
    Result<std::optional<FileLock>> lock_file(const fs::path& p, const LockRequest& r) override {
        return base().lock_file(p, r);
    }
    Result<FileStatus> status(const fs::path& p) override {
        auto real = base().status(p);
        if (real)
            real->owner = ::geteuid() + 1;
        return real;
    }

  private:
    static Env& base() { return Env::posix(); }
};

TEST_F(DirectoryStoreTest, ARootAnotherUserOwnsIsRefusedForWritingAndWarnedForReading) {
    ASSERT_TRUE(create_store(root));
    ForeignOwnerEnv foreign;
    DirectoryStoreOptions writing;
    writing.access = StoreAccess::write;
    auto refused = DirectoryStore::open(root, writing, foreign);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
    EXPECT_TRUE(contains_text(refused.error().message, "is owned by user id"))
        << refused.error().message;
    EXPECT_TRUE(contains_text(refused.error().message, "chown")) << refused.error().message;
    auto reading = DirectoryStore::open(root, {}, foreign);
    ASSERT_TRUE(reading) << reading.error().message;
    EXPECT_EQ((*reading)->warnings().size(), 1u);
}

TEST_F(DirectoryStoreTest, AddWritesCertificateKeyAndBindingWithTheirModes) {
    auto store = create_store(root);
    auto issuer = samples::make_certificate(testing::spec("CA", "", true));
    ASSERT_TRUE(issuer);
    auto leaf = samples::make_certificate(
        testing::spec("db1", "Database db1", false, {"db1.example.com"}), &*issuer);
    ASSERT_TRUE(leaf);
    const std::string t = leaf->sha256_hex();
    auto added = store->add(leaf->clone(), purpose("database/db1"));
    ASSERT_TRUE(added) << added.error().message;
    EXPECT_EQ(added->certificate, StagedChange::CertificateChange::added);
    EXPECT_EQ(added->binding, StagedChange::BindingChange::added);

    EXPECT_EQ(mode_of(root / "certs" / (t + ".pem")), 0644u);
    EXPECT_EQ(mode_of(root / "keys" / (t + ".key.pem")), 0600u);
    EXPECT_TRUE(read_text(root / "keys" / (t + ".key.pem")).starts_with("-----BEGIN PRIVATE KEY"));
    EXPECT_TRUE(contains_text(read_text(root / "bindings.toml"), "\"database/db1\" = \"" + t));
    // No staging or journal left behind.
    for (const auto& entry : fs::directory_iterator(root))
        EXPECT_FALSE(entry.path().filename().string().starts_with(".txn-")) << entry.path();

    auto got = store->get(t);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_TRUE(got->required());
    EXPECT_EQ(got->bindings, std::vector<Binding>{purpose("database/db1")});
    ASSERT_TRUE(got->certificate.has_key());
    EXPECT_TRUE(key_matches(got->certificate.leaf(), got->certificate.key()));
    EXPECT_EQ(got->certificate.friendly_name(), "Database db1");
    ASSERT_EQ(got->certificate.chain().size(), 1u);
    EXPECT_EQ(sha256_hex_of(got->certificate.chain()[0].get()), issuer->sha256_hex());
}

TEST_F(DirectoryStoreTest, ListsRequiredOrAllAndByDatabase) {
    auto store = create_store(root);
    auto ssl = make_test_certificate("ssl");
    auto db1 = make_test_certificate("db1");
    auto db2 = make_test_certificate("db2");
    auto old = make_test_certificate("old");
    auto txn = store->begin();
    ASSERT_TRUE(txn) << txn.error().message;
    ASSERT_TRUE((*txn)->add(ssl.clone(), purpose("ssl")));
    ASSERT_TRUE((*txn)->add(db1.clone(), purpose("database/db1")));
    ASSERT_TRUE((*txn)->add(db1.clone(), purpose("master_key/db1/corp.example.com")));
    ASSERT_TRUE((*txn)->add(db2.clone(), purpose("password_reset/db2/reset")));
    ASSERT_TRUE((*txn)->add(old.clone(), std::nullopt));
    ASSERT_TRUE((*txn)->commit());

    auto required = store->list();
    ASSERT_TRUE(required) << required.error().message;
    // Required ones ordered by their first purpose: database/db1, password_reset/db2, ssl.
    EXPECT_EQ(thumbprints(*required),
              (std::vector<std::string>{db1.sha256_hex(), db2.sha256_hex(), ssl.sha256_hex()}));
    EXPECT_EQ((*required)[0].bindings,
              (std::vector<Binding>{purpose("database/db1"),
                                    purpose("master_key/db1/corp.example.com")}));
    EXPECT_TRUE((*required)[0].certificate.has_key());

    auto all = store->list(testing::filter(true));
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 4u);
    EXPECT_EQ(all->back().certificate.sha256_hex(), old.sha256_hex());
    EXPECT_FALSE(all->back().required());

    auto in_db1 = store->list(testing::filter(false, "db1"));
    ASSERT_TRUE(in_db1);
    EXPECT_EQ(thumbprints(*in_db1), std::vector<std::string>{db1.sha256_hex()});
    auto in_db2 = store->list(testing::filter(true, "db2"));
    ASSERT_TRUE(in_db2);
    EXPECT_EQ(thumbprints(*in_db2), std::vector<std::string>{db2.sha256_hex()});

    auto without_keys = store->list(testing::filter(true, std::nullopt, false));
    ASSERT_TRUE(without_keys);
    for (const auto& c : *without_keys)
        EXPECT_FALSE(c.certificate.has_key());
}

TEST_F(DirectoryStoreTest, AListingWithoutKeysStillTellsWhichCertificatesHaveOne) {
    auto store = create_store(root);
    auto with_key = make_test_certificate("with-key");
    auto leaf_only = make_test_certificate("leaf-only");
    auto without_key = Certificate::create(ossl::share(leaf_only.leaf()), nullptr, {});
    ASSERT_TRUE(without_key);
    auto txn = store->begin();
    ASSERT_TRUE(txn) << txn.error().message;
    ASSERT_TRUE((*txn)->add(with_key.clone(), purpose("database/db1")));
    ASSERT_TRUE((*txn)->add(std::move(*without_key), purpose("database/db2")));
    ASSERT_TRUE((*txn)->commit());

    for (const bool load_keys : {true, false}) {
        auto listed = store->list(testing::filter(true, std::nullopt, load_keys));
        ASSERT_TRUE(listed) << listed.error().message;
        ASSERT_EQ(listed->size(), 2u);
        EXPECT_EQ((*listed)[0].certificate.sha256_hex(), with_key.sha256_hex());
        EXPECT_TRUE((*listed)[0].key_stored);
        EXPECT_EQ((*listed)[0].certificate.has_key(), load_keys);
        EXPECT_FALSE((*listed)[1].key_stored);
        EXPECT_FALSE((*listed)[1].certificate.has_key());
    }
}

TEST_F(DirectoryStoreTest, GetAcceptsUniquePrefixesAndRefusesBadOnes) {
    auto store = create_store(root);
    auto certificate = make_test_certificate("x");
    const std::string t = certificate.sha256_hex();
    ASSERT_TRUE(store->add(std::move(certificate)));

    for (const std::string& text : {t, t.substr(0, 8), t.substr(0, 20)}) {
        auto got = store->get(text);
        ASSERT_TRUE(got) << text << ": " << got.error().message;
        EXPECT_EQ(got->certificate.sha256_hex(), t);
    }
    std::string colons;  // "AB:CD:..." as OpenSSL prints it
    for (std::size_t i = 0; i < 16; i += 2)
        colons += (i ? ":" : "") + t.substr(i, 2);
    std::transform(colons.begin(), colons.end(), colons.begin(), ::toupper);
    EXPECT_TRUE(store->get(colons)) << colons;

    auto short_prefix = store->get(t.substr(0, 7));
    ASSERT_FALSE(short_prefix);
    EXPECT_EQ(short_prefix.error().code, ErrorCode::invalid_argument);
    auto not_hex = store->get("xyz12345");
    ASSERT_FALSE(not_hex);
    EXPECT_EQ(not_hex.error().code, ErrorCode::invalid_argument);
    const std::string other = t[0] == '0' ? "11111111" : "00000000";
    auto missing = store->get(other);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::not_found);
    EXPECT_TRUE(contains_text(missing.error().message, other));
}

TEST_F(DirectoryStoreTest, AnAmbiguousPrefixListsTheMatches) {
    auto store = create_store(root);
    auto certificate = make_test_certificate("x");
    const std::string t = certificate.sha256_hex();
    ASSERT_TRUE(store->add(certificate.clone()));
    // A second file sharing the first 8 digits (finding a real one would take 2^32 keys).
    std::string twin = t.substr(0, 8) + std::string(56, t[8] == '0' ? '1' : '0');
    fs::copy_file(root / "certs" / (t + ".pem"), root / "certs" / (twin + ".pem"));
    auto got = store->get(t.substr(0, 8));
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code, ErrorCode::invalid_argument);
    EXPECT_TRUE(contains_text(got.error().message, "matches 2 certificates"))
        << got.error().message;
    EXPECT_TRUE(contains_text(got.error().message, t));
    EXPECT_TRUE(contains_text(got.error().message, twin));
    // The misnamed copy itself is refused when read, with what to do.
    auto listed = store->list(testing::filter(true));
    ASSERT_FALSE(listed);
    EXPECT_EQ(listed.error().code, ErrorCode::corrupt);
    EXPECT_TRUE(contains_text(listed.error().message, twin + ".pem holds certificate " + t))
        << listed.error().message;
}

TEST_F(DirectoryStoreTest, AddIsIdempotentAndAddsAMissingKey) {
    auto store = create_store(root);
    auto certificate = make_test_certificate("x");
    const std::string t = certificate.sha256_hex();
    auto first = store->add(testing::without_key(certificate), purpose("ssl"));
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_FALSE(fs::exists(root / "keys" / (t + ".key.pem")));
    const std::string without = testing::snapshot_tree(root);

    auto again = store->add(testing::without_key(certificate), purpose("ssl"));
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->certificate, StagedChange::CertificateChange::unchanged);
    EXPECT_EQ(again->binding, StagedChange::BindingChange::unchanged);
    EXPECT_EQ(testing::snapshot_tree(root), without) << "an identical add changes nothing";

    auto with_key = store->add(certificate.clone(), purpose("ssl"));
    ASSERT_TRUE(with_key) << with_key.error().message;
    EXPECT_EQ(with_key->certificate, StagedChange::CertificateChange::key_added);
    EXPECT_EQ(mode_of(root / "keys" / (t + ".key.pem")), 0600u);
    EXPECT_TRUE(store->get(t)->certificate.has_key());
}

TEST_F(DirectoryStoreTest, ABindingHeldByAnotherCertificateIsAConflictUnlessReplaced) {
    auto store = create_store(root);
    auto a = make_test_certificate("a");
    auto b = make_test_certificate("b");
    ASSERT_TRUE(store->add(a.clone(), purpose("database/db1")));
    const std::string before = testing::snapshot_tree(root);

    auto refused = store->add(b.clone(), purpose("database/db1"));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::conflict);
    EXPECT_TRUE(contains_text(refused.error().message, a.sha256_hex()));
    EXPECT_TRUE(contains_text(refused.error().message, b.sha256_hex()));
    EXPECT_EQ(testing::snapshot_tree(root), before) << "a refused add stages nothing";

    auto replaced = store->add(b.clone(), purpose("database/db1"), BindingConflictPolicy::replace);
    ASSERT_TRUE(replaced) << replaced.error().message;
    EXPECT_EQ(replaced->binding, StagedChange::BindingChange::replaced);
    EXPECT_EQ(replaced->previous_holder, a.sha256_hex());
    EXPECT_EQ(store->get(b.sha256_hex())->bindings, std::vector<Binding>{purpose("database/db1")});
    EXPECT_FALSE(store->get(a.sha256_hex())->required()) << "the old holder stays, unused";
}

TEST_F(DirectoryStoreTest, BindAndUnbind) {
    auto store = create_store(root);
    auto a = make_test_certificate("a");
    const std::string t = a.sha256_hex();
    ASSERT_TRUE(store->add(a.clone()));
    ASSERT_TRUE(store->bind(t, purpose("discovery_service/db1/ds-berlin")));
    ASSERT_TRUE(store->bind(t.substr(0, 64), purpose("password_reset/db1/reset")));
    EXPECT_EQ(store->get(t)->bindings.size(), 2u);
    ASSERT_TRUE(store->unbind(purpose("discovery_service/db1/ds-berlin")));
    EXPECT_EQ(store->get(t)->bindings, std::vector<Binding>{purpose("password_reset/db1/reset")});

    auto unknown_purpose = store->unbind(purpose("ssl"));
    ASSERT_FALSE(unknown_purpose);
    EXPECT_EQ(unknown_purpose.error().code, ErrorCode::not_found);
    auto unknown_certificate = store->bind(std::string(64, 'e'), purpose("ssl"));
    ASSERT_FALSE(unknown_certificate);
    EXPECT_EQ(unknown_certificate.error().code, ErrorCode::not_found);
    EXPECT_TRUE(contains_text(unknown_certificate.error().message, std::string(64, 'e')));
}

TEST_F(DirectoryStoreTest, RemoveUnusedDeletesItsFilesButRefusesARequiredOne) {
    auto store = create_store(root);
    auto used = make_test_certificate("used");
    auto unused = make_test_certificate("unused");
    auto txn = store->begin();
    ASSERT_TRUE(txn);
    ASSERT_TRUE((*txn)->add(used.clone(), purpose("database/db1")));
    ASSERT_TRUE((*txn)->add(used.clone(), purpose("master_key/db1/x")));
    ASSERT_TRUE((*txn)->add(unused.clone(), std::nullopt));
    ASSERT_TRUE((*txn)->commit());

    auto refused = store->remove_unused(used.sha256_hex().substr(0, 10));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::conflict);
    EXPECT_EQ(refused.error().message, "certificate " + used.sha256_hex() +
                                           " is required by database/db1, master_key/db1/x; "
                                           "remove those bindings first");

    ASSERT_TRUE(store->remove_unused(unused.sha256_hex()));
    EXPECT_FALSE(fs::exists(root / "certs" / (unused.sha256_hex() + ".pem")));
    EXPECT_FALSE(fs::exists(root / "keys" / (unused.sha256_hex() + ".key.pem")));
    auto gone = store->get(unused.sha256_hex());
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, ErrorCode::not_found);
}

TEST_F(DirectoryStoreTest, ATransactionIsInvisibleUntilCommittedAndDiscardedWhenDropped) {
    auto store = create_store(root);
    auto a = make_test_certificate("a");
    auto b = make_test_certificate("b");
    ASSERT_TRUE(store->add(a.clone(), purpose("ssl")));
    const std::string before = testing::describe_store(*store);
    {
        auto txn = store->begin();
        ASSERT_TRUE(txn);
        ASSERT_TRUE((*txn)->add(b.clone(), purpose("database/db1")));
        ASSERT_TRUE((*txn)->unbind(purpose("ssl")));
        EXPECT_TRUE((*txn)->contains(b.sha256_hex()));
        EXPECT_EQ((*txn)->holder(purpose("database/db1")), b.sha256_hex());
        EXPECT_FALSE((*txn)->holder(purpose("ssl")));
        EXPECT_EQ(testing::describe_store(*store), before) << "readers see the committed state";
    }  // dropped without commit
    EXPECT_EQ(testing::describe_store(*store), before);
    auto txn = store->begin();
    ASSERT_TRUE(txn) << "the writer lock went with the dropped transaction";
    EXPECT_FALSE((*txn)->has_changes());
    ASSERT_TRUE((*txn)->commit()) << "committing nothing succeeds";
    auto again = (*txn)->commit();
    ASSERT_FALSE(again);
    EXPECT_TRUE(contains_text(again.error().message, "already finished"));
}

// The file form a restore stages decodes to the same certificate (leaf, chain, key, name), and
// a store holds the same files whether a certificate was added decoded or encoded.
TEST_F(DirectoryStoreTest, AnEncodedCertificateDecodesToItselfAndIsStoredAsTheDecodedOne) {
    auto ca = samples::make_certificate(testing::spec("Encoded CA", "", true));
    ASSERT_TRUE(ca) << ca.error().message;
    auto leaf =
        samples::make_certificate(testing::spec("encoded.example", "Encoded \xE2\x9C\x93"), &*ca);
    ASSERT_TRUE(leaf) << leaf.error().message;
    const EncodedCertificate file_form = testing::encoded(*leaf);
    EXPECT_EQ(file_form.thumbprint, leaf->sha256_hex());
    EXPECT_EQ(file_form.subject, leaf->info().subject);
    EXPECT_TRUE(file_form.has_key());
    auto back = parse_certificate_file(file_form.certificate_file.span(), "encoded");
    ASSERT_TRUE(back) << back.error().message;
    ASSERT_TRUE(attach_private_key(*back, file_form.key_pem.span(), "encoded"));
    EXPECT_EQ(back->der(), leaf->der());
    EXPECT_EQ(back->friendly_name(), leaf->friendly_name());
    ASSERT_EQ(back->chain().size(), 1u);
    EXPECT_EQ(sha256_hex_of(back->chain().front().get()), ca->sha256_hex());
    EXPECT_TRUE(key_matches(back->leaf(), leaf->key()));

    const fs::path other = root.parent_path() / "encoded-store";
    auto decoded_store = create_store(root);
    auto encoded_store = create_store(other);
    ASSERT_TRUE(decoded_store->add(leaf->clone(), purpose("ssl")));
    auto txn = encoded_store->begin();
    ASSERT_TRUE(txn) << txn.error().message;
    ASSERT_TRUE((*txn)->add(testing::encoded(*leaf), purpose("ssl")));
    ASSERT_TRUE((*txn)->commit());
    EXPECT_EQ(testing::describe_store(*decoded_store), testing::describe_store(*encoded_store));
    for (const std::string& relative :
         std::vector<std::string>{StoreLayout::certificate_relative_path(leaf->sha256_hex()),
                                  StoreLayout::key_relative_path(leaf->sha256_hex())})
        EXPECT_EQ(testing::read_text(root / relative), testing::read_text(other / relative))
            << relative;
}

TEST_F(DirectoryStoreTest, ACancelledImportStopsBeforeAnyCertificateOrBeforeTheCommit) {
    auto store = create_store(root);
    ASSERT_TRUE(store->add(make_test_certificate("held").clone(), purpose("ssl")));
    const std::string before = testing::describe_store(*store);
    // Cancelled at the first question (before staging), at the second (between certificates)
    // and at the third (before the commit): every time nothing changes.
    for (int cancel_at = 1; cancel_at <= 3; ++cancel_at) {
        std::vector<ImportCandidate> candidates;
        candidates.push_back(
            {testing::encoded(make_test_certificate("one")), {purpose("database/db1")}});
        candidates.push_back({testing::encoded(make_test_certificate("two")), {}});
        int asked = 0;
        ImportOptions options;
        options.cancelled = [&] { return ++asked >= cancel_at; };
        auto imported = import_certificates(*store, std::move(candidates), options);
        ASSERT_FALSE(imported) << cancel_at;
        EXPECT_EQ(imported.error().code, ErrorCode::cancelled) << cancel_at;
        EXPECT_EQ(asked, cancel_at);
        EXPECT_EQ(testing::describe_store(*store), before) << cancel_at;
    }
    std::vector<ImportCandidate> candidates;
    candidates.push_back(
        {testing::encoded(make_test_certificate("one")), {purpose("database/db1")}});
    ImportOptions options;
    options.cancelled = [] { return false; };
    auto imported = import_certificates(*store, std::move(candidates), options);
    ASSERT_TRUE(imported) << imported.error().message;
    EXPECT_TRUE(imported->committed);
}

TEST_F(DirectoryStoreTest, AnImportCountsCertificatesWhileStagingAndWhileTheCommitWritesThem) {
    auto store = create_store(root);
    std::vector<ImportCandidate> candidates;
    for (const char* name : {"one", "two", "three", "four"})
        candidates.push_back({testing::encoded(make_test_certificate(name)), {}});
    std::vector<std::pair<std::size_t, std::size_t>> staged;
    std::vector<std::pair<std::size_t, std::size_t>> committed;
    ImportOptions options;
    options.staging_progress = [&](std::size_t done, std::size_t total) {
        staged.emplace_back(done, total);
    };
    options.commit_progress = [&](std::size_t done, std::size_t total) {
        committed.emplace_back(done, total);
    };
    auto imported = import_certificates(*store, std::move(candidates), options);
    ASSERT_TRUE(imported) << imported.error().message;
    EXPECT_EQ(staged,
              (std::vector<std::pair<std::size_t, std::size_t>>{{1, 4}, {2, 4}, {3, 4}, {4, 4}}));
    // The commit writes and moves eight files: its reports climb through the certificates
    // instead of jumping from 0 to 4.
    ASSERT_GE(committed.size(), 3u);
    EXPECT_EQ(committed.front(), (std::pair<std::size_t, std::size_t>{0, 4}));
    EXPECT_EQ(committed.back(), (std::pair<std::size_t, std::size_t>{4, 4}));
    std::set<std::size_t> values;
    for (std::size_t i = 0; i < committed.size(); ++i) {
        EXPECT_EQ(committed[i].second, 4u);
        if (i > 0) {
            EXPECT_GE(committed[i].first, committed[i - 1].first);
        }
        values.insert(committed[i].first);
    }
    EXPECT_EQ(values, (std::set<std::size_t>{0, 1, 2, 3, 4}));
}

TEST_F(DirectoryStoreTest, AStagingCallThatFailsStagesNothing) {
    auto store = create_store(root);
    auto a = make_test_certificate("a");
    auto b = make_test_certificate("b");
    ASSERT_TRUE(store->add(a.clone(), purpose("ssl")));
    auto txn = store->begin();
    ASSERT_TRUE(txn);
    ASSERT_FALSE((*txn)->add(b.clone(), purpose("ssl")));
    EXPECT_FALSE((*txn)->contains(b.sha256_hex()));
    EXPECT_FALSE((*txn)->has_changes());
    // Remove and re-add within one transaction nets out.
    ASSERT_TRUE((*txn)->unbind(purpose("ssl")));
    ASSERT_TRUE((*txn)->remove_unused(a.sha256_hex()));
    ASSERT_TRUE((*txn)->add(a.clone(), purpose("ssl")));
    EXPECT_FALSE((*txn)->has_changes());
}

TEST_F(DirectoryStoreTest, ASecondWriterGetsAClearConflict) {
    auto store = create_store(root);
    auto first = store->begin();
    ASSERT_TRUE(first);
    auto other_handle = DirectoryStore::open(root);
    ASSERT_TRUE(other_handle);
    auto second = (*other_handle)->begin();
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, ErrorCode::conflict);
    EXPECT_TRUE(contains_text(second.error().message, (root / ".lock").string()))
        << second.error().message;
    // Readers are not held up by an open transaction.
    EXPECT_TRUE((*other_handle)->list());
    first->reset();
    EXPECT_TRUE((*other_handle)->begin());
}

// A child process that opens the store, begins a transaction and holds it until released (or
// until this object goes, so that a failed assertion never leaves it waiting).
class WriterProcess {
  public:
    explicit WriterProcess(const fs::path& root) {
        int ready[2];
        int release[2];
        if (::pipe(ready) != 0 || ::pipe(release) != 0)
            return;
        pid_ = ::fork();
        if (pid_ == 0) {
            ::close(ready[0]);
            ::close(release[1]);
            auto store = DirectoryStore::open(root);
            std::unique_ptr<StoreTransaction> txn;
            if (store)
                if (auto begun = (*store)->begin())
                    txn = std::move(*begun);
            const char status = txn ? 'y' : 'n';
            (void)!::write(ready[1], &status, 1);
            char ignored;
            (void)!::read(release[0], &ignored, 1);  // returns at EOF too
            ::_exit(0);
        }
        ::close(ready[1]);
        ::close(release[0]);
        release_fd_ = release[1];
        char status = 0;
        began_ = ::read(ready[0], &status, 1) == 1 && status == 'y';
        ::close(ready[0]);
    }
    ~WriterProcess() { end(); }

    bool began() const { return began_; }
    // Lets the child end and waits for it.
    void end() {
        if (release_fd_ >= 0) {
            ::close(release_fd_);
            release_fd_ = -1;
        }
        if (pid_ > 0) {
            int status = 0;
            ::waitpid(pid_, &status, 0);
            pid_ = -1;
        }
    }

  private:
    pid_t pid_ = -1;
    int release_fd_ = -1;
    bool began_ = false;
};

TEST_F(DirectoryStoreTest, AWriterInAnotherProcessHoldsTheLockUntilItEnds) {
    auto store = create_store(root);
    WriterProcess writer(root);
    ASSERT_TRUE(writer.began());
    auto blocked = store->begin();
    ASSERT_FALSE(blocked);
    EXPECT_EQ(blocked.error().code, ErrorCode::conflict);
    EXPECT_TRUE(store->list()) << "readers go on while another process writes";
    writer.end();
    EXPECT_TRUE(store->begin()) << "the lock dies with its process";
}

// --- bad input ---------------------------------------------------------------------------

TEST_F(DirectoryStoreTest, AMalformedBindingsFileIsReportedWithFileLineAndColumn) {
    auto store = create_store(root);
    write_text(root / "bindings.toml", "format = 1\n[bindings]\n\"ssl\" = 12\n");
    auto listed = store->list();
    ASSERT_FALSE(listed);
    EXPECT_EQ(listed.error().code, ErrorCode::corrupt);
    EXPECT_TRUE(contains_text(listed.error().message, (root / "bindings.toml").string() + ":3:9"))
        << listed.error().message;
    // Writers refuse to start on it, too.
    auto txn = store->begin();
    ASSERT_FALSE(txn);
    EXPECT_EQ(txn.error().code, ErrorCode::corrupt);
}

TEST_F(DirectoryStoreTest, ABindingToAnUnknownCertificateNamesTheLineAndTheThumbprint) {
    auto store = create_store(root);
    const std::string unknown(64, 'c');
    write_text(root / "bindings.toml", "[bindings]\n\"database/db1\" = \"" + unknown + "\"\n");
    auto listed = store->list();
    ASSERT_FALSE(listed);
    EXPECT_EQ(listed.error().code, ErrorCode::corrupt);
    EXPECT_TRUE(contains_text(listed.error().message,
                              "bindings.toml:2:1: database/db1 names "
                              "certificate " +
                                  unknown))
        << listed.error().message;
}

TEST_F(DirectoryStoreTest, AKeyThatDoesNotMatchItsCertificateNamesTheKeyFile) {
    auto store = create_store(root);
    auto a = make_test_certificate("a");
    auto b = make_test_certificate("b");
    ASSERT_TRUE(store->add(a.clone(), purpose("ssl")));
    ASSERT_TRUE(store->add(b.clone(), purpose("server_encryption")));
    const fs::path key_a = root / "keys" / (a.sha256_hex() + ".key.pem");
    fs::copy_file(root / "keys" / (b.sha256_hex() + ".key.pem"), key_a,
                  fs::copy_options::overwrite_existing);
    auto got = store->get(a.sha256_hex());
    ASSERT_FALSE(got);
    // A store file that does not fit is damage (exit 4), not a usage mistake.
    EXPECT_EQ(got.error().code, ErrorCode::corrupt);
    EXPECT_TRUE(contains_text(got.error().message, "the store is damaged")) << got.error().message;
    EXPECT_TRUE(contains_text(got.error().message, key_a.string() + ": the private key does not "
                                                                    "belong"))
        << got.error().message;
}

TEST_F(DirectoryStoreTest, StrayFilesAndOrphanKeysAreNamed) {
    auto store = create_store(root);
    auto a = make_test_certificate("a");
    ASSERT_TRUE(store->add(a.clone()));
    write_text(root / "certs" / "notes.txt", "hello");
    auto stray = store->list();
    ASSERT_FALSE(stray);
    EXPECT_EQ(stray.error().code, ErrorCode::corrupt);
    EXPECT_TRUE(contains_text(stray.error().message, (root / "certs" / "notes.txt").string()));
    fs::remove(root / "certs" / "notes.txt");

    fs::rename(root / "certs" / (a.sha256_hex() + ".pem"), dir / "moved.pem");
    auto orphan = store->list();
    ASSERT_FALSE(orphan);
    EXPECT_EQ(orphan.error().code, ErrorCode::corrupt);
    EXPECT_TRUE(contains_text(orphan.error().message, "a private key without its certificate"))
        << orphan.error().message;
}

// --- import from PEM files ---------------------------------------------------------------

class PemImportTest : public DirectoryStoreTest {
  protected:
    void SetUp() override {
        certificate = make_test_certificate("import", "Imported");
        write_text(cert_file, certificate.certificate_pem());
        write_text(key_file, std::string(certificate.key_pem().view()));
    }
    Certificate certificate = make_test_certificate("placeholder");
    fs::path cert_file = dir / "cert.pem";
    fs::path key_file = dir / "key.pem";
};

TEST_F(PemImportTest, ImportsACertificateAndKeyFromTwoFilesOrOne) {
    auto store = create_store(root);
    auto imported = store->import_pem(cert_file, key_file, purpose("database/db1"));
    ASSERT_TRUE(imported) << imported.error().message;
    EXPECT_EQ(imported->certificate, StagedChange::CertificateChange::added);
    EXPECT_TRUE(store->get(certificate.sha256_hex())->certificate.has_key());

    const fs::path combined = dir / "combined.pem";
    auto other = make_test_certificate("other");
    // A key first, then the certificate, with an OpenSSL "Bag Attributes" header.
    write_text(combined, std::string(other.key_pem().view()) +
                             "Bag Attributes\n    friendlyName: From PFX\n" +
                             other.certificate_pem());
    auto second = store->import_pem(combined, std::nullopt);
    ASSERT_TRUE(second) << second.error().message;
    auto got = store->get(other.sha256_hex());
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->certificate.has_key());
    EXPECT_EQ(got->certificate.friendly_name(), "From PFX");
}

TEST_F(PemImportTest, APemWithoutAKeyIsRefusedNamingTheFile) {
    auto store = create_store(root);
    auto refused = store->import_pem(cert_file, std::nullopt);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::not_found);
    EXPECT_TRUE(
        contains_text(refused.error().message, cert_file.string() + ": holds no private key"))
        << refused.error().message;
    auto also = store->import_pem(cert_file, cert_file);
    ASSERT_FALSE(also);
    EXPECT_EQ(also.error().code, ErrorCode::not_found);
    EXPECT_TRUE(store->list(testing::filter(true))->empty());
}

TEST_F(PemImportTest, AKeyThatDoesNotMatchIsRefusedNamingTheKeyFile) {
    auto store = create_store(root);
    auto other = make_test_certificate("other");
    write_text(key_file, std::string(other.key_pem().view()));
    auto refused = store->import_pem(cert_file, key_file);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
    EXPECT_TRUE(contains_text(refused.error().message, key_file.string()));
    EXPECT_TRUE(contains_text(refused.error().message, "does not belong"));
}

TEST_F(PemImportTest, AnEncryptedKeyIsRefusedWithoutPromptingForAPassword) {
    auto store = create_store(root);
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), certificate.key(), EVP_aes_256_cbc(),
                                            "secret", 6, nullptr, nullptr),
              1);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    write_text(key_file, std::string(data, static_cast<std::size_t>(len)));
    auto refused = store->import_pem(cert_file, key_file);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::unsupported);
    EXPECT_TRUE(contains_text(refused.error().message, key_file.string() + ": the private key is "
                                                                           "encrypted"));
}

TEST_F(PemImportTest, AFileWithoutACertificateIsRefusedNamingIt) {
    auto store = create_store(root);
    auto refused = store->import_pem(key_file, key_file);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::corrupt);
    EXPECT_TRUE(contains_text(refused.error().message, key_file.string()));
    auto missing = store->import_pem(dir / "nope.pem", std::nullopt);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::not_found);
    EXPECT_TRUE(contains_text(missing.error().message, (dir / "nope.pem").string()));
}

}  // namespace
}  // namespace certbackup
