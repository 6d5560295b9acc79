#include "bacula_configs.hpp"

#include <sstream>

namespace certbackup::bacula_testing {
namespace {

namespace fs = std::filesystem;

std::string quoted(const std::string& text) {
    return "\"" + text + "\"";
}

}  // namespace

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
      << "  RemovableMedia = no\n  AlwaysOpen = no\n"
      // No block checksums, so that a test can damage a stored file (what reaches
      // the bridge is then checked by backup-host alone).
      << "  Block Checksum = no\n}\n"
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

std::string console_config(int dir_port) {
    return "Director {\n  Name = test-dir\n  DIRport = " + std::to_string(dir_port) +
           "\n  address = 127.0.0.1\n  Password = \"console-secret\"\n}\n";
}

}  // namespace certbackup::bacula_testing
