#include "core/store_import.hpp"

namespace certbackup {
namespace {

// Stages one candidate. Conflicts are recorded in the action, not returned: planning goes on
// so that the report names every conflict at once.
Result<ImportAction> stage(StoreTransaction& txn, ImportCandidate candidate,
                           BindingConflictPolicy policy) {
    ImportAction action;
    action.thumbprint = candidate.certificate.thumbprint;
    action.subject = candidate.certificate.subject;
    action.bindings = candidate.bindings;

    // Purposes held by another certificate are found before staging, so that in skip mode
    // nothing of a conflicting candidate is staged.
    for (const auto& purpose : candidate.bindings) {
        const auto holder = txn.holder(purpose);
        if (holder && *holder != action.thumbprint)
            action.details.push_back(purpose.to_string() + " held by " + *holder);
    }
    if (!action.details.empty() && policy == BindingConflictPolicy::refuse) {
        action.kind = ImportAction::Kind::conflict;
        return action;
    }

    std::optional<Binding> first;
    if (!candidate.bindings.empty())
        first = candidate.bindings.front();
    auto added = txn.add(std::move(candidate.certificate), first, policy);
    if (!added)
        return std::unexpected(added.error());
    bool any_binding_added = added->binding == StagedChange::BindingChange::added;
    bool any_replaced = added->binding == StagedChange::BindingChange::replaced;
    for (std::size_t i = 1; i < action.bindings.size(); ++i) {
        auto bound = txn.bind(action.thumbprint, action.bindings[i], policy);
        if (!bound)
            return std::unexpected(bound.error());
        any_binding_added |= bound->binding == StagedChange::BindingChange::added;
        any_replaced |= bound->binding == StagedChange::BindingChange::replaced;
    }
    switch (added->certificate) {
        case StagedChange::CertificateChange::added:
            action.kind = ImportAction::Kind::create;
            break;
        case StagedChange::CertificateChange::key_added:
            action.kind = ImportAction::Kind::add_key;
            break;
        case StagedChange::CertificateChange::unchanged:
            action.kind = any_binding_added ? ImportAction::Kind::bind : ImportAction::Kind::skip;
            break;
    }
    if (any_replaced)
        action.kind = ImportAction::Kind::replace;
    return action;
}

// The error of a plan with conflicts: every purpose held by another certificate, and what to do.
Error conflict_error(const ImportReport& report) {
    std::string message = "nothing was imported: ";
    bool first = true;
    for (const auto& a : report.actions) {
        if (a.kind != ImportAction::Kind::conflict)
            continue;
        for (const auto& d : a.details) {
            message += (first ? "" : "; ") + d + ", the backup has " + a.thumbprint + " for it";
            first = false;
        }
    }
    message +=
        ". Use overwrite=replace to move these purposes to the certificates of the backup, "
        "or restore into another store (target_store)";
    return Error{ErrorCode::conflict, message};
}

}  // namespace

std::string_view to_string(OverwritePolicy policy) noexcept {
    return policy == OverwritePolicy::skip ? "skip" : "replace";
}

Result<OverwritePolicy> parse_overwrite_policy(std::string_view text) {
    if (text == "skip")
        return OverwritePolicy::skip;
    if (text == "replace")
        return OverwritePolicy::replace;
    return fail(ErrorCode::invalid_argument,
                "overwrite policy '" + std::string(text) + "' is not known; use skip or replace");
}

std::string_view to_string(ImportAction::Kind kind) noexcept {
    switch (kind) {
        case ImportAction::Kind::create:
            return "create";
        case ImportAction::Kind::add_key:
            return "add-key";
        case ImportAction::Kind::skip:
            return "skip";
        case ImportAction::Kind::bind:
            return "bind";
        case ImportAction::Kind::replace:
            return "replace";
        case ImportAction::Kind::conflict:
            return "conflict";
    }
    return "unknown";
}

std::size_t ImportReport::count(ImportAction::Kind kind) const {
    std::size_t n = 0;
    for (const auto& a : actions)
        n += a.kind == kind ? 1 : 0;
    return n;
}

Result<ImportReport> import_certificates(CertificateStore& store,
                                         std::vector<ImportCandidate> candidates,
                                         const ImportOptions& options) {
    auto txn = store.begin();
    if (!txn)
        return std::unexpected(txn.error());
    const auto policy = options.overwrite == OverwritePolicy::replace
                            ? BindingConflictPolicy::replace
                            : BindingConflictPolicy::refuse;
    const auto cancelled = [&options] { return options.cancelled && options.cancelled(); };
    const auto stop = [] {
        return fail(ErrorCode::cancelled,
                    "cancelled: nothing was imported, the store is unchanged");
    };
    ImportReport report;
    for (auto& candidate : candidates) {
        if (cancelled())
            return stop();
        auto action = stage(**txn, std::move(candidate), policy);
        if (!action)
            return std::unexpected(action.error());
        report.actions.push_back(std::move(*action));
        if (options.staging_progress)
            options.staging_progress(report.actions.size(), candidates.size());
    }
    if (options.dry_run)
        return report;
    if (report.count(ImportAction::Kind::conflict) > 0)
        return std::unexpected(conflict_error(report));
    if ((*txn)->has_changes()) {
        if (cancelled())
            return stop();
        const std::size_t total = candidates.size();
        std::function<void(std::size_t, std::size_t)> steps;
        if (options.commit_progress) {
            options.commit_progress(0, total);
            // The commit counts files written and moved: shown as the share of the certificates.
            steps = [&options, total](std::size_t done, std::size_t all) {
                options.commit_progress(all == 0 ? total : done * total / all, total);
            };
        }
        if (auto committed = (*txn)->commit(steps); !committed)
            return std::unexpected(committed.error());
        report.committed = true;
        if (options.commit_progress)
            options.commit_progress(candidates.size(), candidates.size());
    }
    return report;
}

ImportReport plan_into_new_store(const std::vector<ImportCandidate>& candidates) {
    ImportReport report;
    for (const auto& c : candidates)
        report.actions.push_back({ImportAction::Kind::create,
                                  c.certificate.thumbprint,
                                  c.certificate.subject,
                                  c.bindings,
                                  {}});
    return report;
}

}  // namespace certbackup
