// The StoreTransaction of a DirectoryStore: stages changes in memory against the state read
// at begin(), then applies them with the protocol of store_commit.hpp.
//
// Holds the store's writer lock from construction until commit() or destruction, so the state
// it staged against cannot change under it. One thread at a time.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "certbackup/base/env.hpp"
#include "certbackup/base/file_lock.hpp"
#include "certbackup/base/secure_buffer.hpp"
#include "core/certificate_store.hpp"
#include "core/store_commit.hpp"
#include "core/store_layout.hpp"
#include "core/store_state.hpp"

namespace certbackup {

class DirectoryStoreTransaction final : public StoreTransaction {
  public:
    // `state` must have been read while `writer_lock` was held. `write_threads`: see
    // apply_commit.
    DirectoryStoreTransaction(Env& env, StoreLayout layout, FileLock writer_lock, StoreState state,
                              unsigned write_threads);

    using StoreTransaction::add;
    Result<StagedChange> add(EncodedCertificate certificate, std::optional<Binding> binding,
                             BindingConflictPolicy policy) override;
    Result<StagedChange> bind(std::string_view thumbprint, const Binding& purpose,
                              BindingConflictPolicy policy) override;
    Result<void> unbind(const Binding& purpose) override;
    Result<void> remove_unused(std::string_view thumbprint) override;

    bool contains(std::string_view thumbprint) const override;
    std::optional<std::string> holder(const Binding& purpose) const override;
    bool has_changes() const override;

    using StoreTransaction::commit;
    Result<void> commit(
        const std::function<void(std::size_t done, std::size_t total)>& progress) override;

  private:
    Result<void> check_open() const;
    bool has_key(const std::string& thumbprint) const;
    // How binding `purpose` to `thumbprint` would change the staged bindings; conflict when
    // another certificate holds it and `policy` is refuse.
    Result<StagedChange> plan_binding(const Binding& purpose, const std::string& thumbprint,
                                      BindingConflictPolicy policy) const;
    // Moves the staged bytes into the plan: called once, by commit().
    Result<CommitPlan> make_commit_plan();

    Env& env_;
    StoreLayout layout_;
    std::optional<FileLock> writer_lock_;  // released when the transaction finishes
    unsigned write_threads_;

    std::vector<std::uint8_t> bindings_before_;        // bytes read at begin()
    BindingsFile bindings_;                            // staged bindings
    std::map<Binding, std::string> holders_at_begin_;  // to tell whether anything changed
    std::set<std::string> certificates_at_begin_;      // thumbprints
    std::set<std::string> keys_at_begin_;              // thumbprints with a key file
    // A new certificate as it will be written: encoded when staged, so that the transaction
    // does not hold decoded certificates and keys (a restore of thousands stages them one by
    // one) and holds each file's bytes once.
    struct StagedFiles {
        SecureBuffer certificate_file;  // format_certificate_file
        SecureBuffer key_file;          // PKCS#8 PEM; empty without a key
        bool has_key = false;
    };
    std::map<std::string, StagedFiles> added_;        // new certificates by thumbprint
    std::map<std::string, SecureBuffer> keys_added_;  // key PEM for held certificates
    std::set<std::string> removed_;                   // held certificates to remove
    bool finished_ = false;
};

}  // namespace certbackup
