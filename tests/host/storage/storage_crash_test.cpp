// Crash safety of the storage: a failure injected at every file-system step of writing a set
// (Env steps and streaming-file steps, as a transient failure and as a crash), and of deleting
// one, never leaves an incomplete set listed and never changes an earlier set.
#include <gtest/gtest.h>

#include "host-sdk/storage/directory_set_writer.hpp"
#include "host-sdk/storage/location_layout.hpp"
#include "host-sdk/storage/set_catalog.hpp"
#include "host-sdk/storage/tar_set_reader.hpp"
#include "host-sdk/storage/tar_set_writer.hpp"
#include "support/fault_injecting_env.hpp"
#include "support/storage_test_support.hpp"
#include "support/temp_dir.hpp"

namespace backup_host {
namespace {

// The storage test helpers and the certbackup names they use.
using namespace testing;

enum class Fault { fail, crash };
const char* name_of(Fault fault) {
    return fault == Fault::fail ? "fail_at" : "crash_at";
}
// "crash_at(3) of rename a -> b": which fault at which logged step, for failure messages.
std::string step_context(Fault fault, int n, const std::vector<std::string>& log) {
    return std::string(name_of(fault)) + "(" + std::to_string(n) + ") of " +
           log[static_cast<std::size_t>(n - 1)];
}

NewSet new_set() {
    return NewSet{"nightly", std::chrono::system_clock::now(), "crash-host"};
}

// The index (1-based) of the first logged step that contains all of `parts`, or 0.
int find_step(const std::vector<std::string>& log, std::initializer_list<std::string> parts) {
    for (std::size_t i = 0; i < log.size(); ++i) {
        bool all = true;
        for (const auto& part : parts)
            all = all && log[i].find(part) != std::string::npos;
        if (all)
            return static_cast<int>(i) + 1;
    }
    return 0;
}

void expect_items_intact(const SetReader& reader, std::uint32_t seed) {
    ASSERT_TRUE(reader.verify());
    for (const auto& [name, bytes] : sample_items(seed)) {
        auto read = read_item(reader, name);
        ASSERT_TRUE(read) << read.error().message;
        EXPECT_EQ(*read, bytes) << name;
    }
}

// A location holding one earlier set, copied afresh for every injected run (no fsync cost).
class DirectoryCrashTest : public ::testing::Test {
  protected:
    void SetUp() override {
        template_ = work_ / "template";
        auto writer = create_directory_set(StorageIo::posix(), template_, new_set());
        ASSERT_TRUE(writer);
        ASSERT_TRUE(write_set(**writer, sample_items(1)));
        earlier_ = (*writer)->set_id();
        earlier_tree_ = snapshot_tree(template_ / earlier_);
    }

    fs::path fresh_location(const std::string& name) {
        const fs::path location = work_ / name;
        fs::copy(template_, location, fs::copy_options::recursive);
        return location;
    }

    // Writes the sample set through the given seams; the result of the whole attempt.
    static Result<proto::BackupSet> attempt(StorageIo io, const fs::path& location) {
        auto writer = create_directory_set(io, location, new_set());
        if (!writer)
            return std::unexpected(writer.error());
        return write_set(**writer, sample_items(2));
    }

    // What must hold after any injected run: the earlier set unchanged and listed, a new set
    // listed exactly when `visible`, and then complete; no leftovers once cleaned up.
    void check_location(const fs::path& location, bool visible, const std::string& context) {
        SCOPED_TRACE(context);
        EXPECT_EQ(snapshot_tree(location / earlier_), earlier_tree_);
        auto listing = list_sets(Env::posix(), location);
        ASSERT_TRUE(listing);
        ASSERT_EQ(listing->sets.size(), visible ? 2u : 1u);
        EXPECT_TRUE(listing->skipped.empty());
        for (const auto& set : listing->sets) {
            auto reader = open_set_directory(Env::posix(), set.path);
            ASSERT_TRUE(reader) << reader.error().message;
            expect_items_intact(**reader, set.id == earlier_ ? 1 : 2);
        }
        auto cleaned = clean_stale_entries(StorageIo::posix(), location);
        ASSERT_TRUE(cleaned) << cleaned.error().message;
        EXPECT_TRUE(hidden_entries(location).empty());
        EXPECT_EQ(list_sets(Env::posix(), location)->sets.size(), visible ? 2u : 1u);
    }

    TempDir work_;
    fs::path template_;
    std::string earlier_;
    std::string earlier_tree_;
};

TEST_F(DirectoryCrashTest, EveryEnvStepFailingOrCrashing) {
    FaultInjectingEnv counting;
    FaultInjectingFiles counting_files(counting);
    const fs::path probe = fresh_location("probe");
    ASSERT_TRUE(attempt({counting, counting_files}, probe));
    const int steps = counting.count();
    // The rename that publishes the set (not the one of set.pb inside the partial directory).
    const int rename_step = find_step(counting.log(), {"rename", ".partial -> "});
    ASSERT_GT(rename_step, 0);
    ASSERT_GE(steps, 8);  // mkdir location, mkdir partial, dirs, syncfs, set.pb, rename, sync, lock
    // Items durable before the record is written, the record before the set is published.
    const int syncfs_step = find_step(counting.log(), {"syncfs", ".partial"});
    const int record_step = find_step(counting.log(), {"write", "set.pb"});
    ASSERT_GT(syncfs_step, 0);
    EXPECT_LT(syncfs_step, record_step);
    EXPECT_LT(record_step, rename_step);

    int run = 0;
    for (const Fault fault : {Fault::fail, Fault::crash}) {
        for (int n = 1; n <= steps; ++n) {
            const std::string context = step_context(fault, n, counting.log());
            const fs::path location = fresh_location("run" + std::to_string(++run));
            FaultInjectingEnv env;
            FaultInjectingFiles files(env);
            if (fault == Fault::fail) {
                env.fail_at(n);
            } else {
                env.crash_at(n);
                files.follow_env_crash(n);
            }
            auto result = attempt({env, files}, location);
            if (n <= rename_step) {
                EXPECT_FALSE(result) << context;
            }
            if (fault == Fault::fail) {
                // A transient failure is cleaned up at once: no partial set stays behind.
                for (const auto& name : hidden_entries(location))
                    EXPECT_NE(classify_location_entry(name).kind, LocationEntryKind::partial)
                        << context << ": " << name;
            }
            check_location(location, n > rename_step, context);
        }
    }
}

TEST_F(DirectoryCrashTest, EveryStreamingFileStepFailingOrCrashing) {
    FaultInjectingEnv counting;
    FaultInjectingFiles counting_files(counting);
    ASSERT_TRUE(attempt({counting, counting_files}, fresh_location("probe")));
    const int steps = counting_files.count();
    ASSERT_GE(steps, 4 * 3);  // create, append..., close for each item (no per-item sync)

    int run = 0;
    for (const Fault fault : {Fault::fail, Fault::crash}) {
        for (int n = 1; n <= steps; ++n) {
            const std::string context = step_context(fault, n, counting_files.log());
            const fs::path location = fresh_location("run" + std::to_string(++run));
            FaultInjectingEnv env;
            FaultInjectingFiles files(env);
            if (fault == Fault::fail)
                files.fail_at(n);
            else
                files.crash_at(n);
            auto result = attempt({env, files}, location);
            EXPECT_FALSE(result) << context;
            if (!result) {
                EXPECT_EQ(result.error().code, ErrorCode::io) << context;
                EXPECT_NE(result.error().message.find("injected"), std::string::npos) << context;
            }
            if (fault == Fault::fail) {
                EXPECT_TRUE(hidden_entries(location).empty()) << context;
            }
            check_location(location, false, context);
        }
    }
}

TEST_F(DirectoryCrashTest, DeletingASetFailingOrCrashingAtEveryStep) {
    const fs::path probe = fresh_location("probe");
    auto second = attempt(StorageIo::posix(), probe);
    ASSERT_TRUE(second);
    const fs::path saved = work_ / "saved-second";
    fs::copy(probe / second->set_id(), saved, fs::copy_options::recursive);
    FaultInjectingEnv counting;
    FaultInjectingFiles counting_files(counting);
    ASSERT_TRUE(delete_set({counting, counting_files}, probe, second->set_id()));
    const int steps = counting.count();
    const int rename_step = find_step(counting.log(), {"rename", second->set_id(), ".deleting"});
    ASSERT_GT(rename_step, 0);

    int run = 0;
    for (const Fault fault : {Fault::fail, Fault::crash}) {
        for (int n = 1; n <= steps; ++n) {
            const std::string context = step_context(fault, n, counting.log());
            const fs::path location = fresh_location("run" + std::to_string(++run));
            fs::copy(saved, location / second->set_id(), fs::copy_options::recursive);
            const std::string before = snapshot_tree(location / second->set_id());
            FaultInjectingEnv env;
            FaultInjectingFiles files(env);
            if (fault == Fault::fail)
                env.fail_at(n);
            else
                env.crash_at(n);
            auto deleted = delete_set({env, files}, location, second->set_id());
            // Listed whole until the rename, gone from the listing after it; never half.
            const bool still_listed = n <= rename_step;
            if (still_listed) {
                EXPECT_EQ(snapshot_tree(location / second->set_id()), before) << context;
            }
            check_location(location, still_listed, context);
            EXPECT_FALSE(fs::exists(location / deleting_dir_name(second->set_id()))) << context;
        }
    }
}

// A tar file that replaces an earlier one: after any failure the file is the earlier one, byte
// for byte, or (once the rename has happened) the new complete set.
TEST(TarFileCrash, EveryStepFailingOrCrashingLeavesTheEarlierFileOrTheNewCompleteOne) {
    TempDir work;
    TempDir spool;
    const fs::path tar = work / "export.tar";
    {
        auto writer = create_tar_file_set(StorageIo::posix(), tar, new_set(), spool.path());
        ASSERT_TRUE(write_set(**writer, sample_items(1)));
    }
    const auto earlier = *Env::posix().read_file(tar);

    FaultInjectingEnv counting;
    FaultInjectingFiles counting_files(counting);
    const fs::path probe_tar = work / "probe.tar";
    {
        auto writer =
            create_tar_file_set({counting, counting_files}, probe_tar, new_set(), spool.path());
        ASSERT_TRUE(write_set(**writer, sample_items(2)));
    }
    fs::remove(probe_tar);
    const int env_steps = counting.count();
    const int file_steps = counting_files.count();
    const int rename_step = find_step(counting.log(), {"rename", "probe.tar"});
    ASSERT_GT(rename_step, 0);
    ASSERT_GE(file_steps, 3);

    struct Injection {
        bool in_files;
        Fault fault;
        int n;
    };
    std::vector<Injection> injections;
    for (const Fault fault : {Fault::fail, Fault::crash}) {
        for (int n = 1; n <= env_steps; ++n)
            injections.push_back({false, fault, n});
        for (int n = 1; n <= file_steps; ++n)
            injections.push_back({true, fault, n});
    }
    for (const auto& injection : injections) {
        const std::string context = std::string(injection.in_files ? "file " : "env ") +
                                    name_of(injection.fault) + "(" + std::to_string(injection.n) +
                                    ")";
        FaultInjectingEnv env;
        FaultInjectingFiles files(env);
        if (injection.in_files) {
            injection.fault == Fault::fail ? files.fail_at(injection.n)
                                           : files.crash_at(injection.n);
        } else if (injection.fault == Fault::fail) {
            env.fail_at(injection.n);
        } else {
            env.crash_at(injection.n);
            files.follow_env_crash(injection.n);
        }
        std::optional<proto::BackupSet> committed;
        {
            auto writer = create_tar_file_set({env, files}, tar, new_set(), spool.path());
            if (writer) {
                auto record = write_set(**writer, sample_items(2));
                if (record)
                    committed = *record;
            }
        }
        const bool replaced = !injection.in_files && injection.n > rename_step;
        if (!replaced) {
            EXPECT_FALSE(committed) << context;
            EXPECT_EQ(*Env::posix().read_file(tar), earlier) << context;
        }
        auto reader = open_tar_file(StorageIo::posix(), tar, spool.path());
        ASSERT_TRUE(reader) << context << ": " << reader.error().message;
        expect_items_intact(**reader, replaced ? 2 : 1);
        reader->reset();
        // A transient failure removes the temporary file; a crash may leave one, recognisably.
        for (const auto& name : hidden_entries(work.path())) {
            EXPECT_EQ(injection.fault, Fault::crash) << context << ": " << name;
            EXPECT_TRUE(certbackup::is_temp_name(name)) << context << ": " << name;
            fs::remove(work / name);
        }
        EXPECT_TRUE(fs::is_empty(spool.path())) << context;
        if (replaced) {
            ASSERT_TRUE(Env::posix().write_file(tar, earlier, 0600));
        }
    }
}

}  // namespace
}  // namespace backup_host
