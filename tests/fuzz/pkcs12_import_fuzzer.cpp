// A PFX given to `certificates import`: decoded, MAC checked, safes decrypted, bags collected and
// paired, with a password and with none (--no-password).
#include "core/pkcs12.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace certbackup;
    (void)import_pkcs12(fuzzing::bytes(data, size), "fuzz password", "fuzz.pfx", false);
    (void)import_pkcs12(fuzzing::bytes(data, size), "", "fuzz.pfx", true);
    return 0;
}
