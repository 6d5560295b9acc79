// A tar stream given to `backup-host restore -`: unpacked into a private spool, checked against
// its set record, and every item read back through the verifying reader. The input is written to
// a file because the reader takes a descriptor, as it does for standard input.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "fuzz_input.hpp"
#include "host-sdk/storage/tar_set_reader.hpp"

namespace {

std::filesystem::path work_dir() {
    static const std::filesystem::path dir = [] {
        std::string pattern = (std::filesystem::temp_directory_path() / "tar-fuzz-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr)
            std::abort();
        return std::filesystem::path(pattern);
    }();
    return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::filesystem::path input = work_dir() / "input.tar";
    {
        FILE* file = std::fopen(input.c_str(), "wb");
        if (file == nullptr || std::fwrite(data, 1, size, file) != size)
            std::abort();
        std::fclose(file);
    }
    auto reader = backup_host::open_tar_file(backup_host::StorageIo::posix(), input, work_dir());
    if (!reader)
        return 0;
    std::vector<std::uint8_t> buffer(64 * 1024);
    for (const auto& item : (*reader)->record().items()) {
        auto opened = (*reader)->open_item(item.name());
        if (!opened)
            continue;
        for (;;) {
            auto n = (*opened)->read(buffer);
            if (!n || *n == 0)
                break;
        }
    }
    return 0;
}
