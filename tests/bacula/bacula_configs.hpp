// The configurations of the test's Bacula (bacula_daemons.hpp): a director with a SQLite
// catalog, one file storage, one client, one pool, a FileSet and a backup Job per
// JobDefinition and one restore job; a storage daemon with one file device; a file daemon whose
// plugin directory is the bridge's build directory. Everything listens on 127.0.0.1 only and
// lives below `root`; the passwords are fixed test values.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace certbackup::bacula_testing {

// The FileSet lines of one backup job of the director.
struct JobDefinition {
    std::string name;
    std::vector<std::string> files;    // File = lines
    std::vector<std::string> plugins;  // Plugin = strings
};

std::string director_config(const std::filesystem::path& root, int dir_port, int sd_port,
                            int fd_port, const std::vector<JobDefinition>& jobs);
std::string storage_config(const std::filesystem::path& root, int sd_port);
std::string file_daemon_config(const std::filesystem::path& root, int fd_port);
std::string console_config(int dir_port);

}  // namespace certbackup::bacula_testing
