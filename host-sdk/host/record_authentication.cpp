#include "host-sdk/host/record_authentication.hpp"

#include <fmt/format.h>

#include <utility>

#include "host-sdk/host/host_failure.hpp"

namespace certbackup::host {

using backup_host::SecretUse;
using backup_host::SetRecordKey;
using certbackup::ErrorCode, certbackup::fail;

RecordSealer::RecordSealer(HostContext& context) : context_(context) {
    if (!context.password.given_without_prompt())
        return;
    auto password = context.password.get(SecretUse::new_secret, &context.progress, &context.logger);
    if (!password) {
        early_failure_ = password.error();
        return;
    }
    // The span stays valid: the JobPassword outlives the job and never changes once read.
    pending_ = std::async(std::launch::async,
                          [bytes = *password] { return SetRecordKey::derive_new(bytes); });
}

RecordSealer::~RecordSealer() {
    if (pending_.valid())
        pending_.wait();
}

backup_host::Result<std::optional<SetRecordKey>> RecordSealer::key() {
    if (early_failure_)
        return std::unexpected(*early_failure_);
    if (!pending_.valid() && !context_.password.resolved()) {
        context_.logger.info(
            "the set record is not authenticated: the backup had no password (a restore will "
            "run only the plugins named with --plugin)");
        return std::optional<SetRecordKey>();
    }
    Result<SetRecordKey> derived = [this]() -> Result<SetRecordKey> {
        if (pending_.valid())
            return pending_.get();
        // A plugin asked for the password during the job (a prompt): derive now.
        auto password = context_.password.get(SecretUse::new_secret);
        if (!password)
            return fail(ErrorCode::invalid_argument, password.error().message);
        return SetRecordKey::derive_new(*password);
    }();
    if (!derived)
        return std::unexpected(to_failure(derived.error(), "sealing the set record"));
    return std::optional<SetRecordKey>(std::move(*derived));
}

backup_host::Result<RecordTrust> authenticate_record(HostContext& context,
                                                     const backup_host::SetReader& set) {
    const auto& record = set.record();
    // Storage gives the covered part exactly when the record carries an authentication field.
    const auto& part = set.authenticated_part();
    if (!part) {
        say(context, fmt::format("Set record: NOT authenticated (set {} was written without a "
                                 "password)\n",
                                 record.set_id()));
        return RecordTrust::unauthenticated;
    }
    auto password = context.password.get(SecretUse::existing, &context.progress, &context.logger);
    if (!password)
        return std::unexpected(password.error());
    auto key = SetRecordKey::derive_for(record.authentication(), *password, set.origin());
    if (!key)
        return std::unexpected(to_failure(key.error()));
    if (auto checked = key->check(record.authentication(), *part, set.origin()); !checked)
        return std::unexpected(to_failure(checked.error()));
    say(context,
        fmt::format("Set record: authenticated with the password (set {})\n", record.set_id()));
    return RecordTrust::authenticated;
}

}  // namespace certbackup::host
