#include "cli_test_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

extern char** environ;

namespace backup_host::cli_testing {
namespace {

// An unnamed temporary file for a child's output: made and unlinked at once (mkstemp, not
// O_TMPFILE, which not every file system under $TMPDIR has).
int capture_file() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/certbackup-out-XXXXXX";
    const int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
    EXPECT_GE(fd, 0) << "mkostemp " << pattern << ": " << std::strerror(errno);
    if (fd >= 0)
        ::unlink(pattern.c_str());
    return fd;
}

// Appends what `fd` gives until its end (or an error) to `text`.
void append_to_end(int fd, std::string& text) {
    char buffer[8192];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
}

std::string read_back(int fd) {
    std::string text;
    if (fd < 0)
        return text;
    ::lseek(fd, 0, SEEK_SET);
    append_to_end(fd, text);
    return text;
}

// The test's environment without the host's configuration and password variables, then
// `extra`. Unless `extra` names a configuration, the child gets an empty one
// (support/empty_config.toml): /etc/backup-host/backup-host.toml is never read by a test.
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
    std::vector<std::string> environment;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        if (text.starts_with("BACKUP_HOST_CONFIG=") ||
            text.starts_with("BACKUP_HOST_PASSWORD_FILE="))
            continue;
        environment.emplace_back(text);
    }
    const bool names_config = std::any_of(extra.begin(), extra.end(), [](const std::string& e) {
        return e.starts_with("BACKUP_HOST_CONFIG=");
    });
    if (!names_config)
        environment.push_back("BACKUP_HOST_CONFIG=" + empty_config_file().string());
    environment.insert(environment.end(), extra.begin(), extra.end());
    return environment;
}

// In the child: puts `fd` at `target` (without CLOEXEC).
void place(int fd, int target) {
    if (fd == target) {
        const int flags = ::fcntl(fd, F_GETFD);
        ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
    } else {
        ::dup2(fd, target);
    }
}

}  // namespace

fs::path backup_host_binary() {
    return BACKUP_HOST_BINARY;
}
fs::path blocker_plugin_file() {
    return BACKUP_HOST_BLOCKER_PLUGIN;
}
fs::path sample_store_binary() {
    return SAMPLE_STORE_BINARY;
}
fs::path empty_config_file() {
    return CERTBACKUP_TEST_EMPTY_CONFIG;
}

RunningProcess::RunningProcess(const Launch& launch) {
    int stdin_pipe[2] = {-1, -1};
    if (launch.stdin_text) {
        EXPECT_EQ(::pipe2(stdin_pipe, O_CLOEXEC), 0);
    }
    if (launch.stdout_fd < 0)
        out_file_ = capture_file();
    int err_pipe[2] = {-1, -1};
    if (launch.pipe_stderr) {
        EXPECT_EQ(::pipe2(err_pipe, O_CLOEXEC), 0);
    } else {
        err_file_ = capture_file();
    }
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);

    std::vector<std::string> args = {
        (launch.program.empty() ? backup_host_binary() : launch.program).string()};
    args.insert(args.end(), launch.args.begin(), launch.args.end());
    std::vector<char*> argv;
    for (std::string& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<std::string> environment = child_environment(launch.environment);
    std::vector<char*> envp;
    for (std::string& entry : environment)
        envp.push_back(entry.data());
    envp.push_back(nullptr);

    pid_ = ::fork();
    if (pid_ == 0) {
        // The child: only async-signal-safe calls until exec.
        for (int fd : launch.keep_fds)
            place(fd, fd);
        place(launch.stdin_text      ? stdin_pipe[0]
              : launch.stdin_fd >= 0 ? launch.stdin_fd
                                     : null_fd,
              0);
        place(launch.stdout_fd >= 0 ? launch.stdout_fd : out_file_, 1);
        place(launch.pipe_stderr ? err_pipe[1] : err_file_, 2);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    EXPECT_GT(pid_, 0) << "fork: " << std::strerror(errno);
    ::close(null_fd);
    if (launch.stdin_text) {
        ::close(stdin_pipe[0]);
        // Small texts (passwords) fit in the pipe's buffer.
        EXPECT_EQ(::write(stdin_pipe[1], launch.stdin_text->data(), launch.stdin_text->size()),
                  static_cast<ssize_t>(launch.stdin_text->size()));
        ::close(stdin_pipe[1]);
    }
    if (launch.pipe_stderr) {
        ::close(err_pipe[1]);
        err_pipe_ = err_pipe[0];
    }
}

RunningProcess::~RunningProcess() {
    if (!finished_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        (void)wait();
    }
    for (int fd : {out_file_, err_file_, err_pipe_})
        if (fd >= 0)
            ::close(fd);
}

bool RunningProcess::read_stderr_until(const std::string& text) {
    std::size_t searched = 0;
    char buffer[4096];
    for (;;) {
        const std::size_t found =
            err_read_.find(text, searched > text.size() ? searched - text.size() : 0);
        if (found != std::string::npos)
            return true;
        searched = err_read_.size();
        const ssize_t n = ::read(err_pipe_, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        err_read_.append(buffer, static_cast<std::size_t>(n));
    }
}

void RunningProcess::send(int signal) {
    ASSERT_EQ(::kill(pid_, signal), 0) << std::strerror(errno);
}

Finished RunningProcess::wait() {
    if (finished_)
        return *finished_;
    Finished finished;
    if (err_pipe_ >= 0) {
        // Drain to the end so that the child never blocks on a full pipe.
        append_to_end(err_pipe_, err_read_);
    }
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status))
        finished.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        finished.signal = WTERMSIG(status);
    finished.out = read_back(out_file_);
    finished.err = err_pipe_ >= 0 ? err_read_ : read_back(err_file_);
    finished_ = finished;
    return finished;
}

Finished run(const Launch& launch) {
    RunningProcess process(launch);
    return process.wait();
}

Finished run(std::vector<std::string> args) {
    Launch launch;
    launch.args = std::move(args);
    return run(launch);
}

fs::path find_on_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string_view rest = path != nullptr ? path : "";
    while (!rest.empty()) {
        const std::size_t colon = rest.find(':');
        const std::string_view directory = rest.substr(0, colon);
        rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
        const fs::path candidate = fs::path(directory.empty() ? "." : directory) / name;
        if (::access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return {};
}

std::string version_of(const fs::path& program, std::vector<std::string> version_args) {
    Launch launch;
    launch.program = program;
    launch.args = std::move(version_args);
    const Finished done = run(launch);
    return program.string() + ": " + done.out + done.err;
}

std::vector<TreeEntry> sample_tree() {
    return {
        {".", true, "", 0755},
        {"hello.txt", false, "hello, world\n", 0644},
        {"secret.key", false, std::string("\x00\x01\x02 binary\xff", 11), 0600},
        {"script.sh", false, "#!/bin/sh\necho hi\n", 0755},
        {"empty", false, "", 0640},
        {"big.bin", false, std::string(300 * 1024, 'z') + "end", 0644},
        {"docs", true, "", 0750},
        {"docs/readme.md", false, "# read me\n", 0444},
        {"docs/deep", true, "", 0700},
        {"docs/deep/nested.txt", false, "deep down\n", 0664},
        {"empty-dir", true, "", 0705},
    };
}

void build_tree(const fs::path& root, const std::vector<TreeEntry>& entries) {
    for (const TreeEntry& entry : entries) {
        const fs::path path = entry.path == "." ? root : root / entry.path;
        if (entry.directory)
            fs::create_directories(path);
        else
            std::ofstream(path, std::ios::binary) << entry.content;
    }
    for (std::size_t i = entries.size(); i-- > 0;) {
        const fs::path path = entries[i].path == "." ? root : root / entries[i].path;
        const struct timespec times[2] = {
            {0, UTIME_OMIT},
            {static_cast<time_t>(1700000000 + 1000 * i), static_cast<long>(987654321 - i)}};
        ASSERT_EQ(::chmod(path.c_str(), entries[i].mode), 0) << path;
        ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
    }
}

std::string tree_state(const fs::path& root) {
    std::map<std::string, std::string> lines;
    const auto describe_entry = [&](const fs::path& path, const std::string& relative) {
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0)
            return;
        std::ostringstream line;
        line << std::oct << (st.st_mode & 07777) << std::dec << " " << st.st_mtim.tv_sec << "."
             << st.st_mtim.tv_nsec << " ";
        if (S_ISDIR(st.st_mode))
            line << "dir";
        else if (S_ISLNK(st.st_mode))
            line << "link -> " << fs::read_symlink(path).string();
        else
            line << "file " << st.st_size << " " << read_text(path);
        lines[relative] = line.str();
    };
    if (!fs::exists(fs::symlink_status(root)))
        return "<missing>";
    describe_entry(root, ".");
    if (fs::is_directory(fs::symlink_status(root)))
        for (const auto& entry : fs::recursive_directory_iterator(root))
            describe_entry(entry.path(), fs::relative(entry.path(), root).string());
    std::string state;
    for (const auto& [path, line] : lines)
        state += path + ": " + line + "\n";
    return state;
}

std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_text(const fs::path& file, const std::string& text) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

std::vector<std::string> entries_of(const fs::path& directory) {
    std::vector<std::string> names;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(directory, error))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

std::string describe(const Finished& finished) {
    return (finished.signal != 0 ? "killed by signal " + std::to_string(finished.signal)
                                 : "exit " + std::to_string(finished.exit_code)) +
           "\n--- stdout:\n" + finished.out.substr(0, 4000) + "\n--- stderr:\n" +
           finished.err.substr(0, 4000);
}

}  // namespace backup_host::cli_testing
