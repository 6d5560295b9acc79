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

#include "host/cli_test_support.hpp"

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

std::string quoted(const std::string& text) {
    return "\"" + text + "\"";
}

std::string director_config(const fs::path& root, int dir_port, int sd_port, int fd_port,
                            const std::vector<JobDefinition>& jobs) {
    const std::string work = (root / "dir").string();
    const std::string log = (root / "bacula.log").string();
    std::ostringstream c;
    c << "Director {\n  Name = test-dir\n  DIRport = " << dir_port
      << "\n  DirAddress = 127.0.0.1\n  QueryFile = \"/etc/bacula/scripts/query.sql\"\n"
      << "  WorkingDirectory = " << quoted(work) << "\n  PidDirectory = " << quoted(work)
      << "\n  Maximum Concurrent Jobs = 5\n  Password = \"console-secret\"\n"
      << "  Messages = Daemon\n}\n"
      << "Catalog {\n  Name = TestCatalog\n  dbname = \"bacula\"; dbuser = \"\"; dbpassword = "
         "\"\"\n}\n"
      << "Storage {\n  Name = File\n  Address = 127.0.0.1\n  SDPort = " << sd_port
      << "\n  Password = \"sd-secret\"\n  Device = FileStorage\n  Media Type = File\n"
      << "  Maximum Concurrent Jobs = 5\n}\n"
      << "Client {\n  Name = test-fd\n  Address = 127.0.0.1\n  FDPort = " << fd_port
      << "\n  Catalog = TestCatalog\n  Password = \"fd-secret\"\n  AutoPrune = no\n}\n"
      << "Pool {\n  Name = Default\n  Pool Type = Backup\n  Label Format = \"Vol-\"\n"
      << "  Recycle = yes\n  AutoPrune = no\n  Volume Retention = 365 days\n}\n"
      << "Messages {\n  Name = Standard\n  catalog = all, !skipped\n  append = " << quoted(log)
      << " = all, !skipped\n  console = all, !skipped\n}\n"
      << "Messages {\n  Name = Daemon\n  append = " << quoted(log) << " = all, !skipped\n"
      << "  console = all, !skipped\n}\n";
    for (const JobDefinition& job : jobs) {
        c << "FileSet {\n  Name = " << quoted(job.name + "-set")
          << "\n  Include {\n    Options { signature = SHA256 }\n";
        for (const std::string& file : job.files)
            c << "    File = " << quoted(file) << "\n";
        for (const std::string& plugin : job.plugins)
            c << "    Plugin = " << quoted(plugin) << "\n";
        c << "  }\n}\n"
          << "Job {\n  Name = " << quoted(job.name) << "\n  Type = Backup\n  Level = Full\n"
          << "  Client = test-fd\n  FileSet = " << quoted(job.name + "-set")
          << "\n  Storage = File\n  Pool = Default\n  Messages = Standard\n}\n";
    }
    // The restore job every `restore` command uses.
    c << "Job {\n  Name = RestoreFiles\n  Type = Restore\n  Client = test-fd\n"
      << "  FileSet = " << quoted(jobs.front().name + "-set")
      << "\n  Storage = File\n  Pool = Default\n  Messages = Standard\n  Where = "
      << quoted((root / "bacula-restores").string()) << "\n}\n";
    return c.str();
}

std::string storage_config(const fs::path& root, int sd_port) {
    const std::string work = (root / "sd").string();
    std::ostringstream c;
    c << "Storage {\n  Name = test-sd\n  SDPort = " << sd_port
      << "\n  SDAddress = 127.0.0.1\n  WorkingDirectory = " << quoted(work)
      << "\n  Pid Directory = " << quoted(work) << "\n  Maximum Concurrent Jobs = 5\n}\n"
      << "Director {\n  Name = test-dir\n  Password = \"sd-secret\"\n}\n"
      << "Device {\n  Name = FileStorage\n  Media Type = File\n  Archive Device = "
      << quoted((root / "volumes").string())
      << "\n  LabelMedia = yes\n  Random Access = yes\n  AutomaticMount = yes\n"
      << "  RemovableMedia = no\n  AlwaysOpen = no\n}\n"
      << "Messages {\n  Name = Standard\n  director = test-dir = all\n}\n";
    return c.str();
}

std::string file_daemon_config(const fs::path& root, int fd_port) {
    const std::string work = (root / "fd").string();
    std::ostringstream c;
    c << "FileDaemon {\n  Name = test-fd\n  FDport = " << fd_port
      << "\n  FDAddress = 127.0.0.1\n  WorkingDirectory = " << quoted(work)
      << "\n  Pid Directory = " << quoted(work)
      << "\n  Plugin Directory = " << quoted(BACULA_PLUGIN_DIR)
      << "\n  Maximum Concurrent Jobs = 5\n}\n"
      << "Director {\n  Name = test-dir\n  Password = \"fd-secret\"\n}\n"
      << "Messages {\n  Name = Standard\n  director = test-dir = all, !skipped, !restored\n}\n";
    return c.str();
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
    write_file(console_config_,
               "Director {\n  Name = test-dir\n  DIRport = " + std::to_string(dir_port) +
                   "\n  address = 127.0.0.1\n  Password = \"console-secret\"\n}\n");
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
