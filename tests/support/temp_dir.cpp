#include "temp_dir.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace certbackup::testing {

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/certbackup-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
        throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string snapshot_tree(const std::filesystem::path& root) {
    std::map<std::string, std::string> entries;
    std::error_code ec;
    if (!std::filesystem::exists(root, ec))
        return "<missing>";
    for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        struct stat st {};
        ::lstat(it->path().c_str(), &st);
        const std::string rel = std::filesystem::relative(it->path(), root).string();
        std::ostringstream line;
        line << std::oct << (st.st_mode & 07777) << " ";
        if (it->is_regular_file()) {
            std::ifstream in(it->path(), std::ios::binary);
            line << in.rdbuf();
        } else {
            line << "<dir>";
        }
        entries[rel] = line.str();
    }
    std::string out;
    for (const auto& [name, content] : entries)
        out += name + "\n" + content + "\n--\n";
    return out;
}

}  // namespace certbackup::testing
