// set.pb: the record of a backup set, parsed and validated as every reader of a location does.
#include "fuzz_input.hpp"
#include "host-sdk/storage/set_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    (void)backup_host::parse_record_file(certbackup::fuzzing::bytes(data, size), "fuzz/set.pb");
    return 0;
}
