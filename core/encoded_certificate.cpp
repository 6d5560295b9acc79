#include "core/encoded_certificate.hpp"

#include "core/certificate_file.hpp"

namespace certbackup {

Result<EncodedCertificate> encode_certificate(const Certificate& certificate) {
    EncodedCertificate encoded;
    if (certificate.has_key()) {
        encoded.key_pem = certificate.key_pem();
        if (encoded.key_pem.empty())
            return fail(ErrorCode::unsupported,
                        "cannot write the private key of certificate " + certificate.sha256_hex() +
                            " as PKCS#8 PEM (is it held by a hardware token?)");
    }
    encoded.thumbprint = certificate.sha256_hex();
    encoded.subject = name_rfc2253(X509_get_subject_name(certificate.leaf()));
    encoded.certificate_file = SecureBuffer(format_certificate_file(certificate));
    return encoded;
}

}  // namespace certbackup
