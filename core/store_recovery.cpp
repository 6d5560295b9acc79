#include "core/store_recovery.hpp"

#include <openssl/crypto.h>

#include "core/store_journal.hpp"
#include "core/store_state.hpp"

namespace certbackup {
namespace {

bool is_leftover(std::string_view name) {
    return StoreLayout::is_transaction_dir_name(name) || is_temp_name(name);
}

Result<void> roll_back(Env& env, const StoreLayout& layout, const fs::path& transaction_dir,
                       const StoreJournal& journal) {
    for (const auto& added : journal.added) {
        const fs::path path = layout.root / added.path;
        auto bytes = env.read_file(path);
        if (!bytes) {
            if (bytes.error().code == ErrorCode::not_found)
                continue;  // never moved in, or already deleted by an earlier recovery
            return std::unexpected(bytes.error());
        }
        const std::string digest = file_digest_hex(*bytes);
        OPENSSL_cleanse(bytes->data(), bytes->size());  // may be a private key
        if (digest != added.sha256)
            return fail(ErrorCode::corrupt,
                        "refusing to delete " + path.string() +
                            ": it is not the file that the interrupted transaction in " +
                            transaction_dir.string() +
                            " wrote; move it out of the store, then open the store again");
        if (auto removed = env.remove_file(path); !removed)
            return removed;
    }
    for (const auto& removed : journal.removed) {
        const fs::path moved = transaction_dir / "removed" / fs::path(removed).filename();
        if (!env.exists(moved))
            continue;  // never moved out, or already moved back
        const fs::path original = layout.root / removed;
        if (env.exists(original))
            return fail(ErrorCode::corrupt,
                        "cannot put " + moved.string() + " back: " + original.string() +
                            " exists; compare the two, keep the right one in place, then remove " +
                            transaction_dir.string());
        if (auto renamed = env.rename(moved, original); !renamed)
            return renamed;
    }
    if (auto synced = env.sync_dir(layout.certs_dir()); !synced)
        return synced;
    return env.sync_dir(layout.keys_dir());
}

Result<void> recover_transaction(Env& env, const StoreLayout& layout,
                                 const fs::path& transaction_dir) {
    auto journal = read_store_journal(env, transaction_dir);
    if (!journal)
        return std::unexpected(journal.error());
    if (*journal) {
        auto bindings = env.read_file(layout.bindings_file());
        if (!bindings)
            return std::unexpected(bindings.error());
        auto outcome = classify_journal(**journal, file_digest_hex(*bindings),
                                        layout.bindings_file(), transaction_dir);
        if (!outcome)
            return std::unexpected(outcome.error());
        if (*outcome == JournalOutcome::not_committed) {
            if (auto rolled_back = roll_back(env, layout, transaction_dir, **journal); !rolled_back)
                return rolled_back;
        }
    }
    // No journal: nothing had moved. Committed: everything is in place. Rolled back: done.
    if (auto removed = env.remove_tree(transaction_dir); !removed)
        return removed;
    return env.sync_dir(layout.root);
}

}  // namespace

Result<bool> store_needs_recovery(Env& env, const StoreLayout& layout) {
    auto names = env.list_dir(layout.root);
    if (!names)
        return std::unexpected(names.error());
    for (const auto& name : *names)
        if (is_leftover(name))
            return true;
    return false;
}

Result<void> recover_store(Env& env, const StoreLayout& layout) {
    auto names = env.list_dir(layout.root);
    if (!names)
        return std::unexpected(names.error());
    bool any = false;
    for (const auto& name : *names)
        any = any || is_leftover(name);
    if (!any)
        return {};
    auto lock = lock_existing(env, layout.commit_lock_file(), LockMode::exclusive);
    if (!lock)
        return std::unexpected(lock.error());
    for (const auto& name : *names) {
        if (StoreLayout::is_transaction_dir_name(name)) {
            if (auto recovered = recover_transaction(env, layout, layout.root / name); !recovered)
                return std::unexpected(
                    recovered.error().with_context("cannot recover store " + layout.root.string()));
        } else if (is_temp_name(name)) {
            if (auto removed = env.remove_file(layout.root / name); !removed)
                return removed;
        }
    }
    return {};
}

}  // namespace certbackup
