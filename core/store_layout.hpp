// Where a DirectoryStore keeps what (DESIGN §3). Pure path arithmetic; touches no file.
//
//   <root>/                          0700, private to the service account
//   <root>/certs/<sha256>.pem        0644  certificate, then its chain (PEM), optionally after an
//                                          OpenSSL-style "Bag Attributes / friendlyName:" header
//   <root>/keys/<sha256>.key.pem     0600  PKCS#8 private key (PEM)
//   <root>/bindings.toml             0644  which certificate serves what; also the commit record
//                                          of every transaction (bindings_file.hpp)
//   <root>/settings.toml                   reserved for store settings (per_certificate_files,
//                                          export location); not read or written here yet
//   <root>/.lock                     0600  writer lock, held for a whole transaction
//   <root>/.commit.lock              0600  shared by readers, exclusive while files move
//   <root>/.txn-<id>/                0700  one transaction's staged files and journal
//
// `<sha256>` is the certificate's thumbprint: 64 lower-case hex digits of the SHA-256 of its
// DER encoding. certs/ and keys/ are 0700 like the root.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace certbackup {

inline constexpr mode_t kStoreDirMode = 0700;
inline constexpr mode_t kCertificateFileMode = 0644;
inline constexpr mode_t kKeyFileMode = 0600;
inline constexpr mode_t kBindingsFileMode = 0644;
inline constexpr mode_t kLockFileMode = 0600;
inline constexpr mode_t kJournalFileMode = 0600;

struct StoreLayout {
    std::filesystem::path root;

    std::filesystem::path certs_dir() const { return root / "certs"; }
    std::filesystem::path keys_dir() const { return root / "keys"; }
    std::filesystem::path bindings_file() const { return root / "bindings.toml"; }
    std::filesystem::path settings_file() const { return root / "settings.toml"; }
    std::filesystem::path writer_lock_file() const { return root / ".lock"; }
    std::filesystem::path commit_lock_file() const { return root / ".commit.lock"; }

    std::filesystem::path certificate_file(std::string_view thumbprint) const {
        return certs_dir() / certificate_file_name(thumbprint);
    }
    std::filesystem::path key_file(std::string_view thumbprint) const {
        return keys_dir() / key_file_name(thumbprint);
    }

    // Paths relative to the root, as journals record them: "certs/<t>.pem", "keys/<t>.key.pem".
    static std::string certificate_relative_path(std::string_view thumbprint) {
        return "certs/" + certificate_file_name(thumbprint);
    }
    static std::string key_relative_path(std::string_view thumbprint) {
        return "keys/" + key_file_name(thumbprint);
    }

    static std::string certificate_file_name(std::string_view thumbprint) {
        return std::string(thumbprint) + ".pem";
    }
    static std::string key_file_name(std::string_view thumbprint) {
        return std::string(thumbprint) + ".key.pem";
    }

    // The thumbprint in "<t>.pem" / "<t>.key.pem"; nullopt for any other name.
    static std::optional<std::string> thumbprint_of_certificate_file(std::string_view name);
    static std::optional<std::string> thumbprint_of_key_file(std::string_view name);

    // True for a relative path this layout can name: "certs/<t>.pem" or "keys/<t>.key.pem".
    // Guards journal entries against paths that would leave the store.
    static bool is_store_file_path(std::string_view relative_path);

    static constexpr std::string_view kTransactionDirPrefix = ".txn-";
    static bool is_transaction_dir_name(std::string_view name) {
        return name.starts_with(kTransactionDirPrefix);
    }
};

}  // namespace certbackup
