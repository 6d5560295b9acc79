#include "core/private_key_decoder.hpp"

#include <string>

namespace certbackup {

PrivateKeyDecoder::~PrivateKeyDecoder() {
    context_.reset();
    EVP_PKEY_free(decoded_);
}

Result<ossl::EvpPkeyPtr> PrivateKeyDecoder::decode(std::span<const std::uint8_t> encoded,
                                                   std::string_view origin) {
    if (!context_) {
        const bool pem = input_ == Input::pem;
        context_.reset(OSSL_DECODER_CTX_new_for_pkey(&decoded_, pem ? "PEM" : "DER",
                                                     pem ? nullptr : "PrivateKeyInfo", nullptr,
                                                     EVP_PKEY_KEYPAIR, nullptr, nullptr));
        if (!context_)
            return fail(ErrorCode::io,
                        "cannot set up OpenSSL's key decoder: " + ossl::drain_errors());
    }
    const unsigned char* data = encoded.data();
    std::size_t length = encoded.size();
    const bool decoded = OSSL_DECODER_from_data(context_.get(), &data, &length) == 1;
    ossl::EvpPkeyPtr key(decoded_);
    decoded_ = nullptr;
    if (!decoded || !key) {
        const std::string detail = ossl::drain_errors();
        return fail(ErrorCode::corrupt, std::string(origin) + ": the private key cannot be read (" +
                                            detail + "); restore the key file from a backup");
    }
    ossl::clear_errors();
    return key;
}

}  // namespace certbackup
