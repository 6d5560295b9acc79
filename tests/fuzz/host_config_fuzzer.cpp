// The host configuration (backup-host.toml): [plugins.ID] defaults and every [[job]] with its
// schedule, window, retention and password source.
#include "fuzz_input.hpp"
#include "host-sdk/host/host_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    (void)certbackup::host::parse_config(certbackup::fuzzing::text(data, size),
                                         "/etc/backup-host/backup-host.toml");
    return 0;
}
