// bindings.toml of a store: parsed, and what parses is written again and must parse again.
#include <cstdlib>

#include "core/bindings_file.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace certbackup;
    auto parsed = parse_bindings_file(fuzzing::text(data, size), "bindings.toml");
    if (!parsed)
        return 0;
    const std::string written = format_bindings_file(*parsed);
    if (!parse_bindings_file(written, "bindings.toml (written)"))
        std::abort();  // what the store writes, it must read
    return 0;
}
