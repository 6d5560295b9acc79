#include "core/snapshot_reader.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include "certbackup/base/ossl.hpp"
#include "core/manifest_codec.hpp"
#include "core/pkcs12.hpp"
#include "core/snapshot_envelope.hpp"

namespace certbackup {
namespace {

Result<std::vector<std::uint8_t>> read_manifest_item(ItemSource& source) {
    auto bytes = source.read_item(kManifestItem);
    if (!bytes && bytes.error().code == ErrorCode::not_found)
        return fail(ErrorCode::not_found,
                    std::string(kManifestItem) +
                        " is missing: the snapshot is incomplete (its backup did not finish) or "
                        "this is not a certbackup snapshot; use another backup");
    return bytes;
}

// Checks one opened payload against every manifest entry that names it, and hands out the
// certificates of those entries by SHA-256 thumbprint.
Result<std::map<std::string, Certificate>> match_payload(
    const std::string& item, Pkcs12Contents contents,
    const std::vector<const ManifestEntry*>& entries) {
    std::map<std::string, Certificate> by_thumbprint;
    for (auto& certificate : contents.certificates) {
        std::string id = certificate.sha256_hex();
        by_thumbprint.emplace(std::move(id), std::move(certificate));
    }
    std::set<std::string> listed;
    for (const ManifestEntry* entry : entries) {
        const std::string& id = entry->certificate.info.sha256_hex;
        listed.insert(id);
        const auto it = by_thumbprint.find(id);
        if (it == by_thumbprint.end())
            return fail(ErrorCode::corrupt, "payload " + item + " does not hold certificate " + id +
                                                " that manifest.pb lists in it");
        const Certificate& certificate = it->second;
        if (ossl::to_hex(ossl::sha1(certificate.der())) != entry->certificate.info.sha1_hex)
            return fail(ErrorCode::corrupt, "certificate " + id + " in payload " + item +
                                                " does not have the SHA-1 thumbprint "
                                                "manifest.pb records");
        if (entry->private_key_included && !key_matches(certificate.leaf(), certificate.key()))
            return fail(ErrorCode::corrupt, "payload " + item +
                                                " has no matching private key for certificate " +
                                                id + " although manifest.pb says it does");
        if (!entry->private_key_included && certificate.has_key())
            return fail(ErrorCode::corrupt, "payload " + item + " has a private key for " + id +
                                                " that manifest.pb does not list");
        // A bundle shares its issuers, so the importer may find issuers for a certificate that
        // was stored without them: keep exactly the chain the store had (its prefix).
        const std::size_t recorded = entry->certificate.chain_length;
        if (certificate.chain().size() < recorded)
            return fail(ErrorCode::corrupt,
                        "payload " + item + " holds a chain of " +
                            std::to_string(certificate.chain().size()) + " for certificate " + id +
                            "; manifest.pb records " + std::to_string(recorded));
        if (certificate.chain().size() > recorded) {
            it->second = certificate.with_chain_prefix(recorded);
        }
    }
    for (const auto& [id, certificate] : by_thumbprint)
        if (certificate.has_key() && !listed.contains(id))
            return fail(ErrorCode::corrupt, "payload " + item + " holds certificate " + id +
                                                " with a private key that manifest.pb does not "
                                                "list in it");
    return by_thumbprint;
}

// Progress of opening one bundle, in certificates: every entry is a certificate bag, and one
// with a key a key bag too (shared chain certificates are a few bags more), so the bags decoded
// give an estimate that stays below the total until the payload has been matched. Reports only
// when the estimate moves by a two-hundredth of the total, not for each of thousands of bags.
Pkcs12Progress bundle_progress_of(const std::vector<const ManifestEntry*>& entries,
                                  const std::function<void(std::size_t, std::size_t)>& report) {
    const std::size_t total = entries.size();
    std::size_t bags = 0;
    for (const ManifestEntry* entry : entries)
        bags += entry->private_key_included ? 2 : 1;
    const std::size_t step = std::max<std::size_t>(1, total / 200);
    return [report, total, bags, step, reported = std::size_t{0}](std::size_t decoded) mutable {
        if (total == 0)
            return;
        const std::size_t estimate = std::min(decoded * total / bags, total - 1);
        if (estimate >= reported + step) {
            reported = estimate;
            report(estimate, total);
        }
    };
}

// The payload items that hold a chosen entry, in manifest order, each with all of its entries
// (a payload is checked whole, even when only part of it is chosen).
struct ChosenPayloads {
    std::vector<std::string> items;
    std::map<std::string, std::vector<const ManifestEntry*>> entries_of;
};

ChosenPayloads choose_payloads(const SnapshotManifest& manifest, const EntryFilter& select) {
    ChosenPayloads chosen;
    for (const auto& entry : manifest.entries)
        chosen.entries_of[entry.payload_item].push_back(&entry);
    std::set<std::string> taken;
    for (const auto& entry : manifest.entries)
        if ((!select || select(entry)) && taken.insert(entry.payload_item).second)
            chosen.items.push_back(entry.payload_item);
    return chosen;
}

// Opens the checked bytes of payload `item` with the password that authenticated the manifest
// and matches them against the item's `entries`; the bytes are dropped once opened (a bundle of
// 10000 is megabytes).
Result<std::map<std::string, Certificate>> open_payload(
    const std::string& item, std::vector<std::uint8_t>& bytes, std::string_view password,
    const std::vector<const ManifestEntry*>& entries, const Pkcs12Progress& progress) {
    // verify_payloads() checked the payload's digest against the authenticated manifest.
    auto contents = import_pkcs12(bytes, password, item, /*require_private_key=*/false,
                                  Pkcs12Source::authenticated_payload, progress);
    std::vector<std::uint8_t>().swap(bytes);
    if (!contents) {
        if (contents.error().code == ErrorCode::wrong_password)
            return fail(ErrorCode::corrupt,
                        "payload " + item +
                            " does not open with the password that authenticates manifest.pb; "
                            "the backup was written inconsistently");
        return std::unexpected(contents.error());
    }
    return match_payload(item, std::move(*contents), entries);
}

}  // namespace

SnapshotReader::SnapshotReader(ItemSource& source, Password password, SnapshotManifest manifest,
                               unsigned threads)
    : source_(&source),
      password_(std::move(password)),
      manifest_(std::move(manifest)),
      threads_(threads) {}

Result<SnapshotReader> SnapshotReader::open(ItemSource& source, std::string_view password,
                                            unsigned threads) {
    auto envelope = read_manifest_item(source);
    if (!envelope)
        return std::unexpected(envelope.error());
    auto manifest_bytes = open_manifest(*envelope, password);
    if (!manifest_bytes)
        return std::unexpected(manifest_bytes.error());
    auto manifest = decode_manifest(*manifest_bytes);
    if (!manifest)
        return std::unexpected(manifest.error());
    return SnapshotReader(source, Password(password), std::move(*manifest), threads);
}

Result<SnapshotManifest> SnapshotReader::read_manifest_unauthenticated(ItemSource& source) {
    auto envelope = read_manifest_item(source);
    if (!envelope)
        return std::unexpected(envelope.error());
    auto manifest_bytes = open_manifest_unauthenticated(*envelope);
    if (!manifest_bytes)
        return std::unexpected(manifest_bytes.error());
    return decode_manifest(*manifest_bytes);
}

Result<void> SnapshotReader::verify_payloads() {
    if (payloads_verified_)
        return {};
    std::map<std::string, std::vector<std::uint8_t>> checked;
    for (const auto& entry : manifest_.entries) {
        if (checked.contains(entry.payload_item))
            continue;
        const std::string& item = entry.payload_item;
        auto bytes = source_->read_item(item);
        if (!bytes) {
            if (bytes.error().code == ErrorCode::not_found)
                return fail(ErrorCode::not_found,
                            "payload item " + item +
                                " named in manifest.pb is missing; the backup is incomplete, "
                                "use another copy of it");
            return std::unexpected(bytes.error().with_context("reading payload item " + item));
        }
        if (bytes->size() != entry.payload_size)
            return fail(ErrorCode::corrupt,
                        "payload item " + item + " is " + std::to_string(bytes->size()) +
                            " bytes, manifest.pb says " + std::to_string(entry.payload_size) +
                            "; it is damaged or truncated, use another copy of the backup");
        if (ossl::to_hex(ossl::sha256(*bytes)) != entry.payload_sha256)
            return fail(ErrorCode::corrupt, "payload item " + item +
                                                " does not match its SHA-256 in manifest.pb; it "
                                                "is damaged or was modified, use another copy of "
                                                "the backup");
        checked.emplace(item, std::move(*bytes));
    }
    payloads_ = std::move(checked);
    payloads_verified_ = true;
    return {};
}

Result<std::vector<RestoredCertificate>> SnapshotReader::read_certificates(
    const EntryFilter& select, const SnapshotHooks& hooks) {
    if (auto r = verify_payloads(); !r)
        return std::unexpected(r.error());

    const auto [items, entries_of] = choose_payloads(manifest_, select);

    // Progress counts certificates. A per-certificate payload holds one, so the payloads opened
    // count them; a bundle, opened on this thread, counts them as its bags are decoded.
    SnapshotHooks payload_hooks = hooks;
    Pkcs12Progress bundle_progress;
    std::size_t bundle_entries = 0;
    if (items.size() == 1 && hooks.progress) {
        payload_hooks.progress = nullptr;
        bundle_entries = entries_of.at(items.front()).size();
        bundle_progress = bundle_progress_of(entries_of.at(items.front()), hooks.progress);
    }

    std::vector<std::optional<std::map<std::string, Certificate>>> opened(items.size());
    auto r = run_parallel(
        items.size(), threads_,
        [&](std::size_t i) -> Result<void> {
            // Each item is this worker's alone, and the map itself does not change meanwhile.
            auto matched = open_payload(items[i], payloads_.at(items[i]), password_.view(),
                                        entries_of.at(items[i]), bundle_progress);
            if (!matched)
                return std::unexpected(matched.error());
            opened[i] = std::move(*matched);
            return {};
        },
        payload_hooks, "opening the PFX files");
    // Payloads opened above were dropped: another read verifies and reads them again.
    payloads_.clear();
    payloads_verified_ = false;
    if (!r)
        return std::unexpected(r.error());
    if (bundle_progress)
        hooks.progress(bundle_entries, bundle_entries);

    std::map<std::string, std::size_t> index_of_item;
    for (std::size_t i = 0; i < items.size(); ++i)
        index_of_item[items[i]] = i;
    std::vector<RestoredCertificate> restored;
    for (const auto& entry : manifest_.entries) {
        if (select && !select(entry))
            continue;
        auto& by_thumbprint = *opened[index_of_item.at(entry.payload_item)];
        auto node = by_thumbprint.extract(entry.certificate.info.sha256_hex);
        restored.push_back({entry, std::move(node.mapped())});
    }
    return restored;
}

}  // namespace certbackup
