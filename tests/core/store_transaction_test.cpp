// Atomicity of store transactions: a failure injected at every step of a commit leaves the
// store byte-identical to before; a crash at every step, then a reopen (recovery), leaves it
// exactly as before or exactly as after, and before when the crash came before the commit
// point. A reader that does not recover sees the same all-or-nothing state.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <optional>

#include "core/directory_store.hpp"
#include "store_test_support.hpp"
#include "support/fault_injecting_env.hpp"
#include "support/temp_dir.hpp"

namespace certbackup {
namespace {

using testing::FaultInjectingEnv;
using testing::purpose;

// Certificates shared by every run (making keys is the slow part; each run gets copies).
struct Certificates {
    Certificate kept = testing::make_test_certificate("kept");          // database/db1, later moved
    Certificate ssl = testing::make_test_certificate("ssl");            // ssl, later rebound
    Certificate obsolete = testing::make_test_certificate("obsolete");  // unused, later removed
    Certificate keyless = testing::make_test_certificate("keyless");    // stored without its key
    Certificate fresh = testing::make_test_certificate("fresh", "Fresh");  // added by the txn
};

const Certificates& certificates() {
    static const Certificates instance;
    return instance;
}

// Builds the store every run starts from.
void build_base_store(const fs::path& root) {
    const auto& c = certificates();
    auto store = DirectoryStore::open(root, testing::creating());
    ASSERT_TRUE(store) << store.error().message;
    auto txn = (*store)->begin();
    ASSERT_TRUE(txn);
    ASSERT_TRUE((*txn)->add(c.kept.clone(), purpose("database/db1")));
    ASSERT_TRUE((*txn)->add(c.ssl.clone(), purpose("ssl")));
    ASSERT_TRUE((*txn)->add(c.obsolete.clone(), std::nullopt));
    ASSERT_TRUE((*txn)->add(testing::without_key(c.keyless), purpose("server_encryption")));
    ASSERT_TRUE((*txn)->commit());
}

// A copy of the base store at `root`: built once, copied per run (copying skips the fsyncs
// that dominate the run time; modes are kept, and the runs compare the copy's tree with the
// reference's byte for byte).
void make_base_store(const fs::path& root) {
    static testing::TempDir template_dir;
    static const fs::path base = [] {
        const fs::path path = template_dir / "store";
        build_base_store(path);
        return path;
    }();
    fs::copy(base, root, fs::copy_options::recursive);
}

// One transaction with every kind of change: a new certificate taking over a purpose, a key
// added to a stored certificate, a removal, an unbind and a bind.
Result<void> stage_changes(StoreTransaction& txn) {
    const auto& c = certificates();
    const auto checked = [](auto result) -> Result<void> {
        if (!result)
            return std::unexpected(result.error());
        return {};
    };
    if (auto r = checked(
            txn.add(c.fresh.clone(), purpose("database/db1"), BindingConflictPolicy::replace));
        !r)
        return r;
    if (auto r = checked(txn.add(c.keyless.clone(), std::nullopt)); !r)
        return r;
    if (auto r = txn.remove_unused(c.obsolete.sha256_hex()); !r)
        return r;
    if (auto r = txn.unbind(purpose("ssl")); !r)
        return r;
    return checked(txn.bind(c.ssl.sha256_hex(), purpose("password_reset/db1/reset")));
}

// Opens `root` through `env`, stages the changes, commits.
Result<void> run_transaction(const fs::path& root, Env& env) {
    auto store = DirectoryStore::open(root, {}, env);
    if (!store)
        return std::unexpected(store.error());
    auto txn = (*store)->begin();
    if (!txn)
        return std::unexpected(txn.error());
    if (auto staged = stage_changes(**txn); !staged)
        return staged;
    return (*txn)->commit();
}

// A copy of the base store at `root`, left as the process that ran the transaction left it when
// it "died" at step `crash` (nothing has recovered it yet).
void crash_transaction(const fs::path& root, int crash) {
    make_base_store(root);
    FaultInjectingEnv env;
    env.crash_at(crash);
    (void)run_transaction(root, env);
}

std::string view_without_recovery(const fs::path& root) {
    auto store = DirectoryStore::open(root, testing::without_recovery());
    if (!store)
        return "<error: " + store.error().message + ">";
    return testing::describe_store(**store);
}

std::string view_after_reopen(const fs::path& root) {
    auto store = DirectoryStore::open(root);
    if (!store)
        return "<error: " + store.error().message + ">";
    return testing::describe_store(**store);
}

// What a clean run does: the states before and after, and its numbered steps.
struct Reference {
    std::string tree_before, tree_after;
    std::string view_before, view_after;
    int steps = 0;
    int commit_point = 0;  // the step that renames the new bindings.toml into place
    std::vector<std::string> log;
};

const Reference& reference() {
    static const Reference instance = [] {
        Reference r;
        testing::TempDir dir;
        const fs::path root = dir / "store";
        make_base_store(root);
        r.tree_before = testing::snapshot_tree(root);
        r.view_before = view_after_reopen(root);
        FaultInjectingEnv counting;
        auto committed = run_transaction(root, counting);
        EXPECT_TRUE(committed) << committed.error().message;
        r.steps = counting.count();
        r.log = counting.log();
        for (int i = 0; i < r.steps; ++i)
            if (r.log[i].starts_with("rename ") &&
                r.log[i].ends_with(" -> " + (root / "bindings.toml").string()))
                r.commit_point = i + 1;
        r.tree_after = testing::snapshot_tree(root);
        r.view_after = view_after_reopen(root);
        return r;
    }();
    return instance;
}

std::string step_name(int n) {
    const auto& log = reference().log;
    return "step " + std::to_string(n) + " (" +
           (n >= 1 && n <= static_cast<int>(log.size()) ? log[n - 1] : "?") + ")";
}

TEST(StoreTransactionAtomicity, TheReferenceRunChangesWhatItShould) {
    const auto& r = reference();
    const auto& c = certificates();
    ASSERT_GT(r.commit_point, 0) << "no rename of bindings.toml found in the commit's steps";
    EXPECT_GE(r.steps, 20);
    EXPECT_NE(r.view_before, r.view_after);
    const std::string expected_after = c.fresh.sha256_hex() + " key database/db1\n" +
                                       c.ssl.sha256_hex() + " key password_reset/db1/reset\n" +
                                       c.keyless.sha256_hex() + " key server_encryption\n";
    // kept is now unused; listed after the required ones.
    EXPECT_EQ(r.view_after, expected_after + c.kept.sha256_hex() + " key\n");
    EXPECT_EQ(r.tree_after.find(".txn-"), std::string::npos);
}

TEST(StoreTransactionAtomicity, AFailureAtAnyStepLeavesTheStoreAsBefore) {
    const auto& r = reference();
    for (int n = 1; n <= r.steps; ++n) {
        SCOPED_TRACE(step_name(n));
        testing::TempDir dir;
        const fs::path root = dir / "store";
        make_base_store(root);
        ASSERT_EQ(testing::snapshot_tree(root), r.tree_before);
        FaultInjectingEnv env;
        env.fail_at(n);
        auto committed = run_transaction(root, env);
        if (n <= r.commit_point + 1) {
            // Up to and including making the commit point durable: the commit fails and
            // undoes itself completely.
            ASSERT_FALSE(committed);
            EXPECT_EQ(committed.error().code, ErrorCode::io);
            EXPECT_NE(committed.error().message.find("the store is unchanged"), std::string::npos)
                << committed.error().message;
            EXPECT_EQ(testing::snapshot_tree(root), r.tree_before);
        } else {
            // Only clean-up remains after the commit point: the change is durable and
            // reported as done; a leftover directory goes at the next opening.
            ASSERT_TRUE(committed) << committed.error().message;
            EXPECT_EQ(view_without_recovery(root), r.view_after);
            EXPECT_EQ(view_after_reopen(root), r.view_after);
            EXPECT_EQ(testing::snapshot_tree(root), r.tree_after);
        }
    }
}

TEST(StoreTransactionAtomicity, ACrashAtAnyStepLeavesBeforeOrAfterNeverAMix) {
    const auto& r = reference();
    for (int n = 1; n <= r.steps; ++n) {
        SCOPED_TRACE(step_name(n));
        testing::TempDir dir;
        const fs::path root = dir / "store";
        crash_transaction(root, n);

        const bool committed = n > r.commit_point;
        const std::string& expected_view = committed ? r.view_after : r.view_before;
        // A reader that does not recover already sees all or nothing.
        EXPECT_EQ(view_without_recovery(root), expected_view);
        // Reopening recovers to exactly one of the two trees.
        EXPECT_EQ(view_after_reopen(root), expected_view);
        EXPECT_EQ(testing::snapshot_tree(root), committed ? r.tree_after : r.tree_before);
    }
}

// The rollback of a failed commit, phase by phase (store_commit.cpp, undo): each test fails the
// commit where one more part of the undo has work to do, and checks that exactly the state
// before is back, that the moved directories are synced before the transaction directory goes
// (a rollback that a power cut could lose is not one), and that the error says so.

// The first step of the reference run whose log line `matches`.
int first_step(const std::function<bool(const std::string&)>& matches) {
    const auto& log = reference().log;
    for (std::size_t i = 0; i < log.size(); ++i)
        if (matches(log[i]))
            return static_cast<int>(i) + 1;
    ADD_FAILURE() << "no such step in the reference run";
    return 0;
}

// "rename <txn>/<file> -> <root>/certs|keys/<file>": a new file moved into the store.
bool moves_an_added_file(const std::string& line) {
    const auto arrow = line.find(" -> ");
    if (!line.starts_with("rename ") || arrow == std::string::npos)
        return false;
    const std::string from = line.substr(7, arrow - 7);
    const std::string to = line.substr(arrow + 4);
    return from.find("/.txn-") != std::string::npos &&
           from.find("/removed/") == std::string::npos &&
           (to.find("/certs/") != std::string::npos || to.find("/keys/") != std::string::npos);
}

// Runs the transaction on a fresh base store with step `n` failing, and checks the rollback.
void expect_rollback_at(int n) {
    const auto& r = reference();
    ASSERT_GT(n, 0);
    SCOPED_TRACE(step_name(n));
    testing::TempDir dir;
    const fs::path root = dir / "store";
    make_base_store(root);
    FaultInjectingEnv env;
    env.fail_at(n);
    auto committed = run_transaction(root, env);
    ASSERT_FALSE(committed);
    EXPECT_EQ(committed.error().code, ErrorCode::io);
    EXPECT_NE(committed.error().message.find("injected failure at step " + std::to_string(n)),
              std::string::npos)
        << committed.error().message;
    EXPECT_NE(committed.error().message.find("the store is unchanged"), std::string::npos)
        << committed.error().message;
    EXPECT_EQ(testing::snapshot_tree(root), r.tree_before);
    EXPECT_EQ(view_without_recovery(root), r.view_before);

    // After the failing step: every file put back or removed, then certs/ and keys/ synced,
    // then the transaction directory removed and the root synced, in that order.
    const auto& log = env.log();
    std::ptrdiff_t last_file_change = -1, certs_synced = -1, keys_synced = -1, txn_removed = -1;
    for (std::size_t i = static_cast<std::size_t>(n); i < log.size(); ++i) {
        const auto at = static_cast<std::ptrdiff_t>(i);
        if (log[i].starts_with("remove ") || log[i].starts_with("rename "))
            last_file_change = at;
        else if (log[i] == "sync_dir " + (root / "certs").string())
            certs_synced = at;
        else if (log[i] == "sync_dir " + (root / "keys").string())
            keys_synced = at;
        else if (log[i].starts_with("remove_tree " + (root / ".txn-").string()))
            txn_removed = at;
    }
    std::string tail;
    for (std::size_t i = static_cast<std::size_t>(n); i < log.size(); ++i)
        tail += "\n  " + log[i];
    EXPECT_GT(certs_synced, last_file_change) << "undo steps:" << tail;
    EXPECT_GT(keys_synced, last_file_change) << "undo steps:" << tail;
    EXPECT_GT(txn_removed, std::max(certs_synced, keys_synced)) << "undo steps:" << tail;
    EXPECT_EQ(log.back(), "sync_dir " + root.string()) << "undo steps:" << tail;
}

TEST(StoreTransactionRollback, AFailureAfterTheRemovedFilesWentAsideMovesThemBack) {
    // The first added file's move fails: only the removed certificate's files have moved.
    expect_rollback_at(first_step(moves_an_added_file));
}

TEST(StoreTransactionRollback, AFailureWhileMovingNewFilesInTakesThemOutAgain) {
    // The last added file's move fails: every other new file is in the store already.
    int last = 0;
    for (int n = 1; n <= reference().steps; ++n)
        if (moves_an_added_file(reference().log[n - 1]))
            last = n;
    ASSERT_GT(last, first_step(moves_an_added_file)) << "the plan adds one file only";
    expect_rollback_at(last);
}

TEST(StoreTransactionRollback, AFailureAfterBindingsTomlWasReplacedPutsTheOldOneBack) {
    // Making the commit point durable fails: the new bindings.toml is in place, not yet durable.
    const auto& r = reference();
    ASSERT_EQ(r.log[r.commit_point].rfind("sync_dir ", 0), 0u) << step_name(r.commit_point + 1);
    expect_rollback_at(r.commit_point + 1);
}

TEST(StoreTransactionRollback, AnUndoThatFailsTooIsReportedAndRecoveryFinishesIt) {
    // The process keeps failing from the first added file's move on: the undo cannot run, the
    // error says what the next opening does, and that opening restores the state before.
    const auto& r = reference();
    const int n = first_step(moves_an_added_file);
    testing::TempDir dir;
    const fs::path root = dir / "store";
    make_base_store(root);
    FaultInjectingEnv env;
    env.crash_at(n);
    auto committed = run_transaction(root, env);
    ASSERT_FALSE(committed);
    EXPECT_EQ(committed.error().code, ErrorCode::io);
    EXPECT_NE(committed.error().message.find("undoing them failed as well"), std::string::npos)
        << committed.error().message;
    EXPECT_NE(committed.error().message.find("repaired the next time it is opened"),
              std::string::npos)
        << committed.error().message;
    EXPECT_NE(testing::snapshot_tree(root), r.tree_before) << "the undo was not stopped";
    EXPECT_EQ(view_after_reopen(root), r.view_before);
    EXPECT_EQ(testing::snapshot_tree(root), r.tree_before);
}

TEST(StoreTransactionAtomicity, ACrashDuringRecoveryIsRecoveredByTheNextOpening) {
    const auto& r = reference();
    // Crash with files moved but bindings.toml not yet replaced: recovery must roll back.
    const int crash = r.commit_point;
    testing::TempDir probe_dir;
    const fs::path probe = probe_dir / "store";
    crash_transaction(probe, crash);
    FaultInjectingEnv counting;
    ASSERT_TRUE(DirectoryStore::open(probe, {}, counting));
    const int recovery_steps = counting.count();
    ASSERT_GE(recovery_steps, 4);
    ASSERT_EQ(testing::snapshot_tree(probe), r.tree_before);

    for (int m = 1; m <= recovery_steps; ++m) {
        SCOPED_TRACE("recovery step " + std::to_string(m) + " (" + counting.log()[m - 1] + ")");
        testing::TempDir dir;
        const fs::path root = dir / "store";
        crash_transaction(root, crash);
        FaultInjectingEnv recovering;
        recovering.crash_at(m);
        (void)DirectoryStore::open(root, {}, recovering);
        EXPECT_EQ(view_without_recovery(root), r.view_before);
        EXPECT_EQ(view_after_reopen(root), r.view_before);
        EXPECT_EQ(testing::snapshot_tree(root), r.tree_before);
    }
}

TEST(StoreTransactionAtomicity, BeginRecoversAnInterruptedTransactionFirst) {
    const auto& r = reference();
    testing::TempDir dir;
    const fs::path root = dir / "store";
    make_base_store(root);
    auto reader = DirectoryStore::open(root);  // opened before the crash: no recovery yet
    ASSERT_TRUE(reader);
    FaultInjectingEnv env;
    env.crash_at(r.commit_point - 1);
    (void)run_transaction(root, env);
    EXPECT_EQ(testing::describe_store(**reader), r.view_before);
    auto txn = (*reader)->begin();
    ASSERT_TRUE(txn) << txn.error().message;
    EXPECT_EQ(testing::snapshot_tree(root), r.tree_before);
    // And the interrupted transaction can be run again.
    ASSERT_TRUE(stage_changes(**txn));
    ASSERT_TRUE((*txn)->commit());
    EXPECT_EQ(testing::describe_store(**reader), r.view_after);
}

TEST(StoreTransactionAtomicity, ARecoveryThatWouldDeleteAForeignFileStops) {
    const auto& r = reference();
    testing::TempDir dir;
    const fs::path root = dir / "store";
    crash_transaction(root, r.commit_point);  // new files moved in, not committed
    const fs::path moved_in = root / "certs" / (certificates().fresh.sha256_hex() + ".pem");
    ASSERT_TRUE(fs::exists(moved_in));
    testing::write_text(moved_in, "someone else's file\n");
    auto store = DirectoryStore::open(root);
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, ErrorCode::corrupt);
    EXPECT_NE(store.error().message.find("refusing to delete " + moved_in.string()),
              std::string::npos)
        << store.error().message;
    EXPECT_TRUE(fs::exists(moved_in));
}

// Fails writing any file whose name contains `name_part`, on whichever thread; everything
// else goes to the real file system. Thread-safe, unlike the step-counting FaultInjectingEnv.
class FailingWriteEnv final : public Env {
  public:
    explicit FailingWriteEnv(std::string name_part) : name_part_(std::move(name_part)) {}

    Result<std::vector<std::uint8_t>> read_file(const fs::path& path) override {
        return posix().read_file(path);
    }
    Result<void> write_file(const fs::path& path, std::span<const std::uint8_t> bytes,
                            mode_t mode) override {
        if (path.filename().string().find(name_part_) != std::string::npos)
            return fail(ErrorCode::io, "injected failure writing " + path.string());
        return posix().write_file(path, bytes, mode);
    }
    Result<void> rename(const fs::path& from, const fs::path& to) override {
        return posix().rename(from, to);
    }
    Result<void> sync_dir(const fs::path& dir) override { return posix().sync_dir(dir); }
    Result<void> remove_file(const fs::path& path) override { return posix().remove_file(path); }
    Result<void> remove_tree(const fs::path& path) override { return posix().remove_tree(path); }
    Result<void> create_dir(const fs::path& path, mode_t mode) override {
        return posix().create_dir(path, mode);
    }
    Result<void> set_mode(const fs::path& path, mode_t mode) override {
        return posix().set_mode(path, mode);
    }
    Result<std::vector<std::string>> list_dir(const fs::path& dir) override {
        return posix().list_dir(dir);
    }
    bool exists(const fs::path& path) override { return posix().exists(path); }
    Result<std::optional<FileLock>> lock_file(const fs::path& path,
                                              const LockRequest& request) override {
        return posix().lock_file(path, request);
    }

  private:
    static Env& posix() { return Env::posix(); }
    std::string name_part_;
};

TEST(StoreTransactionParallelWrites, ALargeCommitWritesEveryFileOrNone) {
    std::vector<Certificate> many;
    for (int i = 0; i < 40; ++i)
        many.push_back(testing::make_test_certificate("bulk-" + std::to_string(i)));
    const auto stage_all = [&](StoreTransaction& txn) {
        for (std::size_t i = 0; i < many.size(); ++i)
            ASSERT_TRUE(txn.add(many[i].clone(),
                                purpose("discovery_service/db1/extra-" + std::to_string(i))));
    };
    testing::TempDir dir;
    const fs::path root = dir / "store";
    make_base_store(root);
    const std::string before = testing::snapshot_tree(root);

    DirectoryStoreOptions parallel;
    parallel.write_threads = 4;
    {
        // One key file in the middle fails on a worker thread: nothing may remain.
        FailingWriteEnv failing(many[17].sha256_hex() + ".key.pem");
        auto store = DirectoryStore::open(root, parallel, failing);
        ASSERT_TRUE(store);
        auto txn = (*store)->begin();
        ASSERT_TRUE(txn);
        stage_all(**txn);
        auto committed = (*txn)->commit();
        ASSERT_FALSE(committed);
        EXPECT_NE(committed.error().message.find("injected failure writing"), std::string::npos)
            << committed.error().message;
        EXPECT_EQ(testing::snapshot_tree(root), before);
    }
    auto store = DirectoryStore::open(root, parallel);
    ASSERT_TRUE(store);
    auto txn = (*store)->begin();
    ASSERT_TRUE(txn);
    stage_all(**txn);
    ASSERT_TRUE((*txn)->commit());
    auto listed = (*store)->list(testing::filter(false, "db1"));
    ASSERT_TRUE(listed) << listed.error().message;
    EXPECT_EQ(listed->size(), many.size() + 1);  // plus the base store's database/db1
    for (const auto& certificate : many) {
        EXPECT_EQ(testing::mode_of(root / "keys" / (certificate.sha256_hex() + ".key.pem")), 0600u);
        EXPECT_EQ(testing::mode_of(root / "certs" / (certificate.sha256_hex() + ".pem")), 0644u);
    }
}

}  // namespace
}  // namespace certbackup
