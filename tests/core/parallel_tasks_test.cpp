#include "certbackup/base/parallel_tasks.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
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

// run_parallel_in_order: results consumed on the calling thread in index order, with no more
// than `window` tasks started ahead of the consumer (the old way, every task first and the
// results used afterwards, fails the window check).
TEST(ParallelTasksInOrder, ConsumesInOrderOnTheCallingThreadWithinTheWindow) {
    for (unsigned threads : {1u, 3u}) {
        for (std::size_t window : {1u, 4u}) {
            SCOPED_TRACE("threads " + std::to_string(threads) + ", window " +
                         std::to_string(window));
            std::atomic<std::size_t> started{0};
            std::vector<std::size_t> made(60, 0);
            std::vector<std::size_t> consumed;
            std::vector<std::size_t> progress;
            const auto caller = std::this_thread::get_id();
            WorkHooks hooks;
            hooks.progress = [&](std::size_t done, std::size_t total) {
                EXPECT_EQ(total, 60u);
                progress.push_back(done);
            };
            auto r = run_parallel_in_order(
                made.size(), threads, window,
                [&](std::size_t i) -> Result<void> {
                    started.fetch_add(1);
                    made[i] = i + 1;
                    return {};
                },
                [&](std::size_t i) -> Result<void> {
                    EXPECT_EQ(std::this_thread::get_id(), caller);
                    EXPECT_EQ(made[i], i + 1);
                    EXPECT_LE(started.load(), i + window) << "started too far ahead of " << i;
                    consumed.push_back(i);
                    return {};
                },
                hooks, "making");
            ASSERT_TRUE(r) << r.error().message;
            ASSERT_EQ(consumed.size(), made.size());
            for (std::size_t i = 0; i < consumed.size(); ++i)
                EXPECT_EQ(consumed[i], i);
            std::vector<std::size_t> counts;
            for (std::size_t i = 1; i <= made.size(); ++i)
                counts.push_back(i);
            EXPECT_EQ(progress, counts) << "progress: one report per consumed result";
        }
    }
}

TEST(ParallelTasksInOrder, StopsAtAFailedTaskOrAFailedConsume) {
    for (unsigned threads : {1u, 3u}) {
        std::vector<std::size_t> consumed;
        auto task_failed = run_parallel_in_order(
            100, threads, 4,
            [&](std::size_t i) -> Result<void> {
                if (i == 20)
                    return fail(ErrorCode::io, "task 20 failed");
                return {};
            },
            [&](std::size_t i) -> Result<void> {
                consumed.push_back(i);
                return {};
            },
            {}, "making");
        ASSERT_FALSE(task_failed);
        EXPECT_NE(task_failed.error().message.find("task 20 failed"), std::string::npos);
        EXPECT_TRUE(consumed.empty() || consumed.back() < 20u);

        std::atomic<std::size_t> started{0};
        consumed.clear();
        auto consume_failed = run_parallel_in_order(
            100, threads, 4,
            [&](std::size_t) -> Result<void> {
                started.fetch_add(1);
                return {};
            },
            [&](std::size_t i) -> Result<void> {
                consumed.push_back(i);
                if (i == 10)
                    return fail(ErrorCode::io, "disk full at 10");
                return {};
            },
            {}, "making");
        ASSERT_FALSE(consume_failed);
        EXPECT_NE(consume_failed.error().message.find("disk full at 10"), std::string::npos);
        EXPECT_EQ(consumed.back(), 10u) << "nothing is consumed after a failed consume";
        EXPECT_LE(started.load(), 10u + 4u);
    }
}

TEST(ParallelTasksInOrder, StopsWhenCancelled) {
    for (unsigned threads : {1u, 3u}) {
        std::atomic<int> ran{0};
        WorkHooks hooks;
        hooks.cancelled = [&] { return ran.load() >= 5; };
        auto r = run_parallel_in_order(
            100, threads, 8,
            [&](std::size_t) -> Result<void> {
                ran.fetch_add(1);
                return {};
            },
            [](std::size_t) -> Result<void> { return {}; }, hooks, "counting");
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, ErrorCode::cancelled);
        EXPECT_NE(r.error().message.find("counting"), std::string::npos);
        EXPECT_LT(ran.load(), 100);
    }
}

}  // namespace
}  // namespace certbackup
