#include "certbackup/base/parallel_tasks.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace certbackup {
namespace {

Result<void> run_guarded(const std::function<Result<void>(std::size_t)>& task, std::size_t i) {
    try {
        return task(i);
    } catch (const std::exception& e) {
        return fail(ErrorCode::io, std::string("unexpected failure: ") + e.what());
    } catch (...) {
        return fail(ErrorCode::io, "unexpected failure of unknown kind");
    }
}

bool is_cancelled(const WorkHooks& hooks) {
    return hooks.cancelled && hooks.cancelled();
}

Result<void> cancelled_error(std::string_view what) {
    return fail(ErrorCode::cancelled, "cancelled while " + std::string(what));
}

// Shared by the workers; every field is guarded by `mutex`.
struct RunState {
    std::mutex mutex;
    std::condition_variable changed;
    std::size_t next = 0;
    std::size_t done = 0;
    std::size_t workers_running = 0;
    bool stop = false;
    bool cancelled = false;
    std::optional<std::size_t> failed_index;
    std::optional<Error> failure;
};

void worker(RunState& state, std::size_t count,
            const std::function<Result<void>(std::size_t)>& task, const WorkHooks& hooks) {
    for (;;) {
        std::size_t index = 0;
        {
            std::lock_guard lock(state.mutex);
            if (state.stop || state.next >= count)
                break;
            index = state.next++;
        }
        if (is_cancelled(hooks)) {
            std::lock_guard lock(state.mutex);
            state.stop = true;
            state.cancelled = true;
            break;
        }
        auto result = run_guarded(task, index);
        {
            std::lock_guard lock(state.mutex);
            ++state.done;
            if (!result) {
                state.stop = true;
                if (!state.failed_index || index < *state.failed_index) {
                    state.failed_index = index;
                    state.failure = std::move(result.error());
                }
            }
        }
        state.changed.notify_all();
    }
    {
        std::lock_guard lock(state.mutex);
        --state.workers_running;
    }
    state.changed.notify_all();
}

Result<void> run_inline(std::size_t count, const std::function<Result<void>(std::size_t)>& task,
                        const WorkHooks& hooks, std::string_view what) {
    for (std::size_t i = 0; i < count; ++i) {
        if (is_cancelled(hooks))
            return cancelled_error(what);
        if (auto r = run_guarded(task, i); !r)
            return r;
        if (hooks.progress)
            hooks.progress(i + 1, count);
    }
    return {};
}

}  // namespace

Result<void> run_parallel(std::size_t count, unsigned threads,
                          const std::function<Result<void>(std::size_t)>& task,
                          const WorkHooks& hooks, std::string_view what) {
    if (threads == 0)
        threads = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t wanted = std::min<std::size_t>(threads, count);
    if (wanted <= 1)
        return run_inline(count, task, hooks, what);

    RunState state;
    std::vector<std::jthread> pool;
    pool.reserve(wanted);
    for (std::size_t i = 0; i < wanted; ++i) {
        {
            std::lock_guard lock(state.mutex);
            ++state.workers_running;
        }
        try {
            pool.emplace_back([&] { worker(state, count, task, hooks); });
        } catch (...) {
            // Out of threads (std::system_error) or memory: the ones already running share
            // the work.
            std::lock_guard lock(state.mutex);
            --state.workers_running;
            break;
        }
    }
    if (pool.empty())
        return run_inline(count, task, hooks, what);

    // Report progress from this thread, so the caller's progress function needs no locking.
    std::unique_lock lock(state.mutex);
    std::size_t reported = 0;
    for (;;) {
        state.changed.wait(lock,
                           [&] { return state.done != reported || state.workers_running == 0; });
        const std::size_t done = state.done;
        const bool finished = state.workers_running == 0;
        if (done != reported && hooks.progress) {
            lock.unlock();
            hooks.progress(done, count);
            lock.lock();
        }
        reported = done;
        if (finished)
            break;
    }
    lock.unlock();
    pool.clear();  // joins

    if (state.failure)
        return std::unexpected(std::move(*state.failure));
    if (state.cancelled || state.done < count)
        return cancelled_error(what);
    return {};
}

}  // namespace certbackup
