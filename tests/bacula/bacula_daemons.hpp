// A real Bacula 9.6 on loopback for one test: director (SQLite catalog), storage daemon and
// file daemon from Debian's packages, with configurations written under a test directory,
// ports chosen free at run time, and the bridge's build directory as the file daemon's plugin
// directory. Driven through bconsole; job results read from the catalog.
//
// The daemons run in the foreground as children of the test (no pid files, no systemd) and are
// stopped by PID - SIGTERM, then SIGKILL after a grace period - when the object goes away,
// also when an assertion failed. The file daemon's $TMPDIR is a directory of its own, so that a
// test can see what the bridge's spools left.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bacula_configs.hpp"

namespace certbackup::bacula_testing {

namespace fs = std::filesystem;

// One daemon process, stopped by PID when destroyed.
class Daemon {
  public:
    Daemon(const std::string& program, const std::vector<std::string>& args, const fs::path& log,
           const std::vector<std::string>& environment);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;
    bool running();

  private:
    pid_t pid_ = -1;
};

struct JobResult {
    int job_id = 0;
    char status = '?';  // the catalog's JobStatus: T, E, f, A...
    int errors = -1;    // JobErrors
};

class BaculaDaemons {
  public:
    // Writes the configurations for `jobs` below `root` and starts the three daemons; throws
    // std::runtime_error when one does not listen within a few seconds.
    BaculaDaemons(const fs::path& root, const std::vector<JobDefinition>& jobs);
    ~BaculaDaemons();

    // bconsole with `commands` (one per line) on standard input; returns its output.
    std::string console(const std::string& commands);

    // `run job=NAME level=Full yes`, returning the JobId (0 when none was queued).
    int start_job(const std::string& name);
    // Waits for the job to end and reads its result from the catalog.
    JobResult wait_job(int job_id);
    JobResult run_job(const std::string& name) { return wait_job(start_job(name)); }
    // `restore jobid=N all done yes where=WHERE`, waited for.
    JobResult restore(int backup_job_id, const std::string& where);

    // The job log (every message the director received, for every job).
    std::string log() const;
    // The storage daemon's one volume file (the pool labels it Vol-0001).
    fs::path volume() const { return root_ / "volumes" / "Vol-0001"; }
    // The file daemon's $TMPDIR.
    const fs::path& fd_temp() const { return fd_temp_; }
    // `list files jobid=N`.
    std::string list_files(int job_id) {
        return console("list files jobid=" + std::to_string(job_id));
    }

  private:
    std::string sql(const std::string& query) const;

    fs::path root_;
    fs::path fd_temp_;
    fs::path console_config_;
    fs::path catalog_;
    std::vector<std::unique_ptr<Daemon>> daemons_;
};

}  // namespace certbackup::bacula_testing
