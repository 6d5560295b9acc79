// What every action starts with: argument parsing with CLI11 (--help prints the usage through
// the host, bad arguments are bad usage, exit 2, with CLI11's message) and the store the action
// works on (--store, else the store option).
#pragma once

#include <CLI/CLI.hpp>
#include <backup_host/plugin.hpp>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/directory_store.hpp"
#include "job_support.hpp"
#include "plugin_options.hpp"

namespace certbackup::plugin {

// Parses `args` into `app`. Returns:
//   true          - parsed, run the action
//   false         - help was printed, the action is done
//   Failure       - bad usage
inline backup_host::Result<bool> parse_action_args(const backup_host::Host& host, CLI::App& app,
                                                   const std::vector<std::string>& args) {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 consumes from the back
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        if (auto shown = host.output(app.help()); !shown)
            return std::unexpected(shown.error());
        return false;
    } catch (const CLI::ParseError& e) {
        return backup_host::fail(
            backup_host::Status::bad_usage,
            "certificates " + app.get_name() + ": " + e.what() + " (see --help)");
    }
    return true;
}

// One action's command line and store. The action adds its own options to app() after --store,
// then calls parse_and_open() (or parse() when it opens its store itself, as import does).
class ActionContext {
  public:
    ActionContext(const backup_host::Host& host, const CertificatesOptions& options,
                  std::string description, std::string name)
        : host_(host), options_(options), app_(std::move(description), std::move(name)) {
        app_.add_option("--store", store_dir_, "the store directory (default: the store option)");
    }

    CLI::App& app() { return app_; }
    const backup_host::Host& host() const { return host_; }

    // true: run the action; false: help was printed, the action is done.
    backup_host::Result<bool> parse(const std::vector<std::string>& args) {
        return parse_action_args(host_, app_, args);
    }

    // --store, else the store option (nullopt when neither is given).
    std::optional<std::filesystem::path> store_path() const {
        return store_dir_ ? std::optional<std::filesystem::path>(*store_dir_) : options_.store;
    }

    // Whether --store was given (messages name "--store" or the "store" option).
    bool store_given() const { return store_dir_.has_value(); }

    // The existing store the action works on; errors say how to name one.
    // Warns when the store's root is one others may write (for reading).
    backup_host::Result<std::unique_ptr<DirectoryStore>> open_store(
        StoreAccess access = StoreAccess::read) const {
        return open_existing_store(host_, store_path(), access);
    }

    // parse(), then open_store(): nullptr when help was printed (the action is done).
    backup_host::Result<std::unique_ptr<DirectoryStore>> parse_and_open(
        const std::vector<std::string>& args, StoreAccess access = StoreAccess::read) {
        auto parsed = parse(args);
        if (!parsed)
            return std::unexpected(parsed.error());
        if (!*parsed)
            return std::unique_ptr<DirectoryStore>();
        return open_store(access);
    }

  private:
    const backup_host::Host& host_;
    const CertificatesOptions& options_;
    CLI::App app_;
    std::optional<std::string> store_dir_;
};

// The result of an action that stops after parse() or parse_and_open(): success when help was
// printed, else the failure.
template <typename T>
backup_host::Result<void> finished(const backup_host::Result<T>& step) {
    return step ? backup_host::Result<void>{} : std::unexpected(step.error());
}

}  // namespace certbackup::plugin
