#include "sample_store_cache.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "temp_dir.hpp"

namespace certbackup::testing {
namespace {

namespace fs = std::filesystem;

std::string key_of(const samples::SampleStoreOptions& options) {
    return "sample-store-d" + std::to_string(options.databases) + "-u" +
           std::to_string(options.unused) + "-e" + std::to_string(options.extra) + "-s" +
           std::to_string(options.seed);
}

// $CERTBACKUP_BUILD_DIR/test-cache, or empty when not run by ctest.
fs::path cache_directory() {
    const char* build = std::getenv("CERTBACKUP_BUILD_DIR");
    if (build == nullptr || *build == '\0')
        return {};
    return fs::path(build) / "test-cache";
}

// Makes the store in a private directory next to `final_dir` and renames it into place: a
// store at `final_dir` is always complete. When another process won the race, its store is
// used and ours removed.
bool make_into(const fs::path& final_dir, const samples::SampleStoreOptions& options) {
    std::error_code error;
    fs::create_directories(final_dir.parent_path(), error);
    std::string pattern = (final_dir.parent_path() / ".making-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        ADD_FAILURE() << "mkdtemp " << pattern << ": " << std::strerror(errno);
        return false;
    }
    const fs::path staging = pattern;
    auto written = samples::write_sample_store(staging / "store", options);
    if (!written) {
        ADD_FAILURE() << "sample store " << final_dir << ": " << written.error().message;
        fs::remove_all(staging, error);
        return false;
    }
    if (std::rename(staging.c_str(), final_dir.c_str()) != 0) {
        const int saved = errno;
        fs::remove_all(staging, error);
        if (saved != EEXIST && saved != ENOTEMPTY) {
            ADD_FAILURE() << "rename to " << final_dir << ": " << std::strerror(saved);
            return false;
        }
    }
    return true;
}

}  // namespace

fs::path cached_sample_store(const samples::SampleStoreOptions& options) {
    static std::mutex mutex;
    static std::unique_ptr<TempDir> process_cache;
    const std::lock_guard lock(mutex);
    fs::path cache = cache_directory();
    if (cache.empty()) {
        if (!process_cache)
            process_cache = std::make_unique<TempDir>();
        cache = process_cache->path();
    }
    const fs::path final_dir = cache / key_of(options);
    std::error_code error;
    if (!fs::exists(final_dir / "store", error) && !make_into(final_dir, options))
        return {};
    return final_dir / "store";
}

void copy_sample_store(const samples::SampleStoreOptions& options, const fs::path& target) {
    const fs::path source = cached_sample_store(options);
    ASSERT_FALSE(source.empty());
    fs::copy(source, target, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
}

}  // namespace certbackup::testing
