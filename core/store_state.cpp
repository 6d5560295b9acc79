#include "core/store_state.hpp"

#include <algorithm>

#include "certbackup/base/ossl.hpp"
#include "core/store_journal.hpp"

namespace certbackup {
namespace {

std::string_view as_text(std::span<const std::uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

Result<std::vector<std::string>> list_required_dir(Env& env, const fs::path& dir,
                                                   const StoreLayout& layout) {
    auto names = env.list_dir(dir);
    if (!names && names.error().code == ErrorCode::not_found)
        return fail(ErrorCode::not_found, layout.root.string() + " is not a certificate store: " +
                                              dir.filename().string() +
                                              "/ is missing (create the store first)");
    return names;
}

// Files in certs/ (or keys/): every visible name must follow the layout. Hidden names are
// temporary files of an atomic write and are skipped.
Result<std::map<std::string, std::string>> read_file_names(
    Env& env, const fs::path& dir, const StoreLayout& layout,
    std::optional<std::string> (*thumbprint_of)(std::string_view), std::string_view shape) {
    auto names = list_required_dir(env, dir, layout);
    if (!names)
        return std::unexpected(names.error());
    std::map<std::string, std::string> files;
    for (const auto& name : *names) {
        if (name.starts_with("."))
            continue;
        auto thumbprint = thumbprint_of(name);
        if (!thumbprint)
            return fail(ErrorCode::corrupt, (dir / name).string() +
                                                ": not a store file (files here are named " +
                                                std::string(shape) + "); move it out of the store");
        files.emplace(std::move(*thumbprint), (dir / name).string());
    }
    return files;
}

std::map<std::string, std::string>& files_for(StoreState& state, std::string_view relative_path) {
    return relative_path.starts_with("certs/") ? state.certificate_files : state.key_files;
}

std::string thumbprint_in(std::string_view relative_path) {
    const std::string_view name = relative_path.substr(relative_path.find('/') + 1);
    return std::string(name.substr(0, 64));
}

// Shows an unrecovered transaction as all or nothing (see the header).
Result<void> apply_journal(Env& env, const StoreLayout& layout, const fs::path& transaction_dir,
                           const StoreJournal& journal, StoreState& state) {
    auto outcome = classify_journal(journal, file_digest_hex(state.bindings_bytes),
                                    layout.bindings_file(), transaction_dir);
    if (!outcome)
        return std::unexpected(outcome.error());
    if (*outcome == JournalOutcome::committed)
        return {};  // every file is in place; removed ones are in the transaction dir
    for (const auto& added : journal.added)
        files_for(state, added.path).erase(thumbprint_in(added.path));
    for (const auto& removed : journal.removed) {
        auto& files = files_for(state, removed);
        const std::string thumbprint = thumbprint_in(removed);
        const fs::path moved = transaction_dir / "removed" / fs::path(removed).filename();
        if (!files.contains(thumbprint) && env.exists(moved))
            files.emplace(thumbprint, moved.string());
    }
    return {};
}

}  // namespace

std::string file_digest_hex(std::span<const std::uint8_t> bytes) {
    return ossl::to_hex(ossl::sha256(bytes));
}

std::map<std::string, std::vector<Binding>> StoreState::bindings_by_certificate() const {
    std::map<std::string, std::vector<Binding>> out;
    for (const auto& [purpose, thumbprint] : bindings.holders)
        out[thumbprint].push_back(purpose);  // holders is sorted, so each list is too
    return out;
}

namespace {

// bindings.toml, read and parsed (its bytes kept for the journals' digests).
Result<void> read_bindings(Env& env, const StoreLayout& layout, StoreState& state) {
    const fs::path bindings_path = layout.bindings_file();
    auto bytes = env.read_file(bindings_path);
    if (!bytes) {
        if (bytes.error().code == ErrorCode::not_found)
            return fail(ErrorCode::not_found, layout.root.string() +
                                                  " is not a certificate store: bindings.toml "
                                                  "is missing (create the store first)");
        return std::unexpected(bytes.error());
    }
    state.bindings_bytes = std::move(*bytes);
    auto bindings = parse_bindings_file(as_text(state.bindings_bytes), bindings_path.string());
    if (!bindings)
        return std::unexpected(bindings.error());
    state.bindings = std::move(*bindings);
    return {};
}

// The files of certs/ and keys/.
Result<void> read_store_files(Env& env, const StoreLayout& layout, StoreState& state) {
    auto certificates =
        read_file_names(env, layout.certs_dir(), layout,
                        &StoreLayout::thumbprint_of_certificate_file, "<sha256>.pem");
    if (!certificates)
        return std::unexpected(certificates.error());
    state.certificate_files = std::move(*certificates);
    auto keys = read_file_names(env, layout.keys_dir(), layout,
                                &StoreLayout::thumbprint_of_key_file, "<sha256>.key.pem");
    if (!keys)
        return std::unexpected(keys.error());
    state.key_files = std::move(*keys);
    return {};
}

// The interrupted transaction recovery has not handled yet, if any, applied to `state` as all
// or nothing (apply_journal).
Result<void> apply_pending_transaction(Env& env, const StoreLayout& layout, StoreState& state) {
    auto root_names = env.list_dir(layout.root);
    if (!root_names)
        return std::unexpected(root_names.error());
    std::optional<fs::path> journal_dir;
    for (const auto& name : *root_names) {
        if (!StoreLayout::is_transaction_dir_name(name))
            continue;
        const fs::path transaction_dir = layout.root / name;
        auto journal = read_store_journal(env, transaction_dir);
        if (!journal)
            return std::unexpected(journal.error());
        if (!*journal)
            continue;
        // One writer at a time, and each recovers before it starts: two journals mean
        // something outside certbackup interfered.
        if (journal_dir)
            return fail(ErrorCode::corrupt,
                        layout.root.string() + " has two interrupted transactions (" +
                            journal_dir->string() + ", " + transaction_dir.string() +
                            "); restore the store from a backup");
        journal_dir = transaction_dir;
        if (auto applied = apply_journal(env, layout, transaction_dir, **journal, state); !applied)
            return applied;
    }
    return {};
}

// Every binding names a certificate file; every key has its certificate.
Result<void> check_consistency(const StoreLayout& layout, const StoreState& state) {
    for (const auto& [purpose, thumbprint] : state.bindings.holders) {
        if (state.certificate_files.contains(thumbprint))
            continue;
        const auto position = state.bindings.positions.find(purpose);
        return fail(
            ErrorCode::corrupt,
            describe_position(
                layout.bindings_file().string(),
                position == state.bindings.positions.end() ? SourcePosition{} : position->second) +
                ": " + purpose.to_string() + " names certificate " + thumbprint + ", but " +
                StoreLayout::certificate_relative_path(thumbprint) +
                " does not exist; import that certificate or remove the line");
    }
    for (const auto& [thumbprint, path] : state.key_files)
        if (!state.certificate_files.contains(thumbprint))
            return fail(ErrorCode::corrupt,
                        path + ": a private key without its certificate " +
                            StoreLayout::certificate_relative_path(thumbprint) +
                            "; import the certificate or move the key out of the store");
    return {};
}

}  // namespace

Result<StoreState> read_store_state(Env& env, const StoreLayout& layout) {
    StoreState state;
    for (const auto step : {&read_bindings, &read_store_files, &apply_pending_transaction})
        if (auto done = step(env, layout, state); !done)
            return std::unexpected(done.error());
    if (auto consistent = check_consistency(layout, state); !consistent)
        return std::unexpected(consistent.error());
    return state;
}

}  // namespace certbackup
