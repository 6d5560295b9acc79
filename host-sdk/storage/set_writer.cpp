#include "host-sdk/storage/set_writer.hpp"

#include "host-sdk/storage/set_record.hpp"

namespace backup_host {

using certbackup::Env, certbackup::Error, certbackup::ErrorCode, certbackup::fail,
    certbackup::Result;
namespace fs = std::filesystem;

SetWriter::SetWriter(std::string set_id, NewSet info, std::unique_ptr<SetSink> sink,
                     Sha256Stream hash)
    : set_id_(std::move(set_id)),
      info_(std::move(info)),
      sink_(std::move(sink)),
      hash_(std::move(hash)) {
    if (info_.host.empty())
        info_.host = local_host_name();
}

SetWriter::~SetWriter() {
    if (state_ != State::committed && state_ != State::aborted)
        (void)abort();
}

Result<void> SetWriter::check_state(State wanted, std::string_view call) const {
    if (state_ == wanted)
        return {};
    if (state_ == State::failed && failure_)
        return std::unexpected(*failure_);
    std::string why;
    switch (state_) {
        case State::ready:
            why = "no item is open";
            break;
        case State::in_item:
            why = "item " + quote_name(current_item_) + " is still open (call end_item first)";
            break;
        case State::committed:
            why = "the set was already committed";
            break;
        case State::aborted:
            why = "the set was aborted";
            break;
        case State::failed:
            why = "an earlier call failed";
            break;
    }
    return fail(ErrorCode::invalid_argument,
                std::string(call) + " on set " + set_id_ + " is not possible: " + why);
}

std::unexpected<Error> SetWriter::failed(Error error) {
    state_ = State::failed;
    failure_ = error;
    return std::unexpected(std::move(error));
}

Result<void> SetWriter::begin_item(std::string_view name) {
    if (auto ok = check_state(State::ready, "begin_item"); !ok)
        return ok;
    // A refused name is the caller's mistake, not a broken set: the writer stays usable.
    if (auto added = names_.add(name); !added)
        return added;
    current_item_ = std::string(name);
    current_size_ = 0;
    if (auto begun = sink_->begin_item(current_item_); !begun)
        return failed(begun.error());
    state_ = State::in_item;
    return {};
}

Result<void> SetWriter::write(std::span<const std::uint8_t> bytes) {
    if (auto ok = check_state(State::in_item, "write"); !ok)
        return ok;
    if (auto hashed = hash_.update(bytes); !hashed)
        return failed(hashed.error());
    if (auto written = sink_->write(bytes); !written)
        return failed(written.error().with_context("item " + quote_name(current_item_)));
    current_size_ += bytes.size();
    return {};
}

Result<void> SetWriter::end_item() {
    if (auto ok = check_state(State::in_item, "end_item"); !ok)
        return ok;
    auto digest = hash_.finish_hex();
    if (!digest)
        return failed(digest.error());
    if (auto ended = sink_->end_item(current_size_); !ended)
        return failed(ended.error().with_context("item " + quote_name(current_item_)));
    auto* item = record_.add_items();
    item->set_name(current_item_);
    item->set_size(current_size_);
    item->set_sha256_hex(*digest);
    record_.set_total_size(record_.total_size() + current_size_);
    state_ = State::ready;
    return {};
}

Result<proto::BackupSet> SetWriter::commit(proto::BackupSet record, const SetRecordKey* key) {
    if (auto ok = check_state(State::ready, "commit"); !ok)
        return std::unexpected(ok.error());
    if (record.status() == proto::SET_STATUS_UNSPECIFIED)
        return fail(ErrorCode::invalid_argument,
                    "commit of set " + set_id_ + ": the record has no status");
    const auto since_epoch = info_.created.time_since_epoch();
    const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
    record.set_format_version(kSetFormatVersion);
    record.set_set_id(set_id_);
    record.set_job(info_.job);
    record.set_created_unix_seconds(seconds.count());
    record.set_created_nanos(static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds).count()));
    record.set_created_rfc3339(format_rfc3339_utc(info_.created));
    record.set_host(info_.host);
    *record.mutable_items() = record_.items();
    record.set_total_size(record_.total_size());
    // A bad plugin entry is the caller's mistake: refuse it and stay usable.
    if (auto valid = validate_record(record, "of set " + set_id_); !valid)
        return fail(ErrorCode::invalid_argument, valid.error().message);
    record.clear_authentication();
    auto bytes = serialize_record(record);
    if (!bytes)
        return failed(bytes.error());
    if (key != nullptr) {
        auto sealed = key->seal(*bytes);
        if (!sealed)
            return failed(sealed.error());
        bytes = std::move(sealed);
    }
    if (auto committed = sink_->commit(*bytes); !committed) {
        (void)sink_->abort();
        state_ = State::aborted;
        failure_ = committed.error();
        return std::unexpected(committed.error());
    }
    state_ = State::committed;
    return record;
}

Result<void> SetWriter::abort() {
    if (state_ == State::committed)
        return fail(ErrorCode::invalid_argument,
                    "abort of set " + set_id_ + ": the set was already committed");
    if (state_ == State::aborted)
        return {};
    state_ = State::aborted;
    return sink_->abort();
}

}  // namespace backup_host
