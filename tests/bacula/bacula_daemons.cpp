#include "bacula_daemons.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/cli_test_support.hpp"

namespace certbackup::bacula_testing {
namespace {

using namespace std::chrono_literals;
namespace cli = backup_host::cli_testing;

constexpr const char* kSchema =
    "/usr/share/dbconfig-common/data/bacula-director-sqlite3/install/sqlite3";

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        throw std::runtime_error("cannot find a free port");
    const int port = ntohs(address.sin_port);
    ::close(fd);
    return port;
}

// True when something listens on `port` of 127.0.0.1 (read from /proc/net/tcp, so that no
// probe connection reaches the daemon: the director would log it as a security alert).
bool listening(int port) {
    std::ifstream table("/proc/net/tcp");
    char wanted[32];
    std::snprintf(wanted, sizeof wanted, "0100007F:%04X", static_cast<unsigned>(port));
    std::string line;
    while (std::getline(table, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state;
        fields >> slot >> local >> remote >> state;
        if (local == wanted && state == "0A")
            return true;
    }
    return false;
}

void write_file(const fs::path& file, const std::string& text) {
    std::ofstream out(file);
    out << text;
    if (!out)
        throw std::runtime_error("cannot write " + file.string());
}

cli::Finished tool(const std::string& program, std::vector<std::string> args,
                   std::optional<std::string> input = std::nullopt) {
    cli::Launch launch;
    launch.program = program;
    launch.args = std::move(args);
    launch.stdin_text = std::move(input);
    return cli::run(launch);
}

}  // namespace

Daemon::Daemon(const std::string& program, const std::vector<std::string>& args,
               const fs::path& log, const std::vector<std::string>& environment) {
    std::vector<std::string> argv_text{program};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& arg : argv_text)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0)
        throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        // The daemon dies with the test, even when the test is killed before its destructors.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        const int in = ::open("/dev/null", O_RDONLY);
        if (out >= 0 && in >= 0) {
            ::dup2(in, 0);
            ::dup2(out, 1);
            ::dup2(out, 2);
        }
        for (const std::string& assignment : environment)
            ::putenv(const_cast<char*>(assignment.c_str()));
        ::execv(program.c_str(), argv.data());
        ::_exit(127);
    }
}

bool Daemon::running() {
    return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0;
}

Daemon::~Daemon() {
    if (pid_ <= 0)
        return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) != 0)
            return;
        std::this_thread::sleep_for(50ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
}

BaculaDaemons::BaculaDaemons(const fs::path& root, const std::vector<JobDefinition>& jobs)
    : root_(root),
      fd_temp_(root / "fd-tmp"),
      console_config_(root / "bconsole.conf"),
      catalog_(root / "dir" / "bacula.db") {
    for (const char* sub : {"dir", "sd", "fd", "fd-tmp", "volumes"})
        fs::create_directories(root / sub);
    const int dir_port = free_port();
    const int sd_port = free_port();
    const int fd_port = free_port();
    write_file(root / "bacula-dir.conf", director_config(root, dir_port, sd_port, fd_port, jobs));
    write_file(root / "bacula-sd.conf", storage_config(root, sd_port));
    write_file(root / "bacula-fd.conf", file_daemon_config(root, fd_port));
    write_file(console_config_, console_config(dir_port));
    std::ifstream schema(kSchema);
    std::stringstream schema_text;
    schema_text << schema.rdbuf();
    const cli::Finished created = tool("/usr/bin/sqlite3", {catalog_.string()}, schema_text.str());
    if (created.exit_code != 0)
        throw std::runtime_error("cannot create the catalog: " + created.err);

    const std::vector<std::string> fd_environment = {"TMPDIR=" + fd_temp_.string()};
    daemons_.push_back(std::make_unique<Daemon>(
        "/usr/sbin/bacula-sd",
        std::vector<std::string>{"-f", "-P", "-c", (root / "bacula-sd.conf").string()},
        root / "sd.out", std::vector<std::string>{}));
    daemons_.push_back(std::make_unique<Daemon>(
        "/usr/sbin/bacula-fd",
        std::vector<std::string>{"-f", "-P", "-c", (root / "bacula-fd.conf").string()},
        root / "fd.out", fd_environment));
    daemons_.push_back(std::make_unique<Daemon>(
        "/usr/sbin/bacula-dir",
        std::vector<std::string>{"-f", "-P", "-c", (root / "bacula-dir.conf").string()},
        root / "dir.out", std::vector<std::string>{}));
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    for (const int port : {sd_port, fd_port, dir_port}) {
        while (!listening(port)) {
            if (std::chrono::steady_clock::now() > deadline)
                throw std::runtime_error("a Bacula daemon does not listen on port " +
                                         std::to_string(port) + "; see " + root.string() +
                                         "/*.out");
            std::this_thread::sleep_for(100ms);
        }
    }
}

BaculaDaemons::~BaculaDaemons() {
    // The director first, so that it does not retry the others.
    while (!daemons_.empty())
        daemons_.pop_back();
}

std::string BaculaDaemons::console(const std::string& commands) {
    const cli::Finished done =
        tool("/usr/sbin/bconsole", {"-c", console_config_.string()}, commands + "\nquit\n");
    return done.out + done.err;
}

int BaculaDaemons::start_job(const std::string& name) {
    const std::string out = console("run job=" + name + " level=Full yes");
    std::smatch match;
    if (!std::regex_search(out, match, std::regex("JobId=([0-9]+)")))
        return 0;
    return std::stoi(match[1]);
}

std::string BaculaDaemons::sql(const std::string& query) const {
    const cli::Finished done =
        tool("/usr/bin/sqlite3", {"-cmd", ".timeout 10000", catalog_.string(), query});
    return done.out;
}

JobResult BaculaDaemons::wait_job(int job_id) {
    JobResult result;
    result.job_id = job_id;
    if (job_id == 0)
        return result;
    console("wait jobid=" + std::to_string(job_id));
    const std::string row =
        sql("select JobStatus || ' ' || JobErrors from Job where JobId=" + std::to_string(job_id));
    if (row.size() >= 3) {
        result.status = row[0];
        result.errors = std::stoi(row.substr(2));
    }
    return result;
}

JobResult BaculaDaemons::restore(int backup_job_id, const std::string& where) {
    const std::string out = console("restore jobid=" + std::to_string(backup_job_id) +
                                    " where=" + where + " all done yes");
    std::smatch match;
    if (!std::regex_search(out, match, std::regex("JobId=([0-9]+)")))
        return JobResult{};
    return wait_job(std::stoi(match[1]));
}

std::string BaculaDaemons::log() const {
    std::ifstream in(root_ / "bacula.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace certbackup::bacula_testing
