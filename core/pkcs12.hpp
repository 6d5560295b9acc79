// PKCS#12 (PFX) export and import (DESIGN §4).
//
// Export writes standard PKCS#12 that `openssl pkcs12`, GnuTLS `certtool` and NSS `pk12util`
// open with the same password. Import reads any PFX that `openssl pkcs12 -export` writes
// (modern and -legacy), with several keys and certificates.
//
// Passwords are UTF-8. Functions are thread-safe: they share no state and may run in parallel
// (the per-certificate backup mode exports on all cores).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "certbackup/base/error.hpp"
#include "certbackup/base/secure_buffer.hpp"
#include "core/certificate.hpp"

namespace certbackup {

enum class Pkcs12ProfileName { modern, compat };

// modern: the standard layout (OpenSSL 3, Windows Server 2019+, Java): each private key in a
//         pkcs8ShroudedKeyBag and the certificates in an encrypted safe, all PBES2 with
//         PBKDF2-HMAC-SHA256 and AES-256-CBC; SHA-256 MAC; 600000 iterations for encryption and
//         MAC; 16-byte salts. All PBES2 structures of one file share a salt, so the key
//         derivation cost of a bundle does not grow with its size (pkcs12_pbes2.hpp).
// compat: pbeWithSHAAnd3-KeyTripleDES-CBC for shrouded key bags, certificates in a
//         3DES-encrypted safe, SHA-1 MAC, 2048 iterations (Windows Server 2016, macOS).
struct Pkcs12Profile {
    Pkcs12ProfileName name = Pkcs12ProfileName::modern;
    int iterations = 600000;  // encryption and MAC alike

    static Pkcs12Profile modern(std::optional<int> iterations = std::nullopt);
    static Pkcs12Profile compat(std::optional<int> iterations = std::nullopt);
    // "modern" / "compat"; the error names the value and the accepted ones.
    static Result<Pkcs12Profile> parse(std::string_view name, std::optional<int> iterations);
};

std::string_view to_string(Pkcs12ProfileName name) noexcept;

// Where the key derivations of one PFX run (modern profile: the shared PBES2 key and the MAC
// key). `own_threads`: each on a thread of its own, in parallel, for one file exported alone.
// `calling_thread`: one after the other on the caller's thread, for a caller that exports many
// files in parallel already (per-certificate backup): handing each file's derivations to new
// threads would only add thread starts and wake-ups, which on a busy machine cost more than
// the derivations (2048 iterations) themselves.
enum class Pkcs12Derivation { own_threads, calling_thread };

// One PFX holding one certificate: its key (if any), its chain, friendly name and a
// localKeyID (the certificate's SHA-1 thumbprint) pairing key and certificate. The file
// layout of each profile is described in pkcs12_export.cpp. Fails with invalid_argument for
// iterations outside [1, 10000000], unsupported for a key that cannot be exported as PKCS#8.
Result<std::vector<std::uint8_t>> export_pkcs12(
    const Certificate& certificate, std::string_view password, const Pkcs12Profile& profile,
    Pkcs12Derivation derivation = Pkcs12Derivation::own_threads);

// A PFX as the pieces it was made in: the file is their concatenation, in order. The large
// pieces are the buffers the safes were built in, so that a bundle of thousands of
// certificates is never copied whole (pkcs12_pfx_layout.hpp); write the pieces one by one, or
// join() them. Move-only (the pieces point into the buffers it owns). Nothing in it is secret:
// keys are encrypted before they are added.
class Pkcs12File {
  public:
    Pkcs12File() = default;
    Pkcs12File(Pkcs12File&&) noexcept = default;
    Pkcs12File& operator=(Pkcs12File&&) noexcept = default;
    Pkcs12File(const Pkcs12File&) = delete;
    Pkcs12File& operator=(const Pkcs12File&) = delete;

    // Adds `bytes[offset, offset + length)` as the last piece (`bytes` whole without them) and
    // keeps `bytes`.
    void append(std::vector<std::uint8_t> bytes);
    void append(std::vector<std::uint8_t> bytes, std::size_t offset, std::size_t length);
    // Adds `bytes` as the first piece.
    void prepend(std::vector<std::uint8_t> bytes);

    std::span<const std::span<const std::uint8_t>> pieces() const noexcept { return pieces_; }
    std::size_t size() const noexcept;
    // The whole file in one buffer (its exact size); `this` is left empty.
    std::vector<std::uint8_t> join() &&;

  private:
    std::vector<std::vector<std::uint8_t>> buffers_;
    std::vector<std::span<const std::uint8_t>> pieces_;
};

namespace pkcs12_detail {
struct FileKeys;
}

// The password-based key derivations of one PFX, started before its contents are at hand: they
// depend on the password and fresh salts only, so a caller starts them first and gathers the
// certificates meanwhile (a bundle backup reads the store while the keys are derived).
// modern: the shared PBES2 key and the MAC key, each on a thread of its own; compat: nothing
// (OpenSSL derives a key per bag). One set of keys serves one file. Move-only; the password
// must outlive it.
class Pkcs12ExportKeys {
  public:
    // Errors as export_pkcs12_bundle's for the profile and the password. With
    // Pkcs12Derivation::calling_thread nothing starts here: the keys are derived when the
    // export needs them, on its thread.
    static Result<Pkcs12ExportKeys> start(
        std::string_view password, const Pkcs12Profile& profile,
        Pkcs12Derivation derivation = Pkcs12Derivation::own_threads);

    Pkcs12ExportKeys(Pkcs12ExportKeys&&) noexcept;
    Pkcs12ExportKeys& operator=(Pkcs12ExportKeys&&) noexcept;
    ~Pkcs12ExportKeys();  // waits for derivations still running

  private:
    explicit Pkcs12ExportKeys(std::unique_ptr<pkcs12_detail::FileKeys> keys);
    friend Result<Pkcs12File> export_pkcs12_bundle(
        std::size_t count,
        const std::function<Result<Certificate>(std::size_t index)>& certificate_at,
        Pkcs12ExportKeys keys,
        const std::function<void(std::size_t done, std::size_t total)>& progress);
    std::unique_ptr<pkcs12_detail::FileKeys> keys_;
};

// One PFX holding many certificates, each with its key, chain (deduplicated across entries),
// friendly name and its own localKeyID. A certificate given without a key gets a localKeyID
// too: it marks the certificate as an entry, so that import returns it as one even when it
// also issued another entry. Fails with invalid_argument for no certificates, a null one, or
// the same certificate twice.
Result<std::vector<std::uint8_t>> export_pkcs12_bundle(
    std::span<const Certificate* const> certificates, std::string_view password,
    const Pkcs12Profile& profile);
// The same with keys started earlier (Pkcs12ExportKeys::start), for the profile and password
// given there. `progress`, when set, is called on the calling thread after each certificate is
// packed, with the number done and the total.
Result<std::vector<std::uint8_t>> export_pkcs12_bundle(
    std::span<const Certificate* const> certificates, Pkcs12ExportKeys keys,
    const std::function<void(std::size_t done, std::size_t total)>& progress = {});
// The same, streaming: `certificate_at(i)` gives certificate i (0 <= i < count, each asked for
// once, in order) and it is dropped once its bags are made, so that a bundle of thousands never
// holds every decoded key at once (only the bags, and the chain certificates until the end).
// Its error stops the export as it is. The file comes as pieces (Pkcs12File): the buffers the
// safes were built in, never copied into one.
Result<Pkcs12File> export_pkcs12_bundle(
    std::size_t count, const std::function<Result<Certificate>(std::size_t index)>& certificate_at,
    Pkcs12ExportKeys keys,
    const std::function<void(std::size_t done, std::size_t total)>& progress = {});

// What an imported PFX held besides its certificates: details of the file itself, for `verify`
// and diagnostics.
struct Pkcs12Details {
    std::string mac_algorithm;  // "sha256", "sha1", or "" when the file has no MAC
    int mac_iterations = 0;
    // Password-based key derivations run to decrypt the contents (the MAC's not counted): one
    // per distinct PBES2 salt and iteration count, plus one per structure of other algorithms.
    // A file certbackup's modern profile wrote takes 1, whatever the number of keys.
    int decryption_key_derivations = 0;
    // What the file held that a Certificate cannot carry and that was left out (CRLs, secrets,
    // certificates that are not X.509), one description each, so that callers can warn.
    std::vector<std::string> ignored_items;
    // Repairs made to what the file held, one sentence each naming the certificate (a friendly
    // name with invalid UTF-8 or control characters, replaced by U+FFFD), in file order.
    std::vector<std::string> warnings;
};

// What an imported PFX held.
struct Pkcs12Contents : Pkcs12Details {
    // Leaf certificates in file order, each paired with its key where one was found (by
    // localKeyID, else by public key), with the chain rebuilt from the other certificates in
    // the file, and the friendly name kept: Unicode of every plane (BMPString with surrogate
    // pairs, or UTF8String), without a trailing NUL, invalid UTF-8 and control characters
    // replaced. The rules: pkcs12_pairing.hpp.
    std::vector<Certificate> certificates;
};

// Whose file an import opens, which decides whether its total key-derivation work is bounded.
enum class Pkcs12Source {
    // A file from outside (`certificates import`): its total work is bounded.
    untrusted_file,
    // A payload whose digest an authenticated manifest vouches for (restore, verify): written by
    // certbackup, so a compat bundle of many keys (one derivation per key) is not refused. The
    // per-structure bound and the allowed key derivations still apply.
    authenticated_payload,
};

struct Pkcs12ImportOptions {
    // Fail with not_found when the file holds no private key.
    bool require_private_key = false;
    Pkcs12Source source = Pkcs12Source::untrusted_file;
    // The buffer that holds the file's bytes, when the caller has no further use for them: the
    // import empties it (releasing its memory) as soon as the file is decoded, so that a bundle
    // of thousands of certificates is not held twice while it is read. Must be the buffer the
    // `pfx` span views.
    std::vector<std::uint8_t>* release_after_decode = nullptr;
};

// Errors, each with its own code and a message naming `origin` (a file or item name):
//   wrong_password - the MAC does not verify with the password (or decryption fails with it).
//                    A file altered after it was written fails its MAC the same way: PKCS#12
//                    cannot tell the two apart.
//   corrupt        - not DER PKCS#12, truncated, trailing data, or malformed contents
//   corrupt        - also: refused key-derivation work, before anything is derived: a key
//                    derivation other than PBKDF2 (PBES2) or the PKCS#12 KDF (scrypt, PBES1,
//                    an unknown algorithm), more than 10000000 iterations in one structure, or,
//                    for an untrusted file, more than 30000000 iterations in all
//                    (pkcs12_work.hpp; docs/FORMAT.md "Import of PFX files")
//   unsupported    - an algorithm this OpenSSL cannot use (e.g. RC2 without the legacy
//                    provider), public-key privacy or integrity mode, or a private key without
//                    its certificate
//   not_found      - only when `require_private_key` and the file holds no private key
// An empty password also opens files written with "no password" (OpenSSL's NULL password),
// and a non-ASCII one also opens files written by OpenSSL before 1.1.0, like `openssl pkcs12`.
// Invalid arguments (a password longer than INT_MAX) fail with invalid_argument.
Result<Pkcs12Contents> import_pkcs12(std::span<const std::uint8_t> pfx, std::string_view password,
                                     std::string_view origin, bool require_private_key = false,
                                     Pkcs12Source source = Pkcs12Source::untrusted_file);

// Receives one certificate of an imported file, as import_pkcs12 returns it, with its place
// among the file's distinct certificates in file order (sorting by it gives import_pkcs12's
// order). Its error stops the import and is returned.
using Pkcs12Sink = std::function<Result<void>(std::size_t file_index, Certificate certificate)>;

// The same import, handing each certificate to `sink` on the calling thread as soon as it is
// assembled instead of returning them all: a bundle of thousands is never held decoded at once
// (the file's certificates and keys are kept as DER until each is handed out). The certificates
// come in the order of pkcs12_pairing.hpp (keyed ones as their keys are paired, then the others),
// and only once the whole file has been decrypted, so the errors of the password, the MAC and
// the key-derivation bounds come before any certificate. Errors found later (a malformed
// certificate or key, a key without its certificate) can follow certificates handed out
// already: on an error, discard what the sink received.
Result<Pkcs12Details> import_pkcs12_each(std::span<const std::uint8_t> pfx,
                                         std::string_view password, std::string_view origin,
                                         const Pkcs12ImportOptions& options,
                                         const Pkcs12Sink& sink);

}  // namespace certbackup
