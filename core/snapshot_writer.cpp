#include "core/snapshot_writer.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "certbackup/base/ossl.hpp"
#include "certbackup/base/parallel_tasks.hpp"
#include "certbackup/base/utc_time.hpp"
#include "core/manifest_codec.hpp"
#include "core/snapshot_envelope.hpp"
#include "core/snapshot_plan.hpp"

namespace certbackup {
namespace {

constexpr std::int64_t kSecondsPerDay = 24 * 3600;

CertificateFacts facts_of(const Certificate& certificate) {
    return CertificateFacts{certificate.info(), certificate.friendly_name(),
                            static_cast<unsigned>(certificate.chain().size())};
}

std::string utc_date(std::int64_t unix_seconds) {
    return format_utc(unix_seconds, "%Y-%m-%d");
}

// How people recognise a certificate in a message: its first binding (or "unused"), subject
// and the start of its SHA-256 thumbprint.
// Works for included (ManifestEntry) and excluded (ExcludedCertificate) certificates alike.
template <typename Described>
std::string describe_certificate(const Described& entry) {
    const std::string role =
        entry.bindings.empty() ? std::string("unused") : entry.bindings.front().to_string();
    return role + " certificate '" + entry.certificate.info.subject + "' (" +
           entry.certificate.info.sha256_hex.substr(0, 16) + ")";
}

// Appends a warning per certificate of `entries` that expired or expires within warning_days.
// Excluded certificates are checked too: an expiring SSL certificate matters on a new server.
template <typename Described>
void add_expiry_warnings(const std::vector<Described>& entries, std::int64_t now, int warning_days,
                         std::vector<std::string>& warnings) {
    for (const auto& entry : entries) {
        const std::int64_t not_after = entry.certificate.info.not_after;
        const std::string date = utc_date(not_after);
        if (not_after <= now) {
            const std::int64_t days = (now - not_after) / kSecondsPerDay;
            warnings.push_back(describe_certificate(entry) + " expired " + std::to_string(days) +
                               (days == 1 ? " day" : " days") + " ago, on " + date + "; renew it");
        } else if (not_after - now < static_cast<std::int64_t>(warning_days) * kSecondsPerDay) {
            const std::int64_t days = (not_after - now) / kSecondsPerDay;
            warnings.push_back(describe_certificate(entry) + " expires in " + std::to_string(days) +
                               (days == 1 ? " day" : " days") + ", on " + date + "; renew it soon");
        }
    }
}

Result<void> check_options(const SnapshotOptions& options, std::string_view password) {
    if (password.empty())
        return fail(ErrorCode::invalid_argument,
                    "the backup password is empty; give a password to protect the backup");
    if (options.profile.iterations < static_cast<int>(kMinKdfIterations) ||
        options.profile.iterations > static_cast<int>(kMaxKdfIterations))
        return fail(ErrorCode::invalid_argument,
                    "iterations " + std::to_string(options.profile.iterations) +
                        " are out of bounds; use " + std::to_string(kMinKdfIterations) + " .. " +
                        std::to_string(kMaxKdfIterations));
    if (options.expiry_warning_days < 0)
        return fail(ErrorCode::invalid_argument, "expiry_warning_days must not be negative");
    return {};
}

Result<std::string> random_snapshot_id() {
    std::vector<std::uint8_t> id(16);
    if (!ossl::random_bytes(id))
        return fail(ErrorCode::io, "no random bytes for the snapshot id: " + ossl::drain_errors());
    return ossl::to_hex(id);
}

// What the manifest says of a PFX item once it is written (its name is the plan's).
struct WrittenPayload {
    std::string sha256_hex;
    std::uint64_t size = 0;
};

// SHA-256 of the concatenation of `pieces`, as hex.
Result<std::string> sha256_hex_of(std::span<const std::span<const std::uint8_t>> pieces) {
    std::vector<std::uint8_t> digest(SHA256_DIGEST_LENGTH);
    ossl::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    bool ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1;
    for (const auto piece : pieces)
        ok = ok && EVP_DigestUpdate(ctx.get(), piece.data(), piece.size()) == 1;
    if (!ok || EVP_DigestFinal_ex(ctx.get(), digest.data(), nullptr) != 1)
        return fail(ErrorCode::io, "computing a payload's SHA-256: " + ossl::drain_errors());
    return ossl::to_hex(digest);
}

// The certificate of `p`, loaded if it is deferred; errors name it.
Result<Certificate> load_planned(const PlannedCertificate& p) {
    auto certificate = p.candidate->get();
    if (!certificate)
        return std::unexpected(
            certificate.error().with_context("reading certificate " + p.candidate->sha256_hex()));
    return certificate;
}

// Writes one item, given as pieces, into `sink` (payloads first, the manifest last), counting
// it in `summary`.
Result<void> write_item(ItemSink& sink, const SnapshotHooks& hooks, std::string_view name,
                        std::span<const std::span<const std::uint8_t>> pieces,
                        SnapshotSummary& summary) {
    if (hooks.cancelled && hooks.cancelled())
        return fail(ErrorCode::cancelled, "cancelled before writing item " + std::string(name) +
                                              "; the snapshot is incomplete");
    if (auto r = sink.write_item_pieces(name, pieces); !r)
        return std::unexpected(r.error().with_context("writing item " + std::string(name) +
                                                      " (the snapshot is incomplete)"));
    summary.items_written.emplace_back(name);
    for (const auto piece : pieces)
        summary.bytes_written += piece.size();
    return {};
}

// The PFX payloads, written: what the manifest says of each, in the plan's order, and the facts
// of every included certificate, taken while it is loaded for its payload.
struct Payloads {
    std::vector<WrittenPayload> written;  // bundle: one; per certificate: one per included
    std::vector<CertificateFacts> facts;  // one per included certificate
};

// Everything one write of the payloads needs.
struct PayloadWrite {
    const SnapshotPlan& plan;
    std::string_view password;
    const SnapshotOptions& options;
    const SnapshotHooks& hooks;
    ItemSink& sink;
    SnapshotSummary& summary;
};

// One bundle (bundle mode): made with one certificate in memory at a time, every certificate
// read before it is written (a failure to read one writes nothing), then written in the pieces
// it was made in and freed.
Result<Payloads> write_bundle(const PayloadWrite& w, std::optional<Pkcs12ExportKeys> keys) {
    Payloads out;
    out.facts.resize(w.plan.included.size());
    if (w.hooks.cancelled && w.hooks.cancelled())
        return fail(ErrorCode::cancelled, "cancelled while making the PFX file");
    if (!keys) {
        auto started = Pkcs12ExportKeys::start(w.password, w.options.profile);
        if (!started)
            return std::unexpected(
                started.error().with_context("making " + std::string(kBundleItem)));
        keys.emplace(std::move(*started));
    }
    // Progress counts the certificates packed into the bundle.
    auto file = export_pkcs12_bundle(
        w.plan.included.size(),
        [&](std::size_t i) -> Result<Certificate> {
            if (w.hooks.cancelled && w.hooks.cancelled())
                return fail(ErrorCode::cancelled, "cancelled while making the PFX file");
            auto certificate = load_planned(w.plan.included[i]);
            if (certificate)
                out.facts[i] = facts_of(*certificate);
            return certificate;
        },
        std::move(*keys), w.hooks.progress);
    if (!file)
        return std::unexpected(file.error().with_context("making " + std::string(kBundleItem)));
    auto digest = sha256_hex_of(file->pieces());
    if (!digest)
        return std::unexpected(digest.error());
    const std::uint64_t size = file->size();
    if (auto r = write_item(w.sink, w.hooks, kBundleItem, file->pieces(), w.summary); !r)
        return std::unexpected(r.error());
    out.written.push_back({std::move(*digest), size});
    return out;
}

// One PFX per certificate (per-certificate mode): made on `options.threads` workers and written
// on this thread in the plan's order as soon as each is made, then freed, so that at most
// kPfxFilesInFlight files (and a certificate per worker) are in memory at once, whatever the
// number of certificates. A failure stops the write where it is: the files already written
// stay without a manifest (an incomplete snapshot).
Result<Payloads> write_per_certificate(const PayloadWrite& w) {
    const std::size_t count = w.plan.included.size();
    Payloads out;
    out.facts.resize(count);
    out.written.resize(count);
    // The files are made in parallel already: each derives its keys on its own worker.
    const auto derivation =
        count > 1 ? Pkcs12Derivation::calling_thread : Pkcs12Derivation::own_threads;
    // Slot i % kPfxFilesInFlight holds file i from when it is made until it is written.
    std::vector<std::vector<std::uint8_t>> in_flight(kPfxFilesInFlight);
    const auto make = [&](std::size_t i) -> Result<void> {
        const PlannedCertificate& p = w.plan.included[i];
        auto certificate = load_planned(p);
        if (!certificate)
            return std::unexpected(certificate.error());
        out.facts[i] = facts_of(*certificate);
        auto bytes = export_pkcs12(*certificate, w.password, w.options.profile, derivation);
        if (!bytes)
            return std::unexpected(bytes.error().with_context(
                "making " + p.payload_item + " for certificate " + p.candidate->sha256_hex()));
        const std::span<const std::uint8_t> whole[] = {*bytes};
        auto digest = sha256_hex_of(whole);
        if (!digest)
            return std::unexpected(digest.error());
        out.written[i] = {std::move(*digest), bytes->size()};
        in_flight[i % kPfxFilesInFlight] = std::move(*bytes);
        return {};
    };
    const auto write = [&](std::size_t i) -> Result<void> {
        std::vector<std::uint8_t> bytes = std::move(in_flight[i % kPfxFilesInFlight]);
        const std::span<const std::uint8_t> whole[] = {bytes};
        return write_item(w.sink, w.hooks, w.plan.included[i].payload_item, whole, w.summary);
    };
    auto written = run_parallel_in_order(count, w.options.threads, kPfxFilesInFlight, make, write,
                                         w.hooks, "making the PFX files");
    if (!written)
        return std::unexpected(written.error());
    return out;
}

}  // namespace

SnapshotWriter::SnapshotWriter(SnapshotOptions options, SnapshotHooks hooks)
    : options_(std::move(options)), hooks_(std::move(hooks)) {}

namespace {

// The manifest's header: a fresh id, the time, and what the options say about the backup.
Result<SnapshotManifest> manifest_header(const SnapshotOptions& options) {
    SnapshotManifest manifest;
    auto id = random_snapshot_id();
    if (!id)
        return std::unexpected(id.error());
    manifest.snapshot_id = std::move(*id);
    manifest.created_time = static_cast<std::int64_t>(std::time(nullptr));
    manifest.host_name = options.host_name;
    manifest.plugin_id = options.plugin_id;
    manifest.plugin_version = options.plugin_version;
    manifest.store_identity = options.store_identity;
    manifest.scope = options.scope;
    manifest.per_certificate_files = options.per_certificate_files;
    manifest.include_ssl = options.include_ssl;
    manifest.include_unused = options.include_unused;
    manifest.profile = options.profile;
    return manifest;
}

// One entry per excluded certificate, with the reason (an excluded deferred certificate is read
// here, for its facts).
Result<void> add_excluded(SnapshotManifest& manifest, const SnapshotPlan& plan) {
    for (const auto& p : plan.excluded) {
        auto certificate = load_planned(p);
        if (!certificate)
            return std::unexpected(certificate.error());
        manifest.excluded.push_back({p.kind, p.bindings, facts_of(*certificate), *p.exclusion,
                                     std::string(describe(*p.exclusion))});
    }
    return {};
}

// One entry per included certificate, naming its payload (per certificate: its own; bundle:
// the one bundle). Takes the plan's included certificates and the payloads: what the entries
// need moves into them and the rest is freed on return, before the manifest is encoded.
void add_included(SnapshotManifest& manifest, std::vector<PlannedCertificate> included,
                  Payloads made, bool per_certificate_files) {
    manifest.entries.reserve(included.size());
    for (std::size_t i = 0; i < included.size(); ++i) {
        PlannedCertificate& p = included[i];
        ManifestEntry entry;
        entry.kind = p.kind;
        entry.bindings = std::move(p.bindings);
        entry.certificate = std::move(made.facts[i]);
        entry.private_key_included = p.candidate->has_key();
        if (per_certificate_files) {
            WrittenPayload& payload = made.written[i];
            entry.payload_item = std::move(p.payload_item);
            entry.payload_sha256 = std::move(payload.sha256_hex);
            entry.payload_size = payload.size;
        } else {
            const WrittenPayload& bundle = made.written.front();
            entry.payload_item = kBundleItem;
            entry.payload_sha256 = bundle.sha256_hex;
            entry.payload_size = bundle.size;
        }
        manifest.entries.push_back(std::move(entry));
    }
}

// Expiry, missing keys, an empty backup: what the person restoring should be told.
void add_warnings(SnapshotManifest& manifest, int expiry_warning_days) {
    add_expiry_warnings(manifest.entries, manifest.created_time, expiry_warning_days,
                        manifest.warnings);
    add_expiry_warnings(manifest.excluded, manifest.created_time, expiry_warning_days,
                        manifest.warnings);
    for (const auto& excluded : manifest.excluded)
        if (excluded.reason == ExclusionReason::no_private_key)
            manifest.warnings.push_back(describe_certificate(excluded) +
                                        " has no private key in the store and is not backed up; "
                                        "import it again with its key (a PFX) to protect it");
    if (manifest.entries.empty())
        manifest.warnings.push_back(
            "no certificate was backed up: " + std::to_string(manifest.excluded.size()) +
            " of the scope were left out (see the excluded list)");
}

}  // namespace

Result<SnapshotWriteKeys> SnapshotWriter::start_keys(std::string_view password) const {
    if (auto r = check_options(options_, password); !r)
        return std::unexpected(r.error());
    SnapshotWriteKeys keys;
    if (!options_.per_certificate_files) {
        auto bundle = Pkcs12ExportKeys::start(password, options_.profile);
        if (!bundle)
            return std::unexpected(bundle.error());
        keys.bundle.emplace(std::move(*bundle));
    }
    const auto iterations = static_cast<std::uint32_t>(options_.profile.iterations);
    keys.manifest = start_background_task(
        [password, iterations] { return derive_manifest_seal_key(password, iterations); });
    return keys;
}

Result<SnapshotSummary> SnapshotWriter::write(std::span<const SnapshotCandidate> candidates,
                                              std::string_view password, ItemSink& sink) const {
    auto keys = start_keys(password);
    if (!keys)
        return std::unexpected(keys.error());
    return write(candidates, password, std::move(*keys), sink);
}

Result<SnapshotSummary> SnapshotWriter::write(std::span<const SnapshotCandidate> candidates,
                                              std::string_view password, SnapshotWriteKeys keys,
                                              ItemSink& sink) const {
    if (auto r = check_options(options_, password); !r)
        return std::unexpected(r.error());
    auto plan = plan_snapshot(candidates, options_);
    if (!plan)
        return std::unexpected(plan.error());
    auto manifest = manifest_header(options_);
    if (!manifest)
        return std::unexpected(manifest.error());
    // Every excluded certificate is read before the first item is written: a failure to read
    // one writes nothing.
    if (auto added = add_excluded(*manifest, *plan); !added)
        return std::unexpected(added.error());
    if (!keys.manifest.valid())
        return fail(ErrorCode::invalid_argument, "the snapshot keys were already used");

    // The payloads are written, and freed, before the manifest is made, so that a bundle
    // (14 MiB at 10000 certificates) and the manifest (its entries, their encoding and the
    // sealed envelope) are never in memory together; PFX files per certificate are written as
    // they are made, never all held. A failure from here on leaves the snapshot without
    // manifest.pb: incomplete, never taken for a backup.
    SnapshotSummary summary;
    Result<Payloads> payloads = Payloads{};
    if (!plan->included.empty()) {
        const PayloadWrite payload_write{*plan, password, options_, hooks_, sink, summary};
        payloads = options_.per_certificate_files
                       ? write_per_certificate(payload_write)
                       : write_bundle(payload_write, std::move(keys.bundle));
    }
    if (!payloads)
        return std::unexpected(payloads.error());
    add_included(*manifest, std::move(plan->included), std::move(*payloads),
                 options_.per_certificate_files);
    add_warnings(*manifest, options_.expiry_warning_days);

    auto manifest_bytes = encode_manifest(*manifest, kManifestSealRoom);
    if (!manifest_bytes)
        return std::unexpected(manifest_bytes.error());
    auto seal_key = keys.manifest.get();
    if (!seal_key)
        return std::unexpected(seal_key.error());
    auto envelope = seal_manifest(std::move(*manifest_bytes), *seal_key);
    if (!envelope)
        return std::unexpected(envelope.error());

    summary.manifest = std::move(*manifest);
    const std::span<const std::uint8_t> manifest_piece[] = {*envelope};
    if (auto r = write_item(sink, hooks_, kManifestItem, manifest_piece, summary); !r)
        return std::unexpected(r.error());
    return summary;
}

}  // namespace certbackup
