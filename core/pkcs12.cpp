// PKCS#12 profiles. Export is in pkcs12_export.cpp, import in pkcs12_import.cpp.
#include "core/pkcs12.hpp"

#include "core/pkcs12_algorithms.hpp"

namespace certbackup {

Pkcs12Profile Pkcs12Profile::modern(std::optional<int> iterations) {
    return {Pkcs12ProfileName::modern, iterations.value_or(600000)};
}

Pkcs12Profile Pkcs12Profile::compat(std::optional<int> iterations) {
    return {Pkcs12ProfileName::compat, iterations.value_or(2048)};
}

Result<Pkcs12Profile> Pkcs12Profile::parse(std::string_view name, std::optional<int> iterations) {
    if (iterations && !pkcs12_detail::valid_iterations(*iterations))
        return fail(ErrorCode::invalid_argument,
                    "PKCS#12 iteration count " + std::to_string(*iterations) + " is out of range " +
                        pkcs12_detail::iteration_range_text());
    if (name == to_string(Pkcs12ProfileName::modern))
        return modern(iterations);
    if (name == to_string(Pkcs12ProfileName::compat))
        return compat(iterations);
    return fail(ErrorCode::invalid_argument, "unknown PKCS#12 profile '" + std::string(name) +
                                                 "': use 'modern' (default) or 'compat'");
}

std::string_view to_string(Pkcs12ProfileName name) noexcept {
    switch (name) {
        case Pkcs12ProfileName::modern:
            return "modern";
        case Pkcs12ProfileName::compat:
            return "compat";
    }
    return "unknown";
}

}  // namespace certbackup
