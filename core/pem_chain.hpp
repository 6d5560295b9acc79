// Reading a certificate chain from PEM text, one block after the other, ends when OpenSSL finds
// no further block ("no start line"): that is the expected end, any other error a damaged block.
#pragma once

#include <string_view>

#include "certbackup/base/error.hpp"

namespace certbackup {

// Called after a loop of PEM reads ended: corrupt ("ORIGIN: a chain certificate cannot be read:
// DETAIL") when OpenSSL's last error is not the end of the text. Leaves OpenSSL's error queue
// empty either way.
Result<void> check_pem_chain_end(std::string_view origin);

}  // namespace certbackup
