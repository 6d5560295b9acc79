#include "certbackup/base/parallel_tasks.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace certbackup {
namespace {

TEST(ParallelTasks, RunsEveryTaskOnceWithResultsByIndex) {
    for (unsigned threads : {0u, 1u, 3u, 16u}) {
        std::vector<std::size_t> results(50, 0);
        std::vector<std::size_t> progress;
        WorkHooks hooks;
        hooks.progress = [&](std::size_t done, std::size_t total) {
            EXPECT_EQ(total, 50u);
            progress.push_back(done);
        };
        auto r = run_parallel(
            results.size(), threads,
            [&](std::size_t i) -> Result<void> {
                results[i] += i * i;
                return {};
            },
            hooks, "squaring");
        ASSERT_TRUE(r) << r.error().message;
        for (std::size_t i = 0; i < results.size(); ++i)
            EXPECT_EQ(results[i], i * i) << "threads " << threads;
        ASSERT_FALSE(progress.empty());
        EXPECT_EQ(progress.back(), 50u);
        EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));
    }
}

TEST(ParallelTasks, UsesSeveralThreads) {
    std::mutex mutex;
    std::set<std::thread::id> ids;
    std::atomic<int> waiting{0};
    // Each of the two tasks waits until the other has started, which can only happen when
    // they run on two threads at once. The deadline only turns a hang into a failure.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    auto r = run_parallel(
        2, 2,
        [&](std::size_t) -> Result<void> {
            {
                std::lock_guard lock(mutex);
                ids.insert(std::this_thread::get_id());
            }
            waiting.fetch_add(1);
            while (waiting.load() < 2) {
                if (std::chrono::steady_clock::now() > deadline)
                    return fail(ErrorCode::io, "the tasks did not run at the same time");
                std::this_thread::yield();
            }
            return {};
        },
        {}, "meeting");
    ASSERT_TRUE(r);
    EXPECT_EQ(ids.size(), 2u);
}

TEST(ParallelTasks, ReturnsTheFailureOfTheLowestIndex) {
    auto r = run_parallel(
        20, 4,
        [&](std::size_t i) -> Result<void> {
            if (i == 7 || i == 13)
                return fail(ErrorCode::invalid_argument, "task " + std::to_string(i));
            return {};
        },
        {}, "failing");
    ASSERT_FALSE(r);
    // Tasks are started in index order and a started task always finishes, so 7 runs
    // whenever 13 does; 13 may not run at all.
    EXPECT_EQ(r.error().message, "task 7");
}

TEST(ParallelTasks, TurnsExceptionsIntoErrors) {
    auto r = run_parallel(
        3, 2,
        [&](std::size_t i) -> Result<void> {
            if (i == 1)
                throw std::runtime_error("boom");
            return {};
        },
        {}, "throwing");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::io);
    EXPECT_NE(r.error().message.find("boom"), std::string::npos);
}

TEST(ParallelTasks, StopsWhenCancelled) {
    for (unsigned threads : {1u, 3u}) {
        std::atomic<int> ran{0};
        WorkHooks hooks;
        hooks.cancelled = [&] { return ran.load() >= 5; };
        auto r = run_parallel(
            100, threads,
            [&](std::size_t) -> Result<void> {
                ran.fetch_add(1);
                return {};
            },
            hooks, "counting");
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, ErrorCode::cancelled);
        EXPECT_NE(r.error().message.find("counting"), std::string::npos);
        EXPECT_LT(ran.load(), 100);
    }
}

}  // namespace
}  // namespace certbackup
