#include "core/directory_store.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <optional>

#include "certbackup/base/parallel_tasks.hpp"
#include "core/bindings_file.hpp"
#include "core/certificate_file.hpp"
#include "core/directory_store_transaction.hpp"
#include "core/private_key_decoder.hpp"
#include "core/store_recovery.hpp"
#include "core/store_state.hpp"
#include "core/thumbprint.hpp"

namespace certbackup {
namespace {

Result<void> ensure_lock_files(Env& env, const StoreLayout& layout) {
    for (const fs::path& lock : {layout.writer_lock_file(), layout.commit_lock_file()})
        if (!env.exists(lock))
            if (auto made = env.write_file(lock, {}, kLockFileMode); !made)
                return made;
    return {};
}

Result<void> create_layout(Env& env, const StoreLayout& layout) {
    const bool root_existed = env.exists(layout.root);
    if (auto made = create_dirs(env, layout.root, kStoreDirMode); !made)
        return made;
    if (!root_existed) {
        // mkdir's mode passes through the umask: a root made here is 0700 regardless, before
        // anything is put in it.
        if (auto mode = env.set_mode(layout.root, kStoreDirMode); !mode)
            return mode;
        if (auto synced = env.sync_dir(layout.root.parent_path()); !synced)
            return synced;
    }
    for (const fs::path& dir : {layout.certs_dir(), layout.keys_dir()})
        if (auto made = env.create_dir(dir, kStoreDirMode); !made)
            return made;
    if (auto locks = ensure_lock_files(env, layout); !locks)
        return locks;
    // bindings.toml last: its presence marks a complete store.
    if (!env.exists(layout.bindings_file())) {
        const std::string text = format_bindings_file(BindingsFile{});
        return atomic_write(
            env, layout.bindings_file(),
            std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
            kBindingsFileMode);
    }
    return env.sync_dir(layout.root);
}

Result<void> check_layout(Env& env, const StoreLayout& layout) {
    if (!env.exists(layout.root))
        return fail(ErrorCode::not_found,
                    "certificate store " + layout.root.string() +
                        " does not exist; check the path, or create a store there");
    for (const fs::path& part : {layout.certs_dir(), layout.keys_dir(), layout.bindings_file()})
        if (!env.exists(part))
            return fail(ErrorCode::not_found,
                        layout.root.string() +
                            " is not a certificate store: " + part.filename().string() +
                            " is missing (a store has certs/, keys/ and bindings.toml)");
    return {};
}

// Recovers unless a writer holds the store (that writer recovered before it started).
Result<void> recover_if_idle(Env& env, const StoreLayout& layout) {
    auto needed = store_needs_recovery(env, layout);
    if (!needed)
        return std::unexpected(needed.error());
    if (!*needed)
        return {};
    auto writer = env.lock_file(layout.writer_lock_file(),
                                LockRequest{.mode = LockMode::exclusive, .wait = false});
    if (!writer)
        return std::unexpected(writer.error());
    if (!*writer)
        return {};
    return recover_store(env, layout);
}

// A certificate file must be named after the thumbprint of the certificate it holds.
Result<void> check_file_name(const fs::path& path, const std::string& held,
                             const std::string& thumbprint) {
    if (held != thumbprint)
        return fail(ErrorCode::corrupt,
                    path.string() + " holds certificate " + held +
                        ", not the one its name says; a certificate file must be named after "
                        "its SHA-256 thumbprint: rename it to " +
                        StoreLayout::certificate_file_name(held));
    return {};
}

// Reads the file of certificate `thumbprint` of `state` with `parse` (parse_certificate_file or
// summarize_certificate_file), refused by check_file_name unless it holds that certificate;
// `thumbprint_of` gives the thumbprint of what `parse` returns.
template <class Parse, class ThumbprintOf>
auto read_certificate_file(Env& env, const StoreState& state, const std::string& thumbprint,
                           Parse parse, ThumbprintOf thumbprint_of)
    -> decltype(parse(std::span<const std::uint8_t>(), std::string_view())) {
    const fs::path& path = state.certificate_files.at(thumbprint);
    auto bytes = env.read_file(path);
    if (!bytes)
        return std::unexpected(bytes.error());
    auto parsed = parse(*bytes, path.string());
    if (!parsed)
        return parsed;
    if (auto named = check_file_name(path, thumbprint_of(*parsed), thumbprint); !named)
        return std::unexpected(named.error());
    return parsed;
}

// The certificate `thumbprint` of `state`; `decoder` reads its key when `load_key`.
Result<Certificate> load_certificate(Env& env, const StoreState& state,
                                     const std::string& thumbprint, bool load_key,
                                     PrivateKeyDecoder& decoder) {
    auto certificate = read_certificate_file(
        env, state, thumbprint, parse_certificate_file,
        [](const Certificate& read) -> const std::string& { return read.sha256_hex(); });
    if (!certificate || !load_key)
        return certificate;
    const auto key = state.key_files.find(thumbprint);
    if (key == state.key_files.end())
        return certificate;
    auto key_bytes = env.read_file(key->second);
    if (!key_bytes)
        return std::unexpected(key_bytes.error());
    const SecureBuffer key_pem{std::span<const std::uint8_t>(*key_bytes)};
    OPENSSL_cleanse(key_bytes->data(), key_bytes->size());
    if (auto attached = attach_private_key(*certificate, key_pem.span(), key->second, &decoder);
        !attached) {
        // A key file of the store that does not fit is damage, not a usage mistake.
        Error error = attached.error();
        if (error.code == ErrorCode::invalid_argument) {
            error.code = ErrorCode::corrupt;
            error.message += "; the store is damaged: restore this certificate from a backup";
        }
        return std::unexpected(error);
    }
    return certificate;
}

// The summary of certificate `thumbprint` of `state`, refused as load_certificate refuses it.
Result<CertificateSummary> load_summary(Env& env, const StoreState& state,
                                        const std::string& thumbprint) {
    return read_certificate_file(
        env, state, thumbprint, summarize_certificate_file,
        [](const CertificateSummary& read) -> const std::string& { return read.sha256_hex; });
}

bool bound_under(const std::vector<Binding>& bindings, const std::string& database) {
    return std::any_of(bindings.begin(), bindings.end(),
                       [&](const Binding& b) { return b.database == database; });
}

}  // namespace

Result<std::unique_ptr<DirectoryStore>> DirectoryStore::open(const fs::path& root,
                                                             DirectoryStoreOptions options,
                                                             Env& env) {
    std::error_code ec;
    fs::path absolute = fs::absolute(root, ec);
    if (ec)
        return fail(ErrorCode::io,
                    "cannot resolve store path " + root.string() + ": " + ec.message());
    StoreLayout layout{absolute.lexically_normal()};
    if (layout.root.has_filename() == false && layout.root.has_parent_path())
        layout.root = layout.root.parent_path();  // "dir/" -> "dir"
    // An existing root is checked before anything is added to it, so a refused one stays as
    // it was.
    const bool root_existed = env.exists(layout.root);
    std::optional<std::string> warning;
    if (root_existed) {
        auto checked = check_store_root(env, layout.root, options.access);
        if (!checked)
            return std::unexpected(checked.error());
        warning = std::move(*checked);
    }
    if (options.create) {
        if (auto made = create_layout(env, layout); !made)
            return std::unexpected(made.error().with_context("cannot create certificate store " +
                                                             layout.root.string()));
    }
    if (auto checked = check_layout(env, layout); !checked)
        return std::unexpected(checked.error());
    if (auto locks = ensure_lock_files(env, layout); !locks)
        return std::unexpected(locks.error());
    if (options.recover)
        if (auto recovered = recover_if_idle(env, layout); !recovered)
            return std::unexpected(recovered.error());
    std::unique_ptr<DirectoryStore> store(
        new DirectoryStore(std::move(layout), env, options.write_threads));
    if (warning)
        store->warnings_.push_back(std::move(*warning));
    return store;
}

std::string DirectoryStore::identity() const {
    return "directory:" + layout_.root.string();
}

std::vector<StoreEntry> DirectoryStoreReading::entries(const CertificateFilter& filter) const {
    auto bindings = state_.bindings_by_certificate();
    std::vector<StoreEntry> required;
    std::vector<StoreEntry> unused;
    for (const auto& [thumbprint, path] : state_.certificate_files) {
        auto found = bindings.find(thumbprint);
        std::vector<Binding> purposes =
            found == bindings.end() ? std::vector<Binding>{} : std::move(found->second);
        if (filter.database ? !bound_under(purposes, *filter.database)
                            : (purposes.empty() && !filter.include_unused))
            continue;
        StoreEntry entry{thumbprint, std::move(purposes), state_.key_files.contains(thumbprint)};
        (entry.required() ? required : unused).push_back(std::move(entry));
    }
    // Unused ones are already in thumbprint order (the map's); required ones go by purpose.
    std::stable_sort(required.begin(), required.end(),
                     [](const StoreEntry& a, const StoreEntry& b) {
                         return a.bindings.front() < b.bindings.front();
                     });
    for (auto& entry : unused)
        required.push_back(std::move(entry));
    return required;
}

Result<Certificate> DirectoryStoreReading::load(const std::string& thumbprint,
                                                bool with_key) const {
    if (!state_.certificate_files.contains(thumbprint))
        return fail(ErrorCode::not_found, "the store holds no certificate " + thumbprint);
    std::unique_ptr<PrivateKeyDecoder> decoder;
    {
        const std::lock_guard lock(decoders_mutex_);
        if (!decoders_.empty()) {
            decoder = std::move(decoders_.back());
            decoders_.pop_back();
        }
    }
    if (!decoder)
        decoder = std::make_unique<PrivateKeyDecoder>();
    auto certificate = load_certificate(env_, state_, thumbprint, with_key, *decoder);
    const std::lock_guard lock(decoders_mutex_);
    decoders_.push_back(std::move(decoder));
    return certificate;
}

Result<CertificateSummary> DirectoryStoreReading::summary(const std::string& thumbprint) const {
    if (!state_.certificate_files.contains(thumbprint))
        return fail(ErrorCode::not_found, "the store holds no certificate " + thumbprint);
    return load_summary(env_, state_, thumbprint);
}

Result<std::shared_ptr<const DirectoryStoreReading>> DirectoryStore::reading() {
    auto lock = lock_existing(env_, layout_.commit_lock_file(), LockMode::shared);
    if (!lock)
        return std::unexpected(lock.error());
    auto state = read_store_state(env_, layout_);
    if (!state)
        return std::unexpected(state.error());
    return std::shared_ptr<const DirectoryStoreReading>(
        new DirectoryStoreReading(env_, std::move(*lock), std::move(*state)));
}

Result<std::vector<StoredCertificate>> DirectoryStore::list(const CertificateFilter& filter) {
    auto view = reading();
    if (!view)
        return std::unexpected(view.error());
    std::vector<StoredCertificate> out;
    for (auto& entry : (*view)->entries(filter)) {
        auto certificate = (*view)->load(entry.thumbprint, filter.load_keys);
        if (!certificate)
            return std::unexpected(certificate.error());
        out.push_back({std::move(*certificate), std::move(entry.bindings), entry.key_stored});
    }
    return out;
}

Result<std::vector<StoredCertificateSummary>> DirectoryStore::list_summaries(
    const CertificateFilter& filter) {
    auto view = reading();
    if (!view)
        return std::unexpected(view.error());
    std::vector<StoreEntry> entries = (*view)->entries(filter);
    // Each summary is a file read and a DER walk, independent of the others: on every core
    // (a 10000-certificate listing is mostly opening and reading small files).
    std::vector<std::optional<CertificateSummary>> summaries(entries.size());
    auto read = run_parallel(
        entries.size(), 0,
        [&](std::size_t i) -> Result<void> {
            auto summary = (*view)->summary(entries[i].thumbprint);
            if (!summary)
                return std::unexpected(summary.error());
            summaries[i] = std::move(*summary);
            return {};
        },
        {}, "reading the certificates");
    if (!read)
        return std::unexpected(read.error());
    std::vector<StoredCertificateSummary> out;
    out.reserve(entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i)
        out.push_back(
            {std::move(*summaries[i]), std::move(entries[i].bindings), entries[i].key_stored});
    return out;
}

Result<StoredCertificate> DirectoryStore::get(std::string_view thumbprint) {
    auto prefix = parse_thumbprint_prefix(thumbprint);
    if (!prefix)
        return std::unexpected(prefix.error());
    auto view = reading();
    if (!view)
        return std::unexpected(view.error());
    const StoreState& state = (*view)->state_;

    std::vector<std::string> matches;
    for (auto it = state.certificate_files.lower_bound(*prefix);
         it != state.certificate_files.end() && it->first.starts_with(*prefix); ++it)
        matches.push_back(it->first);
    if (matches.empty())
        return fail(ErrorCode::not_found, "store " + layout_.root.string() +
                                              " holds no certificate with thumbprint " + *prefix +
                                              "; list the store to see the thumbprints");
    if (matches.size() > 1) {
        std::string names;
        for (const auto& match : matches)
            names += (names.empty() ? "" : ", ") + match;
        return fail(ErrorCode::invalid_argument,
                    "thumbprint prefix " + *prefix + " matches " + std::to_string(matches.size()) +
                        " certificates in store " + layout_.root.string() + " (" + names +
                        "); give more digits");
    }
    auto bindings = state.bindings_by_certificate();
    auto found = bindings.find(matches.front());
    auto certificate = (*view)->load(matches.front(), true);
    if (!certificate)
        return std::unexpected(certificate.error());
    return StoredCertificate{
        std::move(*certificate),
        found == bindings.end() ? std::vector<Binding>{} : std::move(found->second),
        state.key_files.contains(matches.front())};
}

Result<std::unique_ptr<StoreTransaction>> DirectoryStore::begin() {
    auto writer = env_.lock_file(layout_.writer_lock_file(),
                                 LockRequest{.mode = LockMode::exclusive, .wait = false});
    if (!writer)
        return std::unexpected(writer.error());
    if (!*writer)
        return fail(ErrorCode::conflict, "store " + layout_.root.string() +
                                             " is being changed by another transaction (its lock " +
                                             layout_.writer_lock_file().string() +
                                             " is held); wait until that finishes, then try again");
    if (auto recovered = recover_store(env_, layout_); !recovered)
        return std::unexpected(recovered.error());
    auto state = read_store_state(env_, layout_);
    if (!state)
        return std::unexpected(state.error());
    return std::unique_ptr<StoreTransaction>(new DirectoryStoreTransaction(
        env_, layout_, std::move(**writer), std::move(*state), write_threads_));
}

}  // namespace certbackup
