// A real crash: a child process writes sets in a loop and is killed with SIGKILL at varied
// moments; every set the catalog then lists is complete, and no earlier set has changed.
//
// No sleeps: the child reports each step of its work as one byte on a pipe, and the parent kills
// it right after reading the k-th byte, k drawn from a fixed-seed generator, so the kills land
// at varied points of the write order (and the child runs on for a moment, so also between them).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>
#include <set>

#include "host-sdk/storage/directory_set_writer.hpp"
#include "host-sdk/storage/location_layout.hpp"
#include "host-sdk/storage/set_catalog.hpp"
#include "support/storage_test_support.hpp"
#include "support/temp_dir.hpp"

namespace backup_host {
namespace {

// The storage test helpers and the certbackup names they use.
using namespace testing;

constexpr std::uint32_t kSeed = 7;

void report(int fd) {
    const char step = 's';
    (void)!::write(fd, &step, 1);
}

// The child: writes sets until it is killed, reporting every step. Never returns.
[[noreturn]] void write_sets_forever(const fs::path& location, int progress) {
    for (;;) {
        auto writer = create_directory_set(StorageIo::posix(), location,
                                           NewSet{"killed", std::chrono::system_clock::now(), ""});
        if (!writer)
            ::_exit(3);
        report(progress);
        for (const auto& [name, bytes] : sample_items(kSeed)) {
            if (!(*writer)->begin_item(name))
                ::_exit(4);
            report(progress);
            for (std::size_t offset = 0; offset < bytes.size(); offset += 8192) {
                const std::size_t n = std::min<std::size_t>(8192, bytes.size() - offset);
                if (!(*writer)->write(std::span(bytes).subspan(offset, n)))
                    ::_exit(5);
                report(progress);
            }
            if (!(*writer)->end_item())
                ::_exit(6);
            report(progress);
        }
        if (!(*writer)->commit(testing::complete_record()))
            ::_exit(7);
        report(progress);
    }
}

TEST(StorageSigkill, KilledWritersNeverLeaveAnIncompleteSetListedNorChangeEarlierSets) {
    TempDir dir;
    const fs::path location = dir / "location";
    std::mt19937 random(20261127);
    // Steps per set: begin, per item (begin, 8 KiB chunks, end), commit: 21; kill within ~3 sets.
    std::uniform_int_distribution<int> steps_before_kill(1, 50);
    std::map<std::string, std::string> committed;  // id -> its tree when first seen
    int kills_mid_set = 0;

    for (int iteration = 0; iteration < 20; ++iteration) {
        SCOPED_TRACE("iteration " + std::to_string(iteration));
        int progress[2];
        ASSERT_EQ(::pipe(progress), 0);
        const pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            ::close(progress[0]);
            write_sets_forever(location, progress[1]);
        }
        ::close(progress[1]);
        const int k = steps_before_kill(random);
        for (int seen = 0; seen < k;) {
            char step = 0;
            const ssize_t n = ::read(progress[0], &step, 1);
            if (n < 0 && errno == EINTR)
                continue;
            ASSERT_EQ(n, 1) << "the child stopped before being killed";
            ++seen;
        }
        ASSERT_EQ(::kill(child, SIGKILL), 0);
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        ::close(progress[0]);
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
            << "the child exited by itself with status " << status;

        for (const auto& name : testing::hidden_entries(location))
            kills_mid_set += classify_location_entry(name).kind == LocationEntryKind::partial;

        auto listing = list_sets(Env::posix(), location);
        ASSERT_TRUE(listing) << listing.error().message;
        EXPECT_TRUE(listing->skipped.empty());
        std::set<std::string> listed;
        for (const auto& set : listing->sets)
            listed.insert(set.id);
        for (const auto& [id, tree] : committed)
            EXPECT_TRUE(listed.contains(id)) << "earlier set " << id << " disappeared";
        for (const auto& set : listing->sets) {
            const auto known = committed.find(set.id);
            if (known != committed.end()) {
                EXPECT_EQ(snapshot_tree(set.path), known->second) << set.id;
                continue;
            }
            auto reader = open_set_directory(Env::posix(), set.path);
            ASSERT_TRUE(reader) << reader.error().message;
            ASSERT_TRUE((*reader)->verify()) << set.id;
            for (const auto& [name, bytes] : sample_items(kSeed)) {
                auto read = read_item(**reader, name);
                ASSERT_TRUE(read) << set.id << " " << read.error().message;
                EXPECT_EQ(*read, bytes) << set.id << " " << name;
            }
            committed.emplace(set.id, snapshot_tree(set.path));
        }
    }

    // The run is only meaningful if kills hit both finished and unfinished sets.
    EXPECT_GE(committed.size(), 3u);
    EXPECT_GE(kills_mid_set, 3);
    // What the dead left behind is removable, and removing it touches no set.
    ASSERT_TRUE(clean_stale_entries(StorageIo::posix(), location));
    EXPECT_TRUE(testing::hidden_entries(location).empty());
    auto listing = list_sets(Env::posix(), location);
    ASSERT_TRUE(listing);
    EXPECT_EQ(listing->sets.size(), committed.size());
    for (const auto& set : listing->sets)
        EXPECT_EQ(snapshot_tree(set.path), committed.at(set.id));
}

}  // namespace
}  // namespace backup_host
