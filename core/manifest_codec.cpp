#include "core/manifest_codec.hpp"

#include <climits>
#include <map>
#include <set>
#include <string>

#include "core/unicode_text.hpp"
#include "manifest.pb.h"

namespace certbackup {
namespace {

using ProtoKind = proto::CertificateKind;

ProtoKind kind_to_proto(const std::optional<CertificateKind>& kind) {
    if (!kind)
        return proto::CERTIFICATE_KIND_UNSPECIFIED;
    switch (*kind) {
        case CertificateKind::ssl:
            return proto::CERTIFICATE_KIND_SSL;
        case CertificateKind::server_encryption:
            return proto::CERTIFICATE_KIND_SERVER_ENCRYPTION;
        case CertificateKind::database:
            return proto::CERTIFICATE_KIND_DATABASE;
        case CertificateKind::master_key:
            return proto::CERTIFICATE_KIND_MASTER_KEY;
        case CertificateKind::discovery_service:
            return proto::CERTIFICATE_KIND_DISCOVERY_SERVICE;
        case CertificateKind::password_reset:
            return proto::CERTIFICATE_KIND_PASSWORD_RESET;
    }
    return proto::CERTIFICATE_KIND_UNSPECIFIED;
}

// nullopt for UNSPECIFIED (unused); an error for a value this reader does not know.
Result<std::optional<CertificateKind>> kind_from_proto(int value) {
    switch (value) {
        case proto::CERTIFICATE_KIND_UNSPECIFIED:
            return std::optional<CertificateKind>();
        case proto::CERTIFICATE_KIND_SSL:
            return CertificateKind::ssl;
        case proto::CERTIFICATE_KIND_SERVER_ENCRYPTION:
            return CertificateKind::server_encryption;
        case proto::CERTIFICATE_KIND_DATABASE:
            return CertificateKind::database;
        case proto::CERTIFICATE_KIND_MASTER_KEY:
            return CertificateKind::master_key;
        case proto::CERTIFICATE_KIND_DISCOVERY_SERVICE:
            return CertificateKind::discovery_service;
        case proto::CERTIFICATE_KIND_PASSWORD_RESET:
            return CertificateKind::password_reset;
        default:
            return fail(ErrorCode::corrupt, "unknown certificate kind " + std::to_string(value));
    }
}

proto::ExclusionReason reason_to_proto(ExclusionReason reason) {
    switch (reason) {
        case ExclusionReason::ssl_not_requested:
            return proto::EXCLUSION_REASON_SSL_NOT_REQUESTED;
        case ExclusionReason::unused_not_requested:
            return proto::EXCLUSION_REASON_UNUSED_NOT_REQUESTED;
        case ExclusionReason::no_private_key:
            return proto::EXCLUSION_REASON_NO_PRIVATE_KEY;
    }
    return proto::EXCLUSION_REASON_UNSPECIFIED;
}

Result<ExclusionReason> reason_from_proto(int value) {
    switch (value) {
        case proto::EXCLUSION_REASON_SSL_NOT_REQUESTED:
            return ExclusionReason::ssl_not_requested;
        case proto::EXCLUSION_REASON_UNUSED_NOT_REQUESTED:
            return ExclusionReason::unused_not_requested;
        case proto::EXCLUSION_REASON_NO_PRIVATE_KEY:
            return ExclusionReason::no_private_key;
        default:
            return fail(ErrorCode::corrupt, "unknown exclusion reason " + std::to_string(value));
    }
}

bool is_lower_hex(std::string_view s, std::size_t length) {
    if (s.size() != length)
        return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

// A payload item name must be a plain file name in every storage target: no directory part,
// not hidden, not the manifest, and a .pfx.
bool is_safe_payload_name(std::string_view name) {
    if (name.empty() || name.size() > 255 || name.front() == '.' || !name.ends_with(".pfx") ||
        name == kManifestItem)
        return false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
        if (!ok)
            return false;
    }
    return true;
}

void facts_to_proto(const CertificateFacts& facts, proto::CertificateFacts& out) {
    const CertificateInfo& info = facts.info;
    out.set_sha1_thumbprint(info.sha1_hex);
    out.set_sha256_thumbprint(info.sha256_hex);
    out.set_subject(valid_utf8(info.subject));
    out.set_issuer(valid_utf8(info.issuer));
    out.set_serial(valid_utf8(info.serial_hex));
    out.set_not_before(info.not_before);
    out.set_not_after(info.not_after);
    out.set_key_algorithm(valid_utf8(info.key_algorithm));
    out.set_key_curve(valid_utf8(info.key_curve));
    out.set_key_bits(static_cast<std::uint32_t>(info.key_bits));
    for (const auto& san : info.subject_alt_names)
        out.add_subject_alt_names(valid_utf8(san));
    out.set_friendly_name(valid_utf8(facts.friendly_name));
    out.set_chain_length(facts.chain_length);
}

Result<CertificateFacts> facts_from_proto(const proto::CertificateFacts& in) {
    if (!is_lower_hex(in.sha256_thumbprint(), 64))
        return fail(ErrorCode::corrupt,
                    "malformed SHA-256 thumbprint '" + in.sha256_thumbprint() + "'");
    if (!is_lower_hex(in.sha1_thumbprint(), 40))
        return fail(ErrorCode::corrupt,
                    "certificate " + in.sha256_thumbprint() + " has a malformed SHA-1 thumbprint");
    if (in.key_bits() > static_cast<std::uint32_t>(INT_MAX))
        return fail(ErrorCode::corrupt,
                    "certificate " + in.sha256_thumbprint() + " has an impossible key size");
    CertificateFacts facts;
    CertificateInfo& info = facts.info;
    info.sha1_hex = in.sha1_thumbprint();
    info.sha256_hex = in.sha256_thumbprint();
    info.subject = in.subject();
    info.issuer = in.issuer();
    info.serial_hex = in.serial();
    info.not_before = in.not_before();
    info.not_after = in.not_after();
    info.key_algorithm = in.key_algorithm();
    info.key_curve = in.key_curve();
    info.key_bits = static_cast<int>(in.key_bits());
    info.subject_alt_names.assign(in.subject_alt_names().begin(), in.subject_alt_names().end());
    facts.friendly_name = in.friendly_name();
    facts.chain_length = in.chain_length();
    return facts;
}

// Kind and bindings of an entry or an exclusion: bindings parse, and the kind is the first
// binding's (UNSPECIFIED exactly when there is none).
template <typename ProtoItem>
Result<void> kind_and_bindings_from_proto(const ProtoItem& in, std::optional<CertificateKind>& kind,
                                          std::vector<Binding>& bindings) {
    auto parsed_kind = kind_from_proto(in.kind());
    if (!parsed_kind)
        return std::unexpected(parsed_kind.error());
    kind = *parsed_kind;
    for (const auto& text : in.bindings()) {
        auto binding = Binding::parse(text);
        if (!binding)
            return fail(ErrorCode::corrupt, binding.error().message);
        bindings.push_back(std::move(*binding));
    }
    const std::optional<CertificateKind> expected =
        bindings.empty() ? std::nullopt : std::optional(bindings.front().kind);
    if (kind != expected)
        return fail(ErrorCode::corrupt, "the kind does not match the first binding");
    return {};
}

Result<Pkcs12Profile> profile_from_proto(const proto::Settings& settings) {
    const auto iterations = settings.pkcs12_iterations();
    if (iterations < kMinKdfIterations || iterations > kMaxKdfIterations)
        return fail(ErrorCode::corrupt,
                    "PKCS#12 iterations " + std::to_string(iterations) + " are out of bounds");
    switch (settings.pkcs12_profile()) {
        case proto::PKCS12_PROFILE_MODERN:
            return Pkcs12Profile::modern(static_cast<int>(iterations));
        case proto::PKCS12_PROFILE_COMPAT:
            return Pkcs12Profile::compat(static_cast<int>(iterations));
        default:
            return fail(ErrorCode::corrupt,
                        "unknown PKCS#12 profile " + std::to_string(settings.pkcs12_profile()));
    }
}

// What the entries and exclusions of one manifest are checked against, as they are read.
struct ManifestChecks {
    bool per_certificate_files = false;
    std::set<std::string> thumbprints;  // every certificate listed once
    std::map<std::string, std::pair<std::string, std::uint64_t>> item_digests;  // agree per item
};

Result<ManifestEntry> entry_from_proto(const proto::CertificateEntry& e, ManifestChecks& checks) {
    ManifestEntry entry;
    auto facts = facts_from_proto(e.certificate());
    if (!facts)
        return std::unexpected(facts.error());
    entry.certificate = std::move(*facts);
    const std::string& id = entry.certificate.info.sha256_hex;
    if (auto r = kind_and_bindings_from_proto(e, entry.kind, entry.bindings); !r)
        return std::unexpected(r.error().with_context("entry " + id));
    if (!checks.thumbprints.insert(id).second)
        return fail(ErrorCode::corrupt, "certificate " + id + " is listed twice");
    entry.private_key_included = e.private_key_included();
    entry.payload_item = e.payload_item();
    entry.payload_sha256 = e.payload_sha256();
    entry.payload_size = e.payload_size();
    if (!is_safe_payload_name(entry.payload_item))
        return fail(ErrorCode::corrupt, "entry " + id + " names an invalid payload item '" +
                                            valid_utf8(entry.payload_item) + "'");
    if (!checks.per_certificate_files && entry.payload_item != kBundleItem)
        return fail(ErrorCode::corrupt, "entry " + id + " names payload item '" +
                                            entry.payload_item + "' in one-file mode");
    if (!is_lower_hex(entry.payload_sha256, 64))
        return fail(ErrorCode::corrupt, "entry " + id + " has a malformed payload SHA-256");
    const auto [it, inserted] = checks.item_digests.try_emplace(
        entry.payload_item, entry.payload_sha256, entry.payload_size);
    if (!inserted && it->second != std::pair(entry.payload_sha256, entry.payload_size))
        return fail(ErrorCode::corrupt,
                    "entries disagree on the SHA-256 or size of item '" + entry.payload_item + "'");
    return entry;
}

Result<ExcludedCertificate> excluded_from_proto(const proto::ExcludedCertificate& x,
                                                ManifestChecks& checks) {
    ExcludedCertificate excluded;
    auto facts = facts_from_proto(x.certificate());
    if (!facts)
        return std::unexpected(facts.error());
    excluded.certificate = std::move(*facts);
    const std::string& id = excluded.certificate.info.sha256_hex;
    if (auto r = kind_and_bindings_from_proto(x, excluded.kind, excluded.bindings); !r)
        return std::unexpected(r.error().with_context("excluded certificate " + id));
    if (!checks.thumbprints.insert(id).second)
        return fail(ErrorCode::corrupt, "certificate " + id + " is listed twice");
    auto reason = reason_from_proto(x.reason());
    if (!reason)
        return std::unexpected(reason.error().with_context("excluded certificate " + id));
    excluded.reason = *reason;
    excluded.reason_text = x.reason_text();
    return excluded;
}

Result<SnapshotManifest> from_proto(const proto::Manifest& in) {
    SnapshotManifest m;
    if (!is_lower_hex(in.snapshot_id(), 32))
        return fail(ErrorCode::corrupt, "malformed snapshot id '" + in.snapshot_id() + "'");
    m.snapshot_id = in.snapshot_id();
    m.created_time = in.created_time();
    m.host_name = in.host_name();
    m.plugin_id = in.plugin_id();
    m.plugin_version = in.plugin_version();
    m.store_identity = in.store_identity();
    m.scope = in.scope();
    const auto& settings = in.settings();
    m.per_certificate_files = settings.per_certificate_files();
    m.include_ssl = settings.include_ssl();
    m.include_unused = settings.include_unused();
    auto profile = profile_from_proto(settings);
    if (!profile)
        return std::unexpected(profile.error());
    m.profile = *profile;

    ManifestChecks checks{m.per_certificate_files, {}, {}};
    m.entries.reserve(static_cast<std::size_t>(in.entries_size()));  // not grown by doubling
    for (const auto& e : in.entries()) {
        auto entry = entry_from_proto(e, checks);
        if (!entry)
            return std::unexpected(entry.error());
        m.entries.push_back(std::move(*entry));
    }
    for (const auto& x : in.excluded()) {
        auto excluded = excluded_from_proto(x, checks);
        if (!excluded)
            return std::unexpected(excluded.error());
        m.excluded.push_back(std::move(*excluded));
    }
    m.warnings.assign(in.warnings().begin(), in.warnings().end());
    return m;
}

// The fields of a manifest numbered before its entries.
proto::Manifest manifest_head(const SnapshotManifest& m) {
    proto::Manifest out;
    out.set_snapshot_id(m.snapshot_id);
    out.set_created_time(m.created_time);
    out.set_host_name(valid_utf8(m.host_name));
    out.set_plugin_id(valid_utf8(m.plugin_id));
    out.set_plugin_version(valid_utf8(m.plugin_version));
    out.set_store_identity(valid_utf8(m.store_identity));
    out.set_scope(valid_utf8(m.scope));
    auto* settings = out.mutable_settings();
    settings->set_per_certificate_files(m.per_certificate_files);
    settings->set_include_ssl(m.include_ssl);
    settings->set_include_unused(m.include_unused);
    settings->set_pkcs12_profile(m.profile.name == Pkcs12ProfileName::compat
                                     ? proto::PKCS12_PROFILE_COMPAT
                                     : proto::PKCS12_PROFILE_MODERN);
    settings->set_pkcs12_iterations(static_cast<std::uint32_t>(m.profile.iterations));
    return out;
}

// The fields of a manifest numbered after its entries.
proto::Manifest manifest_tail(const SnapshotManifest& m) {
    proto::Manifest after;
    for (const auto& excluded : m.excluded) {
        auto* x = after.add_excluded();
        x->set_kind(kind_to_proto(excluded.kind));
        for (const auto& b : excluded.bindings)
            x->add_bindings(b.to_string());
        facts_to_proto(excluded.certificate, *x->mutable_certificate());
        x->set_reason(reason_to_proto(excluded.reason));
        x->set_reason_text(valid_utf8(excluded.reason_text));
    }
    for (const auto& w : m.warnings)
        after.add_warnings(valid_utf8(w));
    return after;
}

// `e` cleared and filled from `entry` (one message reused for every entry).
void entry_to_proto(const ManifestEntry& entry, proto::CertificateEntry& e) {
    e.Clear();
    e.set_kind(kind_to_proto(entry.kind));
    for (const auto& b : entry.bindings)
        e.add_bindings(b.to_string());
    facts_to_proto(entry.certificate, *e.mutable_certificate());
    e.set_private_key_included(entry.private_key_included);
    e.set_payload_item(entry.payload_item);
    e.set_payload_sha256(entry.payload_sha256);
    e.set_payload_size(entry.payload_size);
}

// Bytes of a varint.
std::size_t varint_size(std::uint64_t value) {
    std::size_t size = 1;
    for (; value >= 0x80; value >>= 7)
        ++size;
    return size;
}

// A manifest's encoding built piece by piece: messages whose fields follow each other, and
// embedded messages as length-delimited fields. Refuses more than INT_MAX bytes (protobuf's
// limit for one message).
class ManifestBytes {
  public:
    // Bytes of `message` as an embedded field numbered `field_number`.
    static std::size_t field_size(std::uint32_t field_number,
                                  const google::protobuf::MessageLite& message) {
        const std::size_t size = message.ByteSizeLong();
        return varint_size(field_tag(field_number)) + varint_size(size) + size;
    }

    explicit ManifestBytes(std::size_t capacity) { bytes_.reserve(capacity); }

    void append(const google::protobuf::MessageLite& message) {
        const std::size_t size = message.ByteSizeLong();
        if (!ok_ || bytes_.size() + size > static_cast<std::size_t>(INT_MAX)) {
            too_large_ = ok_;
            ok_ = false;
            return;
        }
        const std::size_t at = bytes_.size();
        bytes_.resize(at + size);
        ok_ = message.SerializeToArray(bytes_.data() + at, static_cast<int>(size));
    }
    void append_field(std::uint32_t field_number, const google::protobuf::MessageLite& message) {
        append_varint(field_tag(field_number));
        append_varint(message.ByteSizeLong());
        append(message);
    }
    Result<std::vector<std::uint8_t>> finish() && {
        if (too_large_)
            return fail(
                ErrorCode::invalid_argument,
                "the manifest would be more than " + std::to_string(INT_MAX) + " bytes, too large");
        if (!ok_)
            return fail(ErrorCode::invalid_argument, "the manifest cannot be serialized");
        return std::move(bytes_);
    }

  private:
    static std::uint64_t field_tag(std::uint32_t field_number) {
        constexpr std::uint32_t kLengthDelimited = 2;
        return (std::uint64_t{field_number} << 3) | kLengthDelimited;
    }
    void append_varint(std::uint64_t value) {
        for (; value >= 0x80; value >>= 7)
            bytes_.push_back(static_cast<std::uint8_t>(value | 0x80));
        bytes_.push_back(static_cast<std::uint8_t>(value));
    }
    std::vector<std::uint8_t> bytes_;
    bool ok_ = true;
    bool too_large_ = false;
};

}  // namespace

Result<std::vector<std::uint8_t>> encode_manifest(const SnapshotManifest& m,
                                                  std::size_t spare_capacity) {
    // The entries (10000 at most of a store's size, kilobytes each as proto objects) are
    // serialized one at a time between the fields numbered before and after them: the same
    // bytes as serializing one message holding them all (fields in number order, each entry
    // as tag, length, message), without that message in memory. They are converted twice,
    // once to add up the size: a buffer grown as it fills would be copied at each doubling
    // (a 5 MiB encoding out of a 4 MiB buffer into an 8 MiB one).
    const proto::Manifest head = manifest_head(m);
    const proto::Manifest tail = manifest_tail(m);
    proto::CertificateEntry e;
    std::size_t size = head.ByteSizeLong() + tail.ByteSizeLong() + spare_capacity;
    for (const auto& entry : m.entries) {
        entry_to_proto(entry, e);
        size += ManifestBytes::field_size(proto::Manifest::kEntriesFieldNumber, e);
    }
    ManifestBytes bytes(size);
    bytes.append(head);
    for (const auto& entry : m.entries) {
        entry_to_proto(entry, e);
        bytes.append_field(proto::Manifest::kEntriesFieldNumber, e);
    }
    bytes.append(tail);
    return std::move(bytes).finish();
}

namespace {

std::string where() {
    return std::string(kManifestItem) + ": the manifest ";
}

Result<void> parse_manifest(std::span<const std::uint8_t> bytes, proto::Manifest& in) {
    if (bytes.size() > static_cast<std::size_t>(INT_MAX) ||
        !in.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        return fail(ErrorCode::corrupt, where() +
                                            "does not parse; it was written by a faulty "
                                            "writer; use another copy of this backup");
    return {};
}

Result<SnapshotManifest> manifest_from_parsed(const proto::Manifest& in) {
    auto m = from_proto(in);
    if (!m)
        return std::unexpected(
            Error{ErrorCode::corrupt, where() + "is invalid: " + m.error().message});
    return m;
}

}  // namespace

Result<SnapshotManifest> decode_manifest(std::span<const std::uint8_t> bytes) {
    proto::Manifest in;
    if (auto parsed = parse_manifest(bytes, in); !parsed)
        return std::unexpected(parsed.error());
    return manifest_from_parsed(in);
}

Result<SnapshotManifest> decode_manifest(std::vector<std::uint8_t>&& bytes) {
    proto::Manifest in;
    auto parsed = parse_manifest(bytes, in);
    std::vector<std::uint8_t>().swap(bytes);
    if (!parsed)
        return std::unexpected(parsed.error());
    return manifest_from_parsed(in);
}

}  // namespace certbackup
