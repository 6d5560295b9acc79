#include "host-sdk/storage/set_record.hpp"

#include <cstddef>
#include <iterator>
#include <set>
#include <string>

#include "host-sdk/storage/item_name.hpp"
#include "host-sdk/storage/set_id.hpp"

namespace backup_host {

using certbackup::Env, certbackup::Error, certbackup::ErrorCode, certbackup::fail,
    certbackup::Result;
namespace fs = std::filesystem;

namespace {

bool is_sha256_hex(std::string_view text) {
    if (text.size() != 64)
        return false;
    for (const char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

std::unexpected<Error> unsupported_version(std::string_view origin, std::uint32_t version) {
    return fail(ErrorCode::unsupported,
                "set record " + std::string(origin) + " has format version " +
                    std::to_string(version) + "; this host reads version " +
                    std::to_string(kSetFormatVersion) + " (use a backup-host that reads it)");
}

std::unexpected<Error> corrupt(std::string_view origin, const std::string& what) {
    return fail(ErrorCode::corrupt, "set record " + std::string(origin) + " is not valid: " + what);
}

}  // namespace

std::string_view to_string(proto::SetStatus status) {
    // Indexed by the value: backup_set.proto numbers the statuses from 0 in this order.
    static constexpr std::string_view names[] = {"unspecified", "complete", "failed", "cancelled"};
    static_assert(static_cast<std::size_t>(proto::SET_STATUS_CANCELLED) == std::size(names) - 1);
    const auto index = static_cast<std::size_t>(status);
    return index < std::size(names) ? names[index] : "unspecified";
}

Result<void> validate_record(const proto::BackupSet& record, std::string_view origin) {
    if (record.format_version() != kSetFormatVersion)
        return unsupported_version(origin, record.format_version());
    if (!is_set_id(record.set_id()))
        return corrupt(origin, "its set id " + quote_name(record.set_id()) +
                                   " is not of the form YYYYMMDDTHHMMSSZ-xxxxxx");
    if (record.status() != proto::SET_STATUS_COMPLETE &&
        record.status() != proto::SET_STATUS_FAILED &&
        record.status() != proto::SET_STATUS_CANCELLED)
        return corrupt(origin, "its status " + std::to_string(record.status()) + " is not known");
    if (record.created_nanos() > 999'999'999u)
        return corrupt(origin, "its creation time has more than a second of nanoseconds");

    ItemNameTree names;
    std::uint64_t total = 0;
    for (const auto& item : record.items()) {
        if (auto added = names.add(item.name()); !added)
            return std::unexpected(added.error().with_context("set record " + std::string(origin)));
        if (!is_sha256_hex(item.sha256_hex()))
            return corrupt(origin, "item " + quote_name(item.name()) +
                                       " has no valid SHA-256 (64 lower-case hex digits)");
        if (total + item.size() < total)
            return corrupt(origin, "the item sizes overflow");
        total += item.size();
    }
    if (total != record.total_size())
        return corrupt(origin, "total size " + std::to_string(record.total_size()) +
                                   " is not the sum of the item sizes " + std::to_string(total));

    std::set<std::string, std::less<>> plugin_ids;
    for (const auto& plugin : record.plugins()) {
        if (plugin.id().empty())
            return corrupt(origin, "a plugin has no id");
        if (!plugin_ids.insert(plugin.id()).second)
            return corrupt(origin, "plugin " + quote_name(plugin.id()) + " appears twice");
        const std::string& prefix = plugin.item_prefix();
        if (!prefix.empty() &&
            (prefix.back() != '/' ||
             !check_item_name(std::string_view(prefix).substr(0, prefix.size() - 1))))
            return corrupt(origin, "plugin " + quote_name(plugin.id()) + " has item prefix " +
                                       quote_name(prefix) +
                                       "; a prefix is empty or a relative directory name ending "
                                       "in \"/\"");
    }
    return {};
}

Result<std::vector<std::uint8_t>> serialize_record(const proto::BackupSet& record) {
    std::string bytes;
    if (!record.SerializeToString(&bytes))
        return fail(ErrorCode::invalid_argument,
                    "cannot serialise the record of set " + record.set_id());
    return std::vector<std::uint8_t>(bytes.begin(), bytes.end());
}

Result<proto::BackupSet> parse_record(std::span<const std::uint8_t> bytes,
                                      std::string_view origin) {
    if (bytes.size() > kMaxRecordBytes)
        return corrupt(origin, "it is larger than 64 MiB");
    const int size = static_cast<int>(bytes.size());
    // The version first: a newer format is refused as such, not as damage.
    proto::SetFormatVersionProbe probe;
    if (!probe.ParseFromArray(bytes.data(), size))
        return corrupt(origin, "it is not a valid backup-set record");
    if (probe.format_version() != kSetFormatVersion)
        return unsupported_version(origin, probe.format_version());
    proto::BackupSet record;
    if (!record.ParseFromArray(bytes.data(), size))
        return corrupt(origin, "it is not a valid backup-set record");
    if (auto valid = validate_record(record, origin); !valid)
        return std::unexpected(valid.error());
    return record;
}

Result<RecordFile> parse_record_file(std::span<const std::uint8_t> bytes, std::string_view origin) {
    auto record = parse_record(bytes, origin);
    if (!record)
        return std::unexpected(record.error());
    auto part = authenticated_part(bytes, *record, origin);
    if (!part)
        return std::unexpected(part.error());
    return RecordFile{std::move(*record), *part};
}

}  // namespace backup_host
