// store-compare ORIGINAL RESTORED: checks, certificate by certificate, that a restored store
// holds what the original held: the same certificate (SHA-256 thumbprint), the same private
// key, the same bindings. Certificates of the original that a backup leaves out by design are
// named with --expect-missing KIND (e.g. ssl) and reported, not failed.
//
// Exit 0 when everything matches, 1 on a mismatch, 2 on bad usage or an unreadable store.
// Used by scripts/demo.sh (the disaster-recovery check) and by integration tests.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "core/directory_store.hpp"

namespace {

using certbackup::DirectoryStore;
using certbackup::StoredCertificate;

std::string join(const std::vector<certbackup::Binding>& bindings) {
    std::string out;
    for (const auto& b : bindings)
        out += (out.empty() ? "" : ",") + b.to_string();
    return out.empty() ? "(unused)" : out;
}

bool keys_equal(const StoredCertificate& a, const StoredCertificate& b) {
    if (!a.certificate.has_key() || !b.certificate.has_key())
        return a.certificate.has_key() == b.certificate.has_key();
    return EVP_PKEY_eq(a.certificate.key(), b.certificate.key()) == 1;
}

struct Tally {
    std::size_t matched = 0;
    int mismatches = 0;
};

// Prints, certificate by certificate of `original`, how it came back in `restored` (missing,
// left out by design as its kind is in `missing_ok`, matching or not), then what `restored`
// holds besides; the counts.
Tally compare(const std::vector<StoredCertificate>& original,
              const std::vector<StoredCertificate>& restored,
              const std::set<std::string>& missing_ok) {
    std::map<std::string, const StoredCertificate*> by_thumbprint;
    for (const auto& s : restored)
        by_thumbprint[s.certificate.sha256_hex()] = &s;
    Tally tally;
    for (const auto& s : original) {
        const std::string t = s.certificate.sha256_hex();
        const std::string kind =
            s.bindings.empty() ? "unused" : std::string(to_string(s.bindings.front().kind));
        auto it = by_thumbprint.find(t);
        if (it == by_thumbprint.end()) {
            if (missing_ok.count(kind) > 0) {
                std::printf("  not restored (expected)  %-18s %s  %s\n", kind.c_str(),
                            t.substr(0, 16).c_str(), join(s.bindings).c_str());
            } else {
                std::printf("  MISSING                  %-18s %s  %s\n", kind.c_str(),
                            t.substr(0, 16).c_str(), join(s.bindings).c_str());
                ++tally.mismatches;
            }
            continue;
        }
        const bool key_ok = keys_equal(s, *it->second);
        const bool bindings_ok = s.bindings == it->second->bindings;
        std::printf("  %-24s %-18s %s  thumbprint match, key %s, binding %s (%s)\n",
                    key_ok && bindings_ok ? "ok" : "MISMATCH", kind.c_str(),
                    t.substr(0, 16).c_str(), key_ok ? "match" : "DIFFERS",
                    bindings_ok ? "match" : "DIFFERS", join(s.bindings).c_str());
        if (key_ok && bindings_ok) {
            ++tally.matched;
        } else {
            ++tally.mismatches;
        }
        by_thumbprint.erase(it);
    }
    for (const auto& [t, s] : by_thumbprint) {
        std::printf("  EXTRA                    %s  %s (in the restored store only)\n",
                    t.substr(0, 16).c_str(), join(s->bindings).c_str());
        ++tally.mismatches;
    }
    return tally;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app(
        "Compare a restored certificate store with the original: thumbprints, keys, bindings.",
        "store-compare");
    std::string original_dir;
    std::string restored_dir;
    std::vector<std::string> expect_missing;
    bool include_unused = false;
    app.add_option("ORIGINAL", original_dir, "the original store")->required();
    app.add_option("RESTORED", restored_dir, "the restored store")->required();
    app.add_option("--expect-missing", expect_missing,
                   "a kind the backup leaves out by design (e.g. ssl)");
    app.add_flag("--include-unused", include_unused, "also compare unused certificates");
    CLI11_PARSE(app, argc, argv);

    auto original = DirectoryStore::open(original_dir);
    auto restored = DirectoryStore::open(restored_dir);
    if (!original || !restored) {
        std::fprintf(stderr, "store-compare: %s\n",
                     (!original ? original.error() : restored.error()).message.c_str());
        return 2;
    }
    certbackup::CertificateFilter filter;
    filter.include_unused = include_unused;
    auto a = (*original)->list(filter);
    auto b = (*restored)->list(filter);
    if (!a || !b) {
        std::fprintf(stderr, "store-compare: %s\n", (!a ? a.error() : b.error()).message.c_str());
        return 2;
    }
    const std::set<std::string> missing_ok(expect_missing.begin(), expect_missing.end());
    const Tally tally = compare(*a, *b, missing_ok);
    std::printf("%zu certificates match; %d mismatch%s.\n", tally.matched, tally.mismatches,
                tally.mismatches == 1 ? "" : "es");
    return tally.mismatches == 0 ? 0 : 1;
}
