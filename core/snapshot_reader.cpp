#include "core/snapshot_reader.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>

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

// Reads the payload item of `entry` and checks it against the authenticated manifest: missing
// -> not_found naming the item; another size or SHA-256 -> corrupt naming it. What is opened
// is exactly what was checked.
Result<std::vector<std::uint8_t>> read_checked_payload(ItemSource& source,
                                                       const ManifestEntry& entry) {
    const std::string& item = entry.payload_item;
    auto bytes = source.read_item(item);
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
    return bytes;
}

// Checks a certificate of payload `item` against its manifest entry: the recorded SHA-1
// thumbprint, a private key exactly when the entry says so, and at least the recorded chain.
// Returns it with exactly the chain the store had (a bundle shares its issuers, so the importer
// may find issuers for a certificate that was stored without them: its prefix).
Result<Certificate> check_against_entry(const std::string& item, const ManifestEntry& entry,
                                        Certificate certificate) {
    const std::string& id = entry.certificate.info.sha256_hex;
    if (ossl::to_hex(ossl::sha1(certificate.der())) != entry.certificate.info.sha1_hex)
        return fail(ErrorCode::corrupt, "certificate " + id + " in payload " + item +
                                            " does not have the SHA-1 thumbprint "
                                            "manifest.pb records");
    if (entry.private_key_included && !key_matches(certificate.leaf(), certificate.key()))
        return fail(ErrorCode::corrupt, "payload " + item +
                                            " has no matching private key for certificate " + id +
                                            " although manifest.pb says it does");
    if (!entry.private_key_included && certificate.has_key())
        return fail(ErrorCode::corrupt, "payload " + item + " has a private key for " + id +
                                            " that manifest.pb does not list");
    const std::size_t recorded = entry.certificate.chain_length;
    if (certificate.chain().size() < recorded)
        return fail(ErrorCode::corrupt, "payload " + item + " holds a chain of " +
                                            std::to_string(certificate.chain().size()) +
                                            " for certificate " + id + "; manifest.pb records " +
                                            std::to_string(recorded));
    if (certificate.chain().size() > recorded)
        return certificate.with_chain_prefix(recorded);
    return certificate;
}

// Progress of opening one bundle, in certificates: each certificate of the payload counts as it
// is checked. Reports only when the count moves by a two-hundredth of the total, not for each
// of thousands.
std::function<void()> bundle_progress_of(
    std::size_t total, const std::function<void(std::size_t, std::size_t)>& report) {
    const std::size_t step = std::max<std::size_t>(1, total / 200);
    return [report, total, step, done = std::size_t{0}, reported = std::size_t{0}]() mutable {
        ++done;
        if (done >= reported + step && done < total) {
            reported = done;
            report(done, total);
        }
    };
}

// The payload items that hold a chosen entry, in manifest order, each with all of its entries
// by their place in the manifest (a payload is checked whole, even when only part of it is
// chosen).
struct ChosenPayloads {
    std::vector<std::string> items;
    std::vector<std::string> others;  // the payload items without a chosen entry
    std::map<std::string, std::vector<std::size_t>> entries_of;
};

ChosenPayloads choose_payloads(const SnapshotManifest& manifest, const EntryFilter& select) {
    ChosenPayloads chosen;
    for (std::size_t i = 0; i < manifest.entries.size(); ++i)
        chosen.entries_of[manifest.entries[i].payload_item].push_back(i);
    std::set<std::string> taken;
    for (const auto& entry : manifest.entries)
        if ((!select || select(entry)) && taken.insert(entry.payload_item).second)
            chosen.items.push_back(entry.payload_item);
    for (const auto& [item, entries] : chosen.entries_of)
        if (!taken.contains(item))
            chosen.others.push_back(item);
    return chosen;
}

// Per-certificate payloads opened ahead of the sink: at most this many payloads' certificates
// wait for it at once.
constexpr std::size_t kPayloadsInFlight = 16;

// What opening one payload needs to know.
struct PayloadReading {
    const SnapshotManifest& manifest;
    const EntryFilter& select;
    const SnapshotReader::CertificateSink& sink;
    std::string_view password;
};

// Opens the checked bytes of payload `item` (dropped as soon as they are decoded: a bundle of
// 10000 is megabytes) with the password that authenticated the manifest, checks every
// certificate against the item's `entries` (places in the manifest) as it comes, and hands the
// chosen ones to the sink. `counted`, when set, is called for each certificate checked.
Result<void> open_payload(const std::string& item, std::vector<std::uint8_t>& bytes,
                          const std::vector<std::size_t>& entries, const PayloadReading& reading,
                          const std::function<void()>& counted) {
    std::unordered_map<std::string_view, std::size_t> listed;  // thumbprint -> place
    for (std::size_t index : entries)
        listed.emplace(reading.manifest.entries[index].certificate.info.sha256_hex, index);
    std::set<std::size_t> found;
    // verify_payloads() checked the payload's digest against the authenticated manifest.
    auto details = import_pkcs12_each(
        bytes, reading.password, item,
        Pkcs12ImportOptions{false, Pkcs12Source::authenticated_payload, &bytes},
        [&](std::size_t, Certificate certificate) -> Result<void> {
            const auto place = listed.find(certificate.sha256_hex());
            if (place == listed.end()) {
                if (certificate.has_key())
                    return fail(ErrorCode::corrupt,
                                "payload " + item + " holds certificate " +
                                    certificate.sha256_hex() +
                                    " with a private key that manifest.pb does not list in it");
                return {};  // an issuer the importer took for a leaf
            }
            const ManifestEntry& entry = reading.manifest.entries[place->second];
            auto checked = check_against_entry(item, entry, std::move(certificate));
            if (!checked)
                return std::unexpected(checked.error());
            found.insert(place->second);
            if (counted)
                counted();
            if (reading.select && !reading.select(entry))
                return {};
            return reading.sink(place->second, std::move(*checked));
        });
    std::vector<std::uint8_t>().swap(bytes);
    if (!details) {
        if (details.error().code == ErrorCode::wrong_password)
            return fail(ErrorCode::corrupt,
                        "payload " + item +
                            " does not open with the password that authenticates manifest.pb; "
                            "the backup was written inconsistently");
        return std::unexpected(details.error());
    }
    for (std::size_t index : entries)
        if (!found.contains(index))
            return fail(ErrorCode::corrupt,
                        "payload " + item + " does not hold certificate " +
                            reading.manifest.entries[index].certificate.info.sha256_hex +
                            " that manifest.pb lists in it");
    return {};
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
    Result<std::vector<std::uint8_t>> manifest_bytes;
    {  // the sealed form is freed before the manifest is decoded
        auto envelope = read_manifest_item(source);
        if (!envelope)
            return std::unexpected(envelope.error());
        manifest_bytes = open_manifest(*envelope, password);
    }
    if (!manifest_bytes)
        return std::unexpected(manifest_bytes.error());
    auto manifest = decode_manifest(std::move(*manifest_bytes));
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
    return decode_manifest(std::move(*manifest_bytes));
}

Result<void> SnapshotReader::verify_payloads() {
    std::set<std::string_view> checked;
    for (const auto& entry : manifest_.entries) {
        if (!checked.insert(entry.payload_item).second)
            continue;
        if (auto bytes = read_checked_payload(*source_, entry); !bytes)
            return std::unexpected(bytes.error());
    }
    return {};
}

Result<void> SnapshotReader::read_each(const EntryFilter& select, const SnapshotHooks& hooks,
                                       const CertificateSink& sink) {
    const auto [items, others, entries_of] = choose_payloads(manifest_, select);
    // A payload without a chosen entry is checked (size, SHA-256) but not opened: reading part
    // of a backup still refuses a damaged one.
    for (const std::string& item : others)
        if (auto bytes =
                read_checked_payload(*source_, manifest_.entries[entries_of.at(item).front()]);
            !bytes)
            return std::unexpected(bytes.error());

    // Progress counts certificates. A per-certificate payload holds one, so the payloads opened
    // count them; a bundle, opened on this thread, counts them as they are checked.
    SnapshotHooks payload_hooks = hooks;
    std::function<void()> bundle_progress;
    std::size_t bundle_entries = 0;
    if (items.size() == 1 && hooks.progress) {
        payload_hooks.progress = nullptr;
        bundle_entries = entries_of.at(items.front()).size();
        bundle_progress = bundle_progress_of(bundle_entries, hooks.progress);
    }
    // Each payload is read, checked and opened by the worker that opens it, and dropped as soon
    // as it is decoded: thousands of per-certificate files are never held at once (and each is
    // allocated and freed on one thread, so glibc's per-thread heaps reuse what they free).
    std::mutex source_mutex;  // an ItemSource is not thread-safe
    const auto open = [&](std::size_t i, const PayloadReading& reading) -> Result<void> {
        const std::vector<std::size_t>& entries = entries_of.at(items[i]);
        Result<std::vector<std::uint8_t>> bytes;
        {
            const std::lock_guard lock(source_mutex);
            bytes = read_checked_payload(*source_, manifest_.entries[entries.front()]);
        }
        if (!bytes)
            return std::unexpected(bytes.error());
        return open_payload(items[i], *bytes, entries, reading, bundle_progress);
    };
    Result<void> r;
    if (items.size() == 1) {  // a bundle streams its certificates to the sink as they come
        r = run_parallel(
            1, threads_,
            [&](std::size_t i) {
                return open(i, PayloadReading{manifest_, select, sink, password_.view()});
            },
            payload_hooks, "opening the PFX files");
    } else {
        // Per-certificate files: the sink has each payload's certificates on this thread, in
        // payload order. What it keeps is then made in this thread's heap, which holds what
        // decoding the manifest freed, not in the workers' heaps on top of it (restore of
        // 10000: peak RSS 63 -> 55 MiB).
        std::vector<std::vector<std::pair<std::size_t, Certificate>>> opened(kPayloadsInFlight);
        r = run_parallel_in_order(
            items.size(), threads_, kPayloadsInFlight,
            [&](std::size_t i) -> Result<void> {
                auto& slot = opened[i % kPayloadsInFlight];
                const CertificateSink into_slot = [&slot](std::size_t entry,
                                                          Certificate certificate) -> Result<void> {
                    slot.emplace_back(entry, std::move(certificate));
                    return {};
                };
                return open(i, PayloadReading{manifest_, select, into_slot, password_.view()});
            },
            [&](std::size_t i) -> Result<void> {
                auto slot = std::move(opened[i % kPayloadsInFlight]);
                opened[i % kPayloadsInFlight].clear();
                for (auto& [entry, certificate] : slot)
                    if (auto taken = sink(entry, std::move(certificate)); !taken)
                        return taken;
                return {};
            },
            payload_hooks, "opening the PFX files");
    }
    if (!r)
        return r;
    if (bundle_progress)
        hooks.progress(bundle_entries, bundle_entries);
    return {};
}

Result<std::vector<RestoredCertificate>> SnapshotReader::read_certificates(
    const EntryFilter& select, const SnapshotHooks& hooks) {
    std::vector<std::optional<Certificate>> read(manifest_.entries.size());
    auto r = read_each(select, hooks, [&read](std::size_t index, Certificate certificate) {
        read[index] = std::move(certificate);  // each place once: no two workers share one
        return Result<void>{};
    });
    if (!r)
        return std::unexpected(r.error());
    std::vector<RestoredCertificate> restored;
    for (std::size_t i = 0; i < manifest_.entries.size(); ++i)
        if (read[i])
            restored.push_back({manifest_.entries[i], std::move(*read[i])});
    return restored;
}

SnapshotManifest SnapshotReader::release_manifest_without_entries() && {
    SnapshotManifest manifest = std::move(manifest_);
    std::vector<ManifestEntry>().swap(manifest.entries);
    return manifest;
}

}  // namespace certbackup
