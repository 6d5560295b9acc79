// PKCS#12 export (DESIGN §4).
//
// File layout, the one OpenSSL 3 (`pkcs12 -export`), Windows Server 2019+ (AES256-SHA256) and
// Java's PKCS12 keystore write, so that every common reader opens it (pkcs12_interop_test):
//   modern: AuthenticatedSafe = [ EncryptedData(PBES2) { certBag(leaf) ... certBag(chain) ... },
//                                 Data { pkcs8ShroudedKeyBag(PBES2) per key } ]
//           PBES2 = PBKDF2-HMAC-SHA256 and AES-256-CBC with a random IV per structure. All PBES2
//           structures of one file share one salt and the iteration count, so that the writer
//           derives the key once per file, and our import once per file, however many keys
//           it holds (pkcs12_pbes2.hpp says why that is sound). The MAC key is derived on
//           another core meanwhile (pkcs12_mac.hpp). Files written before this layout (plain
//           keyBags inside the one encrypted safe) still import.
//   compat: AuthenticatedSafe = [ EncryptedData(pbeWithSHAAnd3-KeyTripleDES-CBC) { certBags },
//                                 Data { pkcs8ShroudedKeyBag(3DES) per key } ]
//           The shape Windows writes, with 3DES throughout so that no peer needs RC2; each
//           shrouded key and the certificates' safe have their own salt and key derivation
//           (OpenSSL's PBE), the safe encrypted in its buffer like modern's.
// Both: HMAC over the AuthenticatedSafe (SHA-256 or SHA-1), 16-byte random salts, the profile's
// iteration count for encryption and MAC. Each entry's leaf certBag and key bag carry
// friendlyName (when set) and localKeyID = SHA-1 of the leaf's DER; chain certificates carry
// no attributes. A leaf without a key still gets its localKeyID: it marks the certificate as an
// entry of the file rather than a chain certificate (import relies on this).
//
// Secrets: the PKCS#8 keys live in OpenSSL objects that wipe themselves when freed, their DER
// is wiped after encryption, and derived keys live in SecureBuffers. The password is only
// borrowed.
#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <unordered_set>

#include "core/pkcs12.hpp"

#include "certbackup/base/parallel_tasks.hpp"
#include "core/pkcs12_algorithms.hpp"
#include "core/pkcs12_compat_pbe.hpp"
#include "core/pkcs12_mac.hpp"
#include "core/pkcs12_pbes2.hpp"
#include "core/pkcs12_pfx_layout.hpp"
#include "core/unicode_text.hpp"

namespace certbackup {
namespace {

using pkcs12_detail::FileKeys;
using pkcs12_detail::MacKey;
using pkcs12_detail::PasswordArg;
using pkcs12_detail::SharedPbes2Key;

constexpr int kSaltLength = pkcs12_detail::kPbes2SaltLength;
constexpr auto openssl_failure = pkcs12_detail::export_failure;

}  // namespace

namespace pkcs12_detail {

// How one file is encrypted. compat: OpenSSL derives a key per bag from the password. modern:
// one shared PBES2 key and the MAC key, each derived on a thread of its own (on the calling
// thread at get() for Pkcs12Derivation::calling_thread, or when no thread can be started);
// `shared` holds the first once it is needed.
struct FileKeys {
    PasswordArg password;
    Pkcs12Profile profile;
    std::future<Result<SharedPbes2Key>> shared_pending;  // modern only
    std::future<Result<MacKey>> mac_key;                 // modern only
    std::optional<SharedPbes2Key> shared;

    // Waits for the shared key (modern); nothing to wait for in compat.
    Result<void> wait_for_shared_key() {
        if (!shared_pending.valid())
            return {};
        auto key = shared_pending.get();
        if (!key)
            return std::unexpected(key.error());
        shared.emplace(std::move(*key));
        return {};
    }
};

}  // namespace pkcs12_detail

namespace {

Result<void> check_profile(const Pkcs12Profile& profile) {
    if (!pkcs12_detail::valid_iterations(profile.iterations))
        return fail(ErrorCode::invalid_argument,
                    "PKCS#12 iteration count " + std::to_string(profile.iterations) +
                        " is out of range " + pkcs12_detail::iteration_range_text());
    return {};
}

// Runs `task` on a thread of its own, or (calling_thread) when its result is first asked for.
template <typename Task>
auto start_derivation(Task task, Pkcs12Derivation derivation) {
    if (derivation == Pkcs12Derivation::calling_thread)
        return std::async(std::launch::deferred, std::move(task));
    return start_background_task(std::move(task));
}

Result<std::unique_ptr<FileKeys>> start_file_keys(std::string_view password,
                                                  const Pkcs12Profile& profile,
                                                  Pkcs12Derivation derivation) {
    if (auto r = check_profile(profile); !r)
        return std::unexpected(r.error());
    auto password_arg = pkcs12_detail::password_arg(password);
    if (!password_arg)
        return std::unexpected(password_arg.error());
    auto keys = std::make_unique<FileKeys>();
    keys->password = *password_arg;
    keys->profile = profile;
    if (profile.name != Pkcs12ProfileName::modern)
        return keys;
    const PasswordArg arg = *password_arg;
    const int iterations = profile.iterations;
    keys->mac_key = start_derivation(
        [arg, iterations] {
            return pkcs12_detail::derive_mac_key(arg, iterations, pkcs12_detail::MacDigest::sha256);
        },
        derivation);
    keys->shared_pending = start_derivation(
        [arg, iterations] { return SharedPbes2Key::derive(arg, iterations); }, derivation);
    return keys;
}

// The SafeContents (SEQUENCE OF SafeBag) of one safe, kept as DER: each bag is encoded as soon
// as it is made and its OpenSSL object freed, so that a bundle of 10000 entries holds about a
// kilobyte per entry rather than tens of ASN.1 objects. The DER is the one ASN1_item_i2d of a
// PKCS12_SAFEBAGS stack writes (a SEQUENCE OF keeps its order). The buffer becomes a piece of
// the file as it is (encrypted in place for the certificates' safe), so room is kept for the
// header in front and the padding after. Nothing secret is in it: key bags are shrouded
// (encrypted) before they are added.
class SafeContents {
  public:
    // Room for the longest header this writer needs (tag, 0x84, four length bytes).
    static constexpr std::size_t kHeaderRoom = 6;
    // Room for the padding of in-place encryption (one block: AES's, 3DES's is smaller).
    static constexpr std::size_t kTailRoom = 16;

    SafeContents() : der_(kHeaderRoom) {}

    Result<void> add(const PKCS12_SAFEBAG* bag) {
        const int length = i2d_PKCS12_SAFEBAG(bag, nullptr);
        if (length <= 0)
            return std::unexpected(openssl_failure("encoding a bag"));
        const std::size_t at = der_.size();
        const std::size_t needed = at + static_cast<std::size_t>(length) + kTailRoom;
        if (der_.capacity() < needed)
            der_.reserve(std::max(needed, 2 * der_.capacity()));
        der_.resize(at + static_cast<std::size_t>(length));
        unsigned char* out = der_.data() + at;
        if (i2d_PKCS12_SAFEBAG(bag, &out) != length)
            return std::unexpected(openssl_failure("encoding a bag"));
        ++count_;
        return {};
    }

    std::size_t count() const noexcept { return count_; }

    // The buffer with the whole SEQUENCE at `offset` to its end (its DER header written in
    // front of the bags); `this` is left empty.
    struct Finished {
        std::vector<std::uint8_t> buffer;
        std::size_t offset = 0;
    };
    Result<Finished> finish() {
        const std::size_t length = der_.size() - kHeaderRoom;
        if (length > pkcs12_detail::kMaxDerLength)
            return fail(ErrorCode::invalid_argument, "the PKCS#12 contents are too large");
        std::vector<std::uint8_t> header;
        pkcs12_detail::append_der_header(header, pkcs12_detail::kDerSequence, length);
        const std::size_t offset = kHeaderRoom - header.size();
        std::copy(header.begin(), header.end(), der_.begin() + static_cast<std::ptrdiff_t>(offset));
        Finished out{std::move(der_), offset};
        der_.clear();
        return out;
    }

  private:
    std::vector<std::uint8_t> der_;
    std::size_t count_ = 0;
};

// The bags of one PFX, encoded as they are made, until they are packed into safes.
struct Bags {
    SafeContents certificates;
    SafeContents keys;
    std::unordered_set<std::string> written_certificates;  // SHA-256 hex of each certBag
};

// friendlyName as a BMPString that we encode ourselves (UTF-16BE, surrogate pairs beyond
// U+FFFF, as Windows writes them), so that every name is written and written the same on every
// OpenSSL: PKCS12_add_friendlyname_utf8 refuses characters beyond U+FFFF. A name with invalid
// UTF-8 or control characters (from an older store) is written cleaned, never refused.
Result<void> add_friendly_name(PKCS12_SAFEBAG* bag, const std::string& friendly_name) {
    const std::string clean = clean_friendly_name(friendly_name).text;
    if (clean.empty())
        return {};
    const std::vector<std::uint8_t> bmp = utf8_to_utf16be(clean);
    if (PKCS12_add1_attr_by_NID(bag, NID_friendlyName, V_ASN1_BMPSTRING, bmp.data(),
                                static_cast<int>(bmp.size())) != 1)
        return std::unexpected(openssl_failure("adding the friendly name '" + clean + "'"));
    return {};
}

Result<void> add_entry_attributes(PKCS12_SAFEBAG* bag, const std::string& friendly_name,
                                  std::vector<std::uint8_t>& local_key_id) {
    if (auto r = add_friendly_name(bag, friendly_name); !r)
        return r;
    if (PKCS12_add_localkeyid(bag, local_key_id.data(), static_cast<int>(local_key_id.size())) != 1)
        return std::unexpected(openssl_failure("adding a localKeyID"));
    return {};
}

Result<ossl::Pkcs12SafeBagPtr> key_bag(const PKCS8_PRIV_KEY_INFO* pkcs8, const FileKeys& keys) {
    if (keys.shared) {
        auto shrouded = keys.shared->shroud(pkcs8);
        if (!shrouded)
            return std::unexpected(shrouded.error());
        ossl::Pkcs12SafeBagPtr bag(PKCS12_SAFEBAG_create0_pkcs8(shrouded->get()));
        if (!bag)
            return std::unexpected(openssl_failure("making a shrouded key bag"));
        shrouded->release();  // the bag owns it now
        return bag;
    }
    ossl::Pkcs12SafeBagPtr bag(PKCS12_SAFEBAG_create_pkcs8_encrypt_ex(
        NID_pbe_WithSHA1And3_Key_TripleDES_CBC, keys.password.data, keys.password.size, nullptr,
        kSaltLength, keys.profile.iterations, const_cast<PKCS8_PRIV_KEY_INFO*>(pkcs8), nullptr,
        nullptr));
    if (!bag)
        return std::unexpected(openssl_failure("encrypting a private key with 3DES"));
    return bag;
}

// A private key whose bag waits for the shared PBES2 key (modern profile): a streamed bundle
// packs certificates while the key is still being derived. The PKCS#8 object wipes itself
// when freed.
struct PendingKey {
    ossl::Pkcs8PrivKeyInfoPtr pkcs8;
    std::string friendly_name;
    std::vector<std::uint8_t> local_key_id;
};

// Shrouds and adds the pending keys, in order, once they can be encrypted (compat: always;
// modern: once the shared key is derived; `wait`: waits for it).
Result<void> add_pending_keys(Bags& bags, std::vector<PendingKey>& pending, FileKeys& keys,
                              bool wait) {
    if (pending.empty())
        return {};
    if (!keys.shared && keys.shared_pending.valid()) {
        if (!wait &&
            keys.shared_pending.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
            return {};
        if (auto r = keys.wait_for_shared_key(); !r)
            return r;
    }
    for (PendingKey& key : pending) {
        auto bag = key_bag(key.pkcs8.get(), keys);
        if (!bag)
            return std::unexpected(bag.error());
        key.pkcs8.reset();
        if (auto r = add_entry_attributes(bag->get(), key.friendly_name, key.local_key_id); !r)
            return r;
        if (auto r = bags.keys.add(bag->get()); !r)
            return r;
    }
    pending.clear();
    return {};
}

Result<void> add_certificate(Bags& bags, X509* certificate) {
    ossl::Pkcs12SafeBagPtr bag(PKCS12_SAFEBAG_create_cert(certificate));
    if (!bag)
        return std::unexpected(openssl_failure("making a certificate bag"));
    bags.written_certificates.insert(sha256_hex_of(certificate));
    return bags.certificates.add(bag.get());
}

// The certificate's bag now; its key's bag joins `pending` (add_pending_keys).
Result<void> add_entry(Bags& bags, const Certificate& certificate,
                       std::vector<PendingKey>& pending) {
    std::vector<std::uint8_t> local_key_id = ossl::sha1(certificate.der());
    ossl::Pkcs12SafeBagPtr bag(PKCS12_SAFEBAG_create_cert(certificate.leaf()));
    if (!bag)
        return std::unexpected(openssl_failure("making a certificate bag"));
    if (auto r = add_entry_attributes(bag.get(), certificate.friendly_name(), local_key_id); !r)
        return r;
    bags.written_certificates.insert(certificate.sha256_hex());
    if (auto r = bags.certificates.add(bag.get()); !r)
        return r;
    if (!certificate.has_key())
        return {};
    ossl::Pkcs8PrivKeyInfoPtr pkcs8(EVP_PKEY2PKCS8(certificate.key()));
    if (!pkcs8)
        return fail(ErrorCode::unsupported, "the private key of certificate " +
                                                certificate.sha256_hex() +
                                                " cannot be exported as PKCS#8 (is it held in "
                                                "hardware?): " +
                                                ossl::drain_errors());
    pending.push_back({std::move(pkcs8), certificate.friendly_name(), std::move(local_key_id)});
    return {};
}

// The certificates' safe, encrypted in the buffer it was built in, as pieces of `safes` (the
// EncryptedData's header, then the ciphertext). modern: AES-256-CBC with the shared key;
// compat: 3DES with its own salt and key derivation (pkcs12_compat_pbe.hpp).
Result<void> add_certificate_safe(Pkcs12File& safes, SafeContents& certificates,
                                  const FileKeys& keys) {
    auto contents = certificates.finish();
    if (!contents)
        return std::unexpected(contents.error());
    auto algorithm = keys.shared ? keys.shared->encrypt_in_place(contents->buffer, contents->offset)
                                 : pkcs12_detail::encrypt_in_place_triple_des_pbe(
                                       contents->buffer, contents->offset, keys.password,
                                       kSaltLength, keys.profile.iterations);
    if (!algorithm)
        return std::unexpected(algorithm.error());
    const std::size_t length = contents->buffer.size() - contents->offset;
    safes.append(pkcs12_detail::encrypted_safe_head(*algorithm, length));
    safes.append(std::move(contents->buffer), contents->offset, length);
    return {};
}

// The MAC key: derived meanwhile (modern), or now (compat: SHA-1, as Windows reads it).
Result<MacKey> mac_key(FileKeys& keys) {
    if (keys.mac_key.valid())
        return keys.mac_key.get();
    return pkcs12_detail::derive_mac_key(keys.password, keys.profile.iterations,
                                         pkcs12_detail::MacDigest::sha1);
}

// The PFX around the bags: the certificates' safe, encrypted, then the key bags (already
// shrouded) in a plain one, the MAC over both. The bags' buffers become the file's pieces.
Result<Pkcs12File> encode_pfx(Bags& bags, FileKeys& keys) {
    Pkcs12File safes;
    if (auto r = add_certificate_safe(safes, bags.certificates, keys); !r)
        return std::unexpected(r.error());
    if (bags.keys.count() != 0) {
        auto key_bags = bags.keys.finish();
        if (!key_bags)
            return std::unexpected(key_bags.error());
        const std::size_t length = key_bags->buffer.size() - key_bags->offset;
        safes.append(pkcs12_detail::data_safe_head(length));
        safes.append(std::move(key_bags->buffer), key_bags->offset, length);
    }
    auto mac = mac_key(keys);
    if (!mac)
        return std::unexpected(mac.error());
    return pkcs12_detail::assemble_pfx(std::move(safes), *mac);
}

}  // namespace

Result<std::vector<std::uint8_t>> export_pkcs12(const Certificate& certificate,
                                                std::string_view password,
                                                const Pkcs12Profile& profile,
                                                Pkcs12Derivation derivation) {
    auto keys = Pkcs12ExportKeys::start(password, profile, derivation);
    if (!keys)
        return std::unexpected(keys.error());
    const Certificate* entries[] = {&certificate};
    return export_pkcs12_bundle(entries, std::move(*keys));
}

Pkcs12ExportKeys::Pkcs12ExportKeys(std::unique_ptr<FileKeys> keys) : keys_(std::move(keys)) {}
Pkcs12ExportKeys::Pkcs12ExportKeys(Pkcs12ExportKeys&&) noexcept = default;
Pkcs12ExportKeys& Pkcs12ExportKeys::operator=(Pkcs12ExportKeys&&) noexcept = default;
Pkcs12ExportKeys::~Pkcs12ExportKeys() = default;

Result<Pkcs12ExportKeys> Pkcs12ExportKeys::start(std::string_view password,
                                                 const Pkcs12Profile& profile,
                                                 Pkcs12Derivation derivation) {
    auto keys = start_file_keys(password, profile, derivation);
    if (!keys)
        return std::unexpected(keys.error());
    return Pkcs12ExportKeys(std::move(*keys));
}

Result<std::vector<std::uint8_t>> export_pkcs12_bundle(
    std::span<const Certificate* const> certificates, std::string_view password,
    const Pkcs12Profile& profile) {
    auto keys = Pkcs12ExportKeys::start(password, profile);
    if (!keys)
        return std::unexpected(keys.error());
    return export_pkcs12_bundle(certificates, std::move(*keys));
}

Result<std::vector<std::uint8_t>> export_pkcs12_bundle(
    std::span<const Certificate* const> certificates, Pkcs12ExportKeys export_keys,
    const std::function<void(std::size_t done, std::size_t total)>& progress) {
    for (const Certificate* certificate : certificates)
        if (certificate == nullptr)
            return fail(ErrorCode::invalid_argument, "a null certificate was given for export");
    auto file = export_pkcs12_bundle(
        certificates.size(),
        [&](std::size_t i) -> Result<Certificate> { return certificates[i]->clone(); },
        std::move(export_keys), progress);
    if (!file)
        return std::unexpected(file.error());
    return std::move(*file).join();
}

Result<Pkcs12File> export_pkcs12_bundle(
    std::size_t count, const std::function<Result<Certificate>(std::size_t index)>& certificate_at,
    Pkcs12ExportKeys export_keys,
    const std::function<void(std::size_t done, std::size_t total)>& progress) {
    if (!export_keys.keys_)
        return fail(ErrorCode::invalid_argument, "PKCS#12 export keys were already used");
    FileKeys& keys = *export_keys.keys_;
    if (count == 0)
        return fail(ErrorCode::invalid_argument, "no certificates to export to PKCS#12");
    Bags bags;
    // Keys wait here while the shared key is derived: the certificates are read and packed
    // meanwhile, as they were read before the export when the store was read whole.
    std::vector<PendingKey> pending;
    // Leaves first, so that a certificate that is an entry and also in another entry's chain is
    // written once, as an entry with its attributes. Each certificate lives only while its bags
    // are made; of its chain only the issuers not seen before are kept, in order, for the end.
    std::vector<ossl::X509Ptr> issuers;
    std::unordered_set<std::string> issuers_seen;
    for (std::size_t i = 0; i < count; ++i) {
        auto certificate = certificate_at(i);
        if (!certificate)
            return std::unexpected(certificate.error());
        if (bags.written_certificates.contains(certificate->sha256_hex()))
            return fail(ErrorCode::invalid_argument,
                        "certificate " + certificate->sha256_hex() +
                            " is given twice for one PKCS#12 bundle; give each certificate once");
        if (auto r = add_entry(bags, *certificate, pending); !r)
            return std::unexpected(r.error());
        if (auto r = add_pending_keys(bags, pending, keys, false); !r)
            return std::unexpected(r.error());
        for (const auto& issuer : certificate->chain())
            if (issuers_seen.insert(sha256_hex_of(issuer.get())).second)
                issuers.push_back(ossl::share(issuer.get()));
        if (progress)
            progress(bags.written_certificates.size(), count);
    }
    for (const auto& issuer : issuers) {
        if (bags.written_certificates.contains(sha256_hex_of(issuer.get())))
            continue;
        if (auto r = add_certificate(bags, issuer.get()); !r)
            return std::unexpected(r.error());
    }
    issuers.clear();
    if (auto r = add_pending_keys(bags, pending, keys, true); !r)
        return std::unexpected(r.error());
    return encode_pfx(bags, keys);
}

}  // namespace certbackup
