#include "core/pem_chain.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <string>

#include "certbackup/base/ossl.hpp"

namespace certbackup {

Result<void> check_pem_chain_end(std::string_view origin) {
    const unsigned long last = ERR_peek_last_error();
    if (last != 0 && ERR_GET_REASON(last) != PEM_R_NO_START_LINE) {
        const std::string detail = ossl::drain_errors();
        return fail(ErrorCode::corrupt,
                    std::string(origin) + ": a chain certificate cannot be read: " + detail);
    }
    ossl::clear_errors();
    return {};
}

}  // namespace certbackup
