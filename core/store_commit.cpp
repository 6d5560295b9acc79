#include "core/store_commit.hpp"

#include <algorithm>
#include <optional>

#include "certbackup/base/ossl.hpp"
#include "certbackup/base/parallel_tasks.hpp"
#include "core/store_journal.hpp"
#include "core/store_state.hpp"

namespace certbackup {
namespace {

fs::path file_name_of(const std::string& relative_path) {
    return fs::path(relative_path).filename();
}

// One run of the protocol in store_commit.hpp, remembering how far it got so that it can undo.
class CommitRun {
  public:
    CommitRun(Env& env, const StoreLayout& layout, const CommitPlan& plan, unsigned write_threads,
              const CommitProgress& progress)
        : env_(env),
          layout_(layout),
          plan_(plan),
          write_threads_(write_threads),
          progress_(progress),
          steps_(2 * plan.added.size() + plan.removed.size()) {}

    Result<void> run() {
        if (auto staged = stage(); !staged)
            return abandon(staged.error());
        auto lock = lock_existing(env_, layout_.commit_lock_file(), LockMode::exclusive);
        if (!lock)
            return abandon(lock.error());
        if (auto moved = move_files(); !moved)
            return abandon(moved.error());
        if (auto committed = replace_bindings(); !committed)
            return abandon(committed.error());
        // Step 5: the change is durable; leftovers of a failed clean-up are recovery's.
        if (env_.remove_tree(transaction_dir_))
            (void)env_.sync_dir(layout_.root);
        return {};
    }

  private:
    // Steps 1 and 2.
    Result<void> stage() {
        std::uint8_t id[8];
        if (!ossl::random_bytes(id))
            return fail(ErrorCode::io, "cannot make a transaction id: " + ossl::drain_errors());
        transaction_dir_ =
            layout_.root / (std::string(StoreLayout::kTransactionDirPrefix) + ossl::to_hex(id));
        transaction_dir_made_ = true;  // undo removes it whether or not mkdir got that far
        if (auto made = env_.create_dir(transaction_dir_, kStoreDirMode); !made)
            return made;
        if (!plan_.removed.empty())
            if (auto made = env_.create_dir(removed_dir(), kStoreDirMode); !made)
                return made;
        StoreJournal journal;
        journal.bindings_before_sha256 = file_digest_hex(plan_.bindings_before);
        journal.bindings_after_sha256 = file_digest_hex(plan_.bindings_after);
        journal.added.resize(plan_.added.size());
        WorkHooks hooks;
        if (progress_)
            hooks.progress = [this](std::size_t done, std::size_t) { progress_(done, steps_); };
        auto written = run_parallel(
            plan_.added.size(), write_threads_,
            [&](std::size_t i) -> Result<void> {
                const auto& file = plan_.added[i];
                journal.added[i] = {file.relative_path, file_digest_hex(file.bytes.span())};
                return env_.write_file_unsynced(transaction_dir_ / file_name_of(file.relative_path),
                                                file.bytes.span(), file.mode);
            },
            hooks, "writing the staged files");
        if (!written)
            return written;
        journal.removed = plan_.removed;
        if (auto written = env_.write_file_unsynced(staged_bindings(), plan_.bindings_after,
                                                    kBindingsFileMode);
            !written)
            return written;
        // One sync for every staged file (store_commit.hpp: why this is as durable as an fsync
        // per file), before the journal that names them exists.
        if (auto synced = env_.sync_filesystem(transaction_dir_); !synced)
            return synced;
        if (auto synced = env_.sync_dir(transaction_dir_); !synced)
            return synced;
        const std::string text = format_store_journal(journal);
        if (auto written = atomic_write(
                env_, transaction_dir_ / "journal.toml",
                std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
                kJournalFileMode);
            !written)
            return written;
        return env_.sync_dir(layout_.root);
    }

    // Step 3.
    Result<void> move_files() {
        for (const auto& path : plan_.removed) {
            if (auto moved = env_.rename(layout_.root / path, removed_dir() / file_name_of(path));
                !moved)
                return moved;
            ++removed_moved_;
            report_moved();
        }
        for (const auto& file : plan_.added) {
            if (auto moved = env_.rename(transaction_dir_ / file_name_of(file.relative_path),
                                         layout_.root / file.relative_path);
                !moved)
                return moved;
            ++added_moved_;
            report_moved();
        }
        return sync_changed_dirs(true);
    }

    void report_moved() const {
        if (progress_)
            progress_(plan_.added.size() + removed_moved_ + added_moved_, steps_);
    }

    // Step 4.
    Result<void> replace_bindings() {
        if (auto renamed = env_.rename(staged_bindings(), layout_.bindings_file()); !renamed)
            return renamed;
        bindings_replaced_ = true;
        return env_.sync_dir(layout_.root);
    }

    Result<void> sync_changed_dirs(bool include_removed_dir) {
        bool certs = false;
        bool keys = false;
        for (const auto& file : plan_.added)
            (file.relative_path.starts_with("certs/") ? certs : keys) = true;
        for (const auto& path : plan_.removed)
            (path.starts_with("certs/") ? certs : keys) = true;
        if (certs)
            if (auto synced = env_.sync_dir(layout_.certs_dir()); !synced)
                return synced;
        if (keys)
            if (auto synced = env_.sync_dir(layout_.keys_dir()); !synced)
                return synced;
        if (include_removed_dir && !plan_.removed.empty())
            return env_.sync_dir(removed_dir());
        return {};
    }

    // Undoes steps 1-4 newest first; see the header for what is left when this fails too.
    Result<void> undo() {
        if (bindings_replaced_)
            if (auto restored = atomic_write(env_, layout_.bindings_file(), plan_.bindings_before,
                                             kBindingsFileMode);
                !restored)
                return restored;
        for (std::size_t i = added_moved_; i-- > 0;)
            if (auto removed = env_.remove_file(layout_.root / plan_.added[i].relative_path);
                !removed)
                return removed;
        for (std::size_t i = removed_moved_; i-- > 0;) {
            const std::string& path = plan_.removed[i];
            if (auto moved = env_.rename(removed_dir() / file_name_of(path), layout_.root / path);
                !moved)
                return moved;
        }
        if (added_moved_ > 0 || removed_moved_ > 0)
            if (auto synced = sync_changed_dirs(false); !synced)
                return synced;
        if (transaction_dir_made_) {
            if (auto removed = env_.remove_tree(transaction_dir_); !removed)
                return removed;
            return env_.sync_dir(layout_.root);
        }
        return {};
    }

    std::unexpected<Error> abandon(const Error& error) {
        const std::string what =
            "cannot commit the changes to store " + layout_.root.string() + ": " + error.message;
        if (auto undone = undo(); !undone)
            return fail(error.code,
                        what + "; undoing them failed as well (" + undone.error().message +
                            "): the store will be repaired the next time it is opened, with "
                            "either all or none of the changes");
        return fail(error.code, what + "; the store is unchanged");
    }

    fs::path removed_dir() const { return transaction_dir_ / "removed"; }
    fs::path staged_bindings() const { return transaction_dir_ / "bindings.toml"; }

    Env& env_;
    const StoreLayout& layout_;
    const CommitPlan& plan_;
    const unsigned write_threads_;
    const CommitProgress& progress_;
    const std::size_t steps_;  // files written, then files moved
    fs::path transaction_dir_;
    bool transaction_dir_made_ = false;
    std::size_t removed_moved_ = 0;
    std::size_t added_moved_ = 0;
    bool bindings_replaced_ = false;
};

}  // namespace

Result<void> apply_commit(Env& env, const StoreLayout& layout, const CommitPlan& plan,
                          unsigned write_threads, const CommitProgress& progress) {
    return CommitRun(env, layout, plan, std::max(1u, write_threads), progress).run();
}

}  // namespace certbackup
