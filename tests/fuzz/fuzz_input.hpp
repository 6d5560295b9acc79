// What every fuzz target shares: the input as bytes or text. Fuzz targets are built only by
// scripts/fuzz.sh (clang, libFuzzer, ASan and UBSan); they never run in the default test suite.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace certbackup::fuzzing {

inline std::span<const std::uint8_t> bytes(const std::uint8_t* data, std::size_t size) {
    return {data, size};
}

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

}  // namespace certbackup::fuzzing
