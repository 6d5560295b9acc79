// The core types the host storage uses, brought into namespace backup_host.
//
// The host storage is host code, not certificate domain code, so it lives in its own namespace;
// it shares core's one error type and file-system seam (core/error.hpp, core/env.hpp).
#pragma once

#include <filesystem>

#include "core/env.hpp"
#include "core/error.hpp"

namespace backup_host {

namespace fs = std::filesystem;
using certbackup::Env;
using certbackup::Error;
using certbackup::ErrorCode;
using certbackup::fail;
using certbackup::Result;

}  // namespace backup_host
