// Runs independent tasks on several threads with results in a fixed order, for the work that
// dominates a snapshot: one PKCS#12 export or import per certificate, each a full key
// derivation (600000 PBKDF2 iterations in the modern profile).
#pragma once

#include <cstddef>
#include <functional>
#include <future>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "certbackup/base/error.hpp"

namespace certbackup {

// How a long job is watched and stopped from outside (the host's progress and cancel flag).
struct WorkHooks {
    // Polled before each task starts, possibly from several threads at once: must be
    // thread-safe (e.g. read an atomic flag). Empty: never cancelled.
    std::function<bool()> cancelled;
    // Called on the calling thread only, after tasks finish, with the number done so far and
    // the total. Empty: no reports.
    std::function<void(std::size_t done, std::size_t total)> progress;
};

// Runs task(0) .. task(count - 1), each exactly once unless the run stops early, on up to
// `threads` worker threads (0: one per core; never more than `count`). Tasks must not share
// mutable state except through their own index (e.g. results[i]).
//
// Stops starting new tasks after a task fails or `hooks.cancelled` returns true, waits for the
// running ones, then returns: the failure of the lowest failed index, else a `cancelled`
// error naming `what` ("making the PFX files"), else success. Exceptions thrown by a task are
// caught and returned as errors. Falls back to fewer threads (down to the calling thread
// alone) when threads cannot be started.
Result<void> run_parallel(std::size_t count, unsigned threads,
                          const std::function<Result<void>(std::size_t)>& task,
                          const WorkHooks& hooks, std::string_view what);

// Runs task(0) .. task(count - 1) on up to `threads` worker threads, as run_parallel does, and
// calls consume(i) on the calling thread for i = 0, 1, ... in order, each once task(i) has
// succeeded: results made in parallel are used (written, freed) one by one, in order, while
// later ones are made. Bounded: task(i) starts only after consume(i - window) has returned, so
// at most `window` results are made or waiting at once (a caller keeps them in `window` slots,
// slot i % window); `window` 0 counts as 1. Tasks must not share mutable state except through
// their own index; consume may use what the calling thread owns.
//
// Stops starting tasks and consuming after a task or consume fails or `hooks.cancelled`
// returns true, waits for the running tasks, then returns: the failure of the lowest index (a
// consume failure counts at its index), else a `cancelled` error naming `what`, else success.
// Results made but not consumed by then are never consumed. Exceptions thrown by a task or by
// consume are returned as errors. hooks.progress is called on the calling thread after each
// consume, with the number consumed. Falls back to the calling thread alone as run_parallel.
Result<void> run_parallel_in_order(std::size_t count, unsigned threads, std::size_t window,
                                   const std::function<Result<void>(std::size_t)>& task,
                                   const std::function<Result<void>(std::size_t)>& consume,
                                   const WorkHooks& hooks, std::string_view what);

// Starts `task` on a thread of its own and returns its future, so that independent work (the
// key derivations of a snapshot: manifest key, PFX encryption key, MAC key) overlaps with what
// the caller does meanwhile. When no thread can be started the task runs on the calling thread
// at get() instead. `task` must not throw (return errors as a Result); what it captures must
// live until get() returns.
template <typename Task>
std::future<std::invoke_result_t<Task>> start_background_task(Task task) {
    try {
        return std::async(std::launch::async, task);
    } catch (const std::system_error&) {
        return std::async(std::launch::deferred, std::move(task));
    }
}

}  // namespace certbackup
