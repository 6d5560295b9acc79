// The seams through which the storage changes the file system: core's Env for whole-file and
// directory steps, WritableFileSystem for streamed files. Tests pass fault-injecting ones.
#pragma once

#include "certbackup/base/env.hpp"
#include "certbackup/base/error.hpp"
#include "host-sdk/storage/writable_file.hpp"

namespace backup_host {

// Both seams are borrowed: they must outlive every writer, reader and catalog call given them.
struct StorageIo {
    certbackup::Env& env;
    WritableFileSystem& files;

    static StorageIo posix() { return {certbackup::Env::posix(), WritableFileSystem::posix()}; }
};

}  // namespace backup_host
