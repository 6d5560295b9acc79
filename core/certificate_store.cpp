#include "core/certificate_store.hpp"

#include <openssl/crypto.h>

#include "certbackup/base/secure_buffer.hpp"
#include "core/certificate_file.hpp"

namespace certbackup {
namespace {

// Begins a transaction, stages one change with `stage`, commits it.
template <typename T, typename Stage>
Result<T> one_change(CertificateStore& store, Stage&& stage) {
    auto transaction = store.begin();
    if (!transaction)
        return std::unexpected(transaction.error());
    auto staged = stage(**transaction);
    if (!staged)
        return staged;
    if (auto committed = (*transaction)->commit(); !committed)
        return std::unexpected(committed.error());
    return staged;
}

}  // namespace

Result<StagedChange> StoreTransaction::add(Certificate certificate, std::optional<Binding> binding,
                                           BindingConflictPolicy policy) {
    auto encoded = encode_certificate(certificate);
    if (!encoded)
        return std::unexpected(encoded.error());
    return add(std::move(*encoded), std::move(binding), policy);
}

Result<StagedChange> CertificateStore::add(Certificate certificate, std::optional<Binding> binding,
                                           BindingConflictPolicy policy) {
    return one_change<StagedChange>(*this, [&](StoreTransaction& transaction) {
        return transaction.add(std::move(certificate), std::move(binding), policy);
    });
}

Result<StagedChange> CertificateStore::bind(std::string_view thumbprint, const Binding& purpose,
                                            BindingConflictPolicy policy) {
    return one_change<StagedChange>(*this, [&](StoreTransaction& transaction) {
        return transaction.bind(thumbprint, purpose, policy);
    });
}

Result<void> CertificateStore::unbind(const Binding& purpose) {
    return one_change<void>(
        *this, [&](StoreTransaction& transaction) { return transaction.unbind(purpose); });
}

Result<void> CertificateStore::remove_unused(std::string_view thumbprint) {
    auto found = get(thumbprint);
    if (!found)
        return std::unexpected(found.error());
    const std::string full = found->certificate.sha256_hex();
    return one_change<void>(
        *this, [&](StoreTransaction& transaction) { return transaction.remove_unused(full); });
}

Result<StagedChange> CertificateStore::import_pem(
    const std::filesystem::path& certificate_file,
    const std::optional<std::filesystem::path>& key_file, std::optional<Binding> binding,
    BindingConflictPolicy policy) {
    auto certificate = read_pem_certificate_with_key(Env::posix(), certificate_file, key_file);
    if (!certificate)
        return std::unexpected(certificate.error());
    return add(std::move(*certificate), std::move(binding), policy);
}

Result<Certificate> read_pem_certificate_with_key(
    Env& env, const std::filesystem::path& certificate_file,
    const std::optional<std::filesystem::path>& key_file) {
    auto certificate_bytes = env.read_file(certificate_file);
    if (!certificate_bytes)
        return std::unexpected(certificate_bytes.error());
    // A combined file may hold the key too: keep its bytes wiped like any key.
    const SecureBuffer certificate_text{std::span<const std::uint8_t>(*certificate_bytes)};
    OPENSSL_cleanse(certificate_bytes->data(), certificate_bytes->size());
    auto certificate = parse_certificate_file(certificate_text.span(), certificate_file.string());
    if (!certificate)
        return certificate;
    if (!key_file) {
        if (auto attached = attach_private_key(*certificate, certificate_text.span(),
                                               certificate_file.string());
            !attached)
            return std::unexpected(
                attached.error().code == ErrorCode::not_found
                    ? Error{ErrorCode::not_found,
                            attached.error().message + " (or give the key file as well)"}
                    : attached.error());
        return certificate;
    }
    auto key_bytes = env.read_file(*key_file);
    if (!key_bytes)
        return std::unexpected(key_bytes.error());
    const SecureBuffer key_text{std::span<const std::uint8_t>(*key_bytes)};
    OPENSSL_cleanse(key_bytes->data(), key_bytes->size());
    if (auto attached = attach_private_key(*certificate, key_text.span(), key_file->string());
        !attached)
        return std::unexpected(attached.error());
    return certificate;
}

}  // namespace certbackup
