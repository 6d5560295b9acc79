#include "action_args.hpp"
#include "actions.hpp"
#include "certbackup/base/printable_text.hpp"
#include "certificate_view.hpp"
#include "job_support.hpp"
#include "plugin_errors.hpp"

namespace certbackup::plugin {

backup_host::Result<void> action_delete_unused(const backup_host::Host& host,
                                               const CertificatesOptions& options,
                                               const std::vector<std::string>& args) {
    ActionContext action(host, options,
                         "Delete the certificates that serve no purpose (never a required one).",
                         "delete-unused");
    bool dry_run = false;
    bool yes = false;
    action.app().add_flag("--dry-run", dry_run, "show what would be deleted; delete nothing");
    action.app().add_flag("--yes", yes, "do not ask for confirmation");
    auto store = action.parse_and_open(args, StoreAccess::write);
    if (!store || !*store)
        return finished(store);
    CertificateFilter filter;
    filter.include_unused = true;
    filter.load_keys = false;
    auto listed = (*store)->list(filter);
    if (!listed)
        return lift_error(listed.error());
    std::vector<const StoredCertificate*> unused;
    for (const auto& s : *listed)
        if (!s.required())
            unused.push_back(&s);
    if (unused.empty())
        return host.output("No unused certificates; nothing to delete.\n");

    std::string text = (dry_run ? "Would delete " : "Deleting ") + std::to_string(unused.size()) +
                       " unused certificate" + (unused.size() == 1 ? "" : "s") + ":\n";
    for (const auto* s : unused) {
        const auto info = s->certificate.info();
        text += "  " + info.sha256_hex + "  " + printable(info.subject) + "  (not after " +
                format_date(info.not_after) + ")\n";
    }
    if (auto shown = host.output(text); !shown)
        return shown;
    if (dry_run)
        return {};
    if (!yes) {
        if (!host.stdin_is_terminal())
            return backup_host::fail(backup_host::Status::bad_usage,
                                     "delete-unused asks for confirmation on a terminal; add --yes "
                                     "to delete without asking");
        auto answer = host.confirm("Delete these " + std::to_string(unused.size()) +
                                   " certificates and their keys?");
        if (!answer)
            return std::unexpected(answer.error());
        if (!*answer)
            return host.output("Nothing was deleted.\n");
    }
    auto txn = (*store)->begin();
    if (!txn)
        return lift_error(txn.error());
    for (const auto* s : unused)
        if (auto removed = (*txn)->remove_unused(s->certificate.sha256_hex()); !removed)
            return lift_error(removed.error());
    if (auto committed = (*txn)->commit(); !committed)
        return lift_error(committed.error());
    return host.output("Deleted " + std::to_string(unused.size()) + " unused certificate" +
                       (unused.size() == 1 ? "" : "s") + ".\n");
}

}  // namespace certbackup::plugin
