// The seams through which the storage changes the file system: core's Env for whole-file and
// directory steps, WritableFileSystem for streamed files. Tests pass fault-injecting ones.
#pragma once

#include "host-sdk/storage/core_types.hpp"
#include "host-sdk/storage/writable_file.hpp"

namespace backup_host {

// Both seams are borrowed: they must outlive every writer, reader and catalog call given them.
struct StorageIo {
    Env& env;
    WritableFileSystem& files;

    static StorageIo posix() { return {Env::posix(), WritableFileSystem::posix()}; }
};

}  // namespace backup_host
