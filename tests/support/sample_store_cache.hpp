// Sample stores shared by the tests of one ctest run. Making a store means making RSA and EC
// keys, the slowest step of most plugin and CLI tests, and ctest runs every test case in a
// process of its own: each store is made once per run and copied by the tests that use it.
//
// Under ctest (CERTBACKUP_BUILD_DIR set by tests/CMakeLists.txt) the stores live in
// $CERTBACKUP_BUILD_DIR/test-cache/, keyed by their options (seed included); the fixture test
// `test_cache_reset` empties that directory at the start of every run, so a run never sees a
// store of an older build. Without CERTBACKUP_BUILD_DIR (a test binary run by hand) the store
// is made in a temporary directory for the process.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>

#include "sample_store_generator.hpp"
#include "support/temp_dir.hpp"

namespace certbackup::testing {

// The root of a complete store made with `options` (threads ignored). Never modify it: copy it
// (copy_sample_store). Fails the calling test when it cannot be made.
std::filesystem::path cached_sample_store(const samples::SampleStoreOptions& options);

// A copy of the cached store with `options` at `target` (which must not exist yet).
void copy_sample_store(const samples::SampleStoreOptions& options,
                       const std::filesystem::path& target);

// A test suite sharing one copy of a sample store, made before its first test and removed
// after its last: Derived::store_options() (public, static) says which store.
template <typename Derived>
class SharedSampleStoreTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        shared_ = new TempDir();
        copy_sample_store(Derived::store_options(), shared_->path() / "store");
    }
    static void TearDownTestSuite() {
        delete shared_;
        shared_ = nullptr;
    }
    // The suite's store.
    static std::filesystem::path shared_store() { return shared_->path() / "store"; }

  private:
    inline static TempDir* shared_ = nullptr;
};

}  // namespace certbackup::testing
