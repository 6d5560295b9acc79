// Helpers of the backup-host command-line tests: run the real binary as a child process
// (fork/exec, no shell), with its standard streams captured or connected, and build and
// describe directory trees.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace backup_host::cli_testing {

namespace fs = std::filesystem;

// The backup-host binary and the test-only blocker plugin of this build.
fs::path backup_host_binary();
fs::path blocker_plugin_file();
fs::path sample_store_binary();
// An empty configuration: what a child gets unless its Launch names one (BACKUP_HOST_CONFIG).
fs::path empty_config_file();

// How a child is started. Environment: the test's own, with BACKUP_HOST_CONFIG and
// BACKUP_HOST_PASSWORD_FILE removed, BACKUP_HOST_CONFIG set to empty_config_file() unless
// `environment` sets it, then `environment` ("KEY=VALUE") added. A --config argument still
// wins over the variable.
struct Launch {
    fs::path program;                       // empty: backup-host
    std::vector<std::string> args;          // after the program name
    std::optional<std::string> stdin_text;  // else stdin_fd, else /dev/null
    int stdin_fd = -1;
    int stdout_fd = -1;        // else captured
    bool pipe_stderr = false;  // RunningProcess::read_stderr_until instead of capture
    std::vector<std::string> environment;
    std::vector<int> keep_fds;  // descriptors the child inherits (--password-fd)
};

struct Finished {
    int exit_code = -1;  // -1 when killed by a signal
    int signal = 0;      // the signal that killed it, else 0
    std::string out;     // captured standard output (empty when it went to stdout_fd)
    std::string err;     // captured standard error
};

// A child process (backup-host unless the launch names another program).
class RunningProcess {
  public:
    explicit RunningProcess(const Launch& launch);
    ~RunningProcess();
    RunningProcess(const RunningProcess&) = delete;
    RunningProcess& operator=(const RunningProcess&) = delete;

    pid_t pid() const { return pid_; }
    // With pipe_stderr: reads standard error until a line containing `text` arrived; false at
    // end of stream. What was read is kept for wait().
    bool read_stderr_until(const std::string& text);
    void send(int signal);
    // Waits for the child to end.
    Finished wait();

  private:
    pid_t pid_ = -1;
    int out_file_ = -1;  // captured stdout (an unnamed temporary file)
    int err_file_ = -1;  // captured stderr
    int err_pipe_ = -1;  // read end, with pipe_stderr
    std::string err_read_;
    std::optional<Finished> finished_;
};

// The program `name` found on $PATH, or empty.
fs::path find_on_path(const std::string& name);
// "NAME: " and what `program version_args...` prints, for failure messages (SCOPED_TRACE).
std::string version_of(const fs::path& program, std::vector<std::string> version_args);

// Runs `launch` to its end; run(args) runs backup-host with `args`.
Finished run(const Launch& launch);
Finished run(std::vector<std::string> args);

// One entry of a test tree: a directory, or a file with its content; with mode and a distinct
// modification time (set deepest first, so that creating children does not change them).
struct TreeEntry {
    std::string path;
    bool directory = false;
    std::string content;
    unsigned mode = 0644;
};
void build_tree(const fs::path& root, const std::vector<TreeEntry>& entries);
std::vector<TreeEntry> sample_tree();

// `root` and every entry below it with kind, mode, modification time (ns) and bytes (a link:
// its target): equal strings mean byte-identical trees with the same modes and times. `root`
// may be a single file; "<missing>" when it does not exist.
std::string tree_state(const fs::path& root);

// Whole contents of a file ("" when missing).
std::string read_text(const fs::path& file);
void write_text(const fs::path& file, const std::string& text);

// The names in `directory` ({} when missing), sorted.
std::vector<std::string> entries_of(const fs::path& directory);

// "exit 2 / stderr: ..." for assertion messages.
std::string describe(const Finished& finished);

}  // namespace backup_host::cli_testing
