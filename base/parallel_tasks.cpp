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

// Shared by the workers and the calling thread; every field is guarded by `mutex`.
struct RunState {
    RunState(std::size_t count, std::size_t window) : window(window), succeeded(count) {}

    std::mutex mutex;
    std::condition_variable changed;
    // A task starts only while fewer than `window` results wait to be consumed (run_parallel:
    // the count, no bound).
    const std::size_t window;
    std::size_t next = 0;      // the next task to start
    std::size_t done = 0;      // tasks finished, in any order
    std::size_t consumed = 0;  // results consumed so far, in order (run_parallel_in_order)
    std::size_t workers_running = 0;
    std::vector<bool> succeeded;  // per task
    bool stop = false;
    bool cancelled = false;
    std::optional<std::size_t> failed_index;
    std::optional<Error> failure;

    // Keeps the failure of the lowest index.
    void record_failure(std::size_t index, Error error) {
        stop = true;
        if (!failed_index || index < *failed_index) {
            failed_index = index;
            failure = std::move(error);
        }
    }
};

void worker(RunState& state, std::size_t count,
            const std::function<Result<void>(std::size_t)>& task, const WorkHooks& hooks) {
    for (;;) {
        std::size_t index = 0;
        {
            std::unique_lock lock(state.mutex);
            state.changed.wait(lock, [&] {
                return state.stop || state.next >= count ||
                       state.next < state.consumed + state.window;
            });
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
            if (result)
                state.succeeded[index] = true;
            else
                state.record_failure(index, std::move(result.error()));
        }
        state.changed.notify_all();
    }
    {
        std::lock_guard lock(state.mutex);
        --state.workers_running;
    }
    state.changed.notify_all();
}

// Starts up to `wanted` workers; none when no thread can be started.
std::vector<std::jthread> start_workers(RunState& state, std::size_t wanted, std::size_t count,
                                        const std::function<Result<void>(std::size_t)>& task,
                                        const WorkHooks& hooks) {
    std::vector<std::jthread> pool;
    pool.reserve(wanted);
    for (std::size_t i = 0; i < wanted; ++i) {
        {
            std::lock_guard lock(state.mutex);
            ++state.workers_running;
        }
        try {
            pool.emplace_back(
                [&state, count, &task, &hooks] { worker(state, count, task, hooks); });
        } catch (...) {
            // Out of threads (std::system_error) or memory: the ones already running share
            // the work.
            std::lock_guard lock(state.mutex);
            --state.workers_running;
            break;
        }
    }
    return pool;
}

// Everything on the calling thread, each result consumed (when `consume` is set) right after
// its task.
Result<void> run_inline(std::size_t count, const std::function<Result<void>(std::size_t)>& task,
                        const std::function<Result<void>(std::size_t)>* consume,
                        const WorkHooks& hooks, std::string_view what) {
    for (std::size_t i = 0; i < count; ++i) {
        if (is_cancelled(hooks))
            return cancelled_error(what);
        if (auto r = run_guarded(task, i); !r)
            return r;
        if (consume != nullptr)
            if (auto r = run_guarded(*consume, i); !r)
                return r;
        if (hooks.progress)
            hooks.progress(i + 1, count);
    }
    return {};
}

// The calling thread's part: consumes the results in order as they are made, until all are
// consumed or the run stops.
void consume_in_order(RunState& state, std::size_t count,
                      const std::function<Result<void>(std::size_t)>& consume,
                      const WorkHooks& hooks) {
    for (std::size_t i = 0; i < count; ++i) {
        {
            std::unique_lock lock(state.mutex);
            state.changed.wait(lock, [&] {
                return state.succeeded[i] || state.stop || state.workers_running == 0;
            });
            if (state.stop || !state.succeeded[i])
                return;
        }
        auto consumed = run_guarded(consume, i);
        {
            std::lock_guard lock(state.mutex);
            if (consumed)
                state.consumed = i + 1;
            else
                state.record_failure(i, std::move(consumed.error()));
        }
        state.changed.notify_all();
        if (!consumed)
            return;
        if (hooks.progress)
            hooks.progress(i + 1, count);
    }
}

}  // namespace

Result<void> run_parallel(std::size_t count, unsigned threads,
                          const std::function<Result<void>(std::size_t)>& task,
                          const WorkHooks& hooks, std::string_view what) {
    if (threads == 0)
        threads = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t wanted = std::min<std::size_t>(threads, count);
    if (wanted <= 1)
        return run_inline(count, task, nullptr, hooks, what);

    RunState state(count, count);
    std::vector<std::jthread> pool = start_workers(state, wanted, count, task, hooks);
    if (pool.empty())
        return run_inline(count, task, nullptr, hooks, what);

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

Result<void> run_parallel_in_order(std::size_t count, unsigned threads, std::size_t window,
                                   const std::function<Result<void>(std::size_t)>& task,
                                   const std::function<Result<void>(std::size_t)>& consume,
                                   const WorkHooks& hooks, std::string_view what) {
    if (threads == 0)
        threads = std::max(1u, std::thread::hardware_concurrency());
    window = std::max<std::size_t>(window, 1);
    const std::size_t wanted = std::min<std::size_t>(threads, count);
    if (wanted <= 1)
        return run_inline(count, task, &consume, hooks, what);

    RunState state(count, window);
    std::vector<std::jthread> pool = start_workers(state, wanted, count, task, hooks);
    if (pool.empty())
        return run_inline(count, task, &consume, hooks, what);

    consume_in_order(state, count, consume, hooks);
    {
        // Workers waiting for room in the window stop too.
        std::lock_guard lock(state.mutex);
        state.stop = true;
    }
    state.changed.notify_all();
    pool.clear();  // joins

    if (state.failure)
        return std::unexpected(std::move(*state.failure));
    if (state.cancelled || state.consumed < count)
        return cancelled_error(what);
    return {};
}

}  // namespace certbackup
