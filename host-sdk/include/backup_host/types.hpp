// backup_host/types.hpp: the value types both C++ wrappers share: job kinds, log levels,
// typed option values, restore options, item information, estimates.
//
// Plain values: no references into a plugin library, safe to keep after the library is
// unloaded. Not thread-safe beyond what std::string and std::vector are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backup_host/plugin_abi.h"

namespace backup_host {

enum class JobKind : int {
    backup = BH_JOB_BACKUP,
    restore = BH_JOB_RESTORE,
    verify = BH_JOB_VERIFY,
    estimate = BH_JOB_ESTIMATE,
    action = BH_JOB_ACTION,
};

inline constexpr JobKind all_job_kinds[] = {JobKind::backup, JobKind::restore, JobKind::verify,
                                            JobKind::estimate, JobKind::action};

// The bit of `kind` in a job mask (bh_plugin_descriptor::jobs, bh_option_spec::jobs).
constexpr std::uint32_t job_bit(JobKind kind) noexcept {
    return BH_JOB_BIT(static_cast<unsigned>(kind));
}

// "backup", "restore", "verify", "estimate", "action".
inline const char* to_string(JobKind kind) noexcept {
    // Indexed by the value: plugin_abi.h numbers the kinds from 1 in this order.
    static constexpr const char* names[] = {"unknown", "backup",   "restore",
                                            "verify",  "estimate", "action"};
    static_assert(static_cast<std::size_t>(JobKind::action) == std::size(names) - 1);
    const auto index = static_cast<std::size_t>(kind);
    return index < std::size(names) ? names[index] : "unknown";
}

// Names of the kinds in `mask`, comma-separated ("backup, restore"); "" for none.
inline std::string job_names(std::uint32_t mask) {
    std::string names;
    for (JobKind kind : all_job_kinds) {
        if ((mask & job_bit(kind)) == 0)
            continue;
        if (!names.empty())
            names += ", ";
        names += to_string(kind);
    }
    return names;
}

enum class LogLevel : int {
    trace = BH_LOG_TRACE,
    debug = BH_LOG_DEBUG,
    info = BH_LOG_INFO,
    warn = BH_LOG_WARN,
    error = BH_LOG_ERROR,
};

enum class OptionType : std::uint32_t {
    string = BH_OPTION_STRING,
    boolean = BH_OPTION_BOOL,
    integer = BH_OPTION_INT,
    path = BH_OPTION_PATH,
};

// "string", "bool", "int", "path".
inline const char* to_string(OptionType type) noexcept {
    // Indexed by the value: plugin_abi.h numbers the types from 1 in this order.
    static constexpr const char* names[] = {"unknown", "string", "bool", "int", "path"};
    static_assert(static_cast<std::size_t>(OptionType::path) == std::size(names) - 1);
    const auto index = static_cast<std::size_t>(type);
    return index < std::size(names) ? names[index] : "unknown";
}

enum class OptionRole : std::uint32_t {
    none = BH_ROLE_NONE,
    restore_target = BH_ROLE_RESTORE_TARGET,
    overwrite = BH_ROLE_OVERWRITE,
    selection = BH_ROLE_SELECTION,
};

enum class Overwrite : std::uint32_t {
    skip = BH_OVERWRITE_SKIP,
    replace = BH_OVERWRITE_REPLACE,
};

enum class SecretUse : int {
    existing = BH_SECRET_EXISTING,
    new_secret = BH_SECRET_NEW,
};

// One validated option value. `text` is always set; `boolean` and `integer` hold the parsed
// value for bool and int options.
struct OptionValue {
    std::string name;
    OptionType type = OptionType::string;
    std::string text;
    bool boolean = false;
    std::int64_t integer = 0;
    bool is_default = false;  // the host filled in the declared default
};

// The validated options of one plugin instance, looked up by name. Accessors return nullopt
// when the option is absent or has another type.
class OptionValues {
  public:
    OptionValues() = default;
    explicit OptionValues(std::vector<OptionValue> values) : values_(std::move(values)) {}

    const std::vector<OptionValue>& values() const noexcept { return values_; }

    const OptionValue* find(std::string_view name) const noexcept {
        for (const OptionValue& value : values_)
            if (value.name == name)
                return &value;
        return nullptr;
    }
    bool has(std::string_view name) const noexcept { return find(name) != nullptr; }

    std::optional<std::string> text(std::string_view name) const {
        const OptionValue* value = find(name);
        if (value == nullptr || value->type != OptionType::string)
            return std::nullopt;
        return value->text;
    }
    std::optional<bool> boolean(std::string_view name) const noexcept {
        const OptionValue* value = find(name);
        if (value == nullptr || value->type != OptionType::boolean)
            return std::nullopt;
        return value->boolean;
    }
    std::optional<std::int64_t> integer(std::string_view name) const noexcept {
        const OptionValue* value = find(name);
        if (value == nullptr || value->type != OptionType::integer)
            return std::nullopt;
        return value->integer;
    }
    std::optional<std::filesystem::path> path(std::string_view name) const {
        const OptionValue* value = find(name);
        if (value == nullptr || value->type != OptionType::path)
            return std::nullopt;
        return std::filesystem::path(value->text);
    }

  private:
    std::vector<OptionValue> values_;
};

// Restore options (DESIGN §5): built by the host from the options with a role and --dry-run.
struct RestoreOptions {
    std::optional<std::filesystem::path> target;  // nullopt: the plugin's default location
    Overwrite overwrite = Overwrite::skip;
    bool dry_run = false;                // report what would happen, write nothing
    std::vector<std::string> selection;  // empty: everything
};

// One stored item of the set a restore or verify job reads.
struct ItemInfo {
    std::string name;
    std::uint64_t size = 0;
};

// What a backup would store.
struct Estimate {
    std::uint64_t items = 0;
    std::uint64_t bytes = 0;
};

// A progress report of the running job.
struct Progress {
    std::uint64_t done = 0;
    std::uint64_t total = 0;  // 0 when unknown
    std::string unit = "items";
    std::string message;
};

}  // namespace backup_host
