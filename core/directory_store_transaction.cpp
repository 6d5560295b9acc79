#include "core/directory_store_transaction.hpp"

#include "core/store_commit.hpp"
#include "core/thumbprint.hpp"

namespace certbackup {
namespace {

std::vector<std::uint8_t> bytes_of(const std::string& text) {
    return {text.begin(), text.end()};
}

}  // namespace

DirectoryStoreTransaction::DirectoryStoreTransaction(Env& env, StoreLayout layout,
                                                     FileLock writer_lock, StoreState state,
                                                     unsigned write_threads)
    : env_(env),
      layout_(std::move(layout)),
      writer_lock_(std::move(writer_lock)),
      write_threads_(write_threads),
      bindings_before_(std::move(state.bindings_bytes)),
      bindings_(std::move(state.bindings)) {
    bindings_.positions.clear();
    holders_at_begin_ = bindings_.holders;
    for (const auto& [thumbprint, path] : state.certificate_files)
        certificates_at_begin_.insert(thumbprint);
    for (const auto& [thumbprint, path] : state.key_files)
        keys_at_begin_.insert(thumbprint);
}

Result<void> DirectoryStoreTransaction::check_open() const {
    if (finished_)
        return fail(ErrorCode::invalid_argument, "the transaction on store " +
                                                     layout_.root.string() +
                                                     " is already finished; begin a new one");
    return {};
}

bool DirectoryStoreTransaction::contains(std::string_view thumbprint) const {
    const std::string key(thumbprint);
    return added_.contains(key) ||
           (certificates_at_begin_.contains(key) && !removed_.contains(key));
}

bool DirectoryStoreTransaction::has_key(const std::string& thumbprint) const {
    if (const auto added = added_.find(thumbprint); added != added_.end())
        return added->second.has_key;
    return keys_added_.contains(thumbprint) ||
           (keys_at_begin_.contains(thumbprint) && !removed_.contains(thumbprint));
}

std::optional<std::string> DirectoryStoreTransaction::holder(const Binding& purpose) const {
    const auto found = bindings_.holders.find(purpose);
    if (found == bindings_.holders.end())
        return std::nullopt;
    return found->second;
}

bool DirectoryStoreTransaction::has_changes() const {
    return !added_.empty() || !keys_added_.empty() || !removed_.empty() ||
           bindings_.holders != holders_at_begin_;
}

Result<StagedChange> DirectoryStoreTransaction::plan_binding(const Binding& purpose,
                                                             const std::string& thumbprint,
                                                             BindingConflictPolicy policy) const {
    StagedChange change;
    const auto current = holder(purpose);
    if (!current) {
        change.binding = StagedChange::BindingChange::added;
    } else if (*current == thumbprint) {
        change.binding = StagedChange::BindingChange::unchanged;
    } else if (policy == BindingConflictPolicy::replace) {
        change.binding = StagedChange::BindingChange::replaced;
        change.previous_holder = *current;
    } else {
        return fail(ErrorCode::conflict,
                    purpose.to_string() + " is already served by certificate " + *current +
                        " in store " + layout_.root.string() + "; certificate " + thumbprint +
                        " cannot take it too (replace the binding, or unbind it first)");
    }
    return change;
}

Result<StagedChange> DirectoryStoreTransaction::add(EncodedCertificate certificate,
                                                    std::optional<Binding> binding,
                                                    BindingConflictPolicy policy) {
    if (auto open = check_open(); !open)
        return std::unexpected(open.error());
    const std::string thumbprint = certificate.thumbprint;
    StagedChange change;
    if (binding) {
        auto planned = plan_binding(*binding, thumbprint, policy);
        if (!planned)
            return planned;
        change = std::move(*planned);
    }
    // Checks done: from here on the call cannot fail, so a failed call stages nothing.
    const bool with_key = certificate.has_key();
    if (contains(thumbprint)) {
        change.certificate = StagedChange::CertificateChange::unchanged;
        if (with_key && !has_key(thumbprint)) {
            keys_added_.insert_or_assign(thumbprint, std::move(certificate.key_pem));
            change.certificate = StagedChange::CertificateChange::key_added;
        }
    } else if (certificates_at_begin_.contains(thumbprint)) {
        // Removed earlier in this transaction and added again: keep the stored files.
        removed_.erase(thumbprint);
        change.certificate = StagedChange::CertificateChange::unchanged;
        if (with_key && !keys_at_begin_.contains(thumbprint)) {
            keys_added_.insert_or_assign(thumbprint, std::move(certificate.key_pem));
            change.certificate = StagedChange::CertificateChange::key_added;
        }
    } else {
        added_.emplace(thumbprint, StagedFiles{std::move(certificate.certificate_file),
                                               std::move(certificate.key_pem), with_key});
        change.certificate = StagedChange::CertificateChange::added;
    }
    if (binding)
        bindings_.holders.insert_or_assign(*binding, thumbprint);
    return change;
}

Result<StagedChange> DirectoryStoreTransaction::bind(std::string_view thumbprint,
                                                     const Binding& purpose,
                                                     BindingConflictPolicy policy) {
    if (auto open = check_open(); !open)
        return std::unexpected(open.error());
    auto canonical = parse_thumbprint(thumbprint);
    if (!canonical)
        return std::unexpected(canonical.error());
    if (!contains(*canonical))
        return fail(ErrorCode::not_found, "cannot bind " + purpose.to_string() + ": store " +
                                              layout_.root.string() + " holds no certificate " +
                                              *canonical);
    auto change = plan_binding(purpose, *canonical, policy);
    if (!change)
        return change;
    bindings_.holders.insert_or_assign(purpose, *canonical);
    return change;
}

Result<void> DirectoryStoreTransaction::unbind(const Binding& purpose) {
    if (auto open = check_open(); !open)
        return open;
    if (bindings_.holders.erase(purpose) == 0)
        return fail(ErrorCode::not_found, "cannot unbind " + purpose.to_string() +
                                              ": no certificate in store " + layout_.root.string() +
                                              " serves it");
    return {};
}

Result<void> DirectoryStoreTransaction::remove_unused(std::string_view thumbprint) {
    if (auto open = check_open(); !open)
        return open;
    auto canonical = parse_thumbprint(thumbprint);
    if (!canonical)
        return std::unexpected(canonical.error());
    if (!contains(*canonical))
        return fail(ErrorCode::not_found, "cannot remove certificate " + *canonical + ": store " +
                                              layout_.root.string() + " holds no such certificate");
    std::string purposes;
    for (const auto& [purpose, holder_thumbprint] : bindings_.holders)
        if (holder_thumbprint == *canonical)
            purposes += (purposes.empty() ? "" : ", ") + purpose.to_string();
    if (!purposes.empty())
        return fail(ErrorCode::conflict, "certificate " + *canonical + " is required by " +
                                             purposes + "; remove those bindings first");
    if (added_.erase(*canonical) == 0)
        removed_.insert(*canonical);
    keys_added_.erase(*canonical);
    return {};
}

Result<CommitPlan> DirectoryStoreTransaction::make_commit_plan() {
    CommitPlan plan;
    plan.added.reserve(2 * added_.size() + keys_added_.size());
    for (auto& [thumbprint, files] : added_) {
        plan.added.push_back({StoreLayout::certificate_relative_path(thumbprint),
                              std::move(files.certificate_file), kCertificateFileMode});
        if (files.has_key)
            plan.added.push_back({StoreLayout::key_relative_path(thumbprint),
                                  std::move(files.key_file), kKeyFileMode});
    }
    for (auto& [thumbprint, key] : keys_added_)
        plan.added.push_back(
            {StoreLayout::key_relative_path(thumbprint), std::move(key), kKeyFileMode});
    for (const auto& thumbprint : removed_) {
        plan.removed.push_back(StoreLayout::certificate_relative_path(thumbprint));
        if (keys_at_begin_.contains(thumbprint))
            plan.removed.push_back(StoreLayout::key_relative_path(thumbprint));
    }
    plan.bindings_before = bindings_before_;
    BindingsFile next = bindings_;
    next.generation += 1;
    plan.bindings_after = bytes_of(format_bindings_file(next));
    return plan;
}

Result<void> DirectoryStoreTransaction::commit(
    const std::function<void(std::size_t done, std::size_t total)>& progress) {
    if (auto open = check_open(); !open)
        return open;
    finished_ = true;
    // Whatever happens below, the writer lock goes with the transaction.
    const std::optional<FileLock> lock = std::move(writer_lock_);
    writer_lock_.reset();
    if (!has_changes())
        return {};
    auto plan = make_commit_plan();
    if (!plan)
        return std::unexpected(plan.error());
    return apply_commit(env_, layout_, *plan, write_threads_, progress);
}

}  // namespace certbackup
