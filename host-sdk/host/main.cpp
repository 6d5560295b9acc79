// backup-host: the reference host of the backup framework (CLI.md, DESIGN §6).
//
// Exit codes: 0 success, 1 the job or action failed, 2 bad usage or configuration, 3 wrong
// password or failed authentication, 4 corrupt or tampered data, 130 cancelled.
#include <signal.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "certbackup/base/printable_text.hpp"
#include "host-sdk/host/commands.hpp"
#include "host-sdk/host/host_logger.hpp"
#include "host-sdk/host/host_session.hpp"
#include "host-sdk/host/memory_policy.hpp"
#include "host-sdk/host/process_hardening.hpp"
#include "host-sdk/host/signal_watch.hpp"

namespace {

using namespace certbackup::host;

constexpr const char* kFooter =
    "  PLUGIN ACTION [ARGS...]     a plugin's own action, e.g. certificates list\n"
    "                              (backup-host PLUGIN --help: its options and actions)\n"
    "\n"
    "Exit codes: 0 success, 1 the job or action failed, 2 bad usage or configuration,\n"
    "3 wrong password, 4 corrupt or tampered data, 130 cancelled (SIGINT, SIGTERM).";

// The global options (--config, --plugin-dir, --log-level) on `app`; `global` gets the ones
// given, once parsed.
struct GlobalFlags {
    std::string config_file;
    std::string plugin_dir;
    std::string log_level;
    CLI::Option* config = nullptr;
    CLI::Option* plugin_dir_option = nullptr;
    CLI::Option* log_level_option = nullptr;

    void add_to(CLI::App& app) {
        config = app.add_option("--config", config_file,
                                "the configuration file (TOML); default: $BACKUP_HOST_CONFIG, else "
                                "/etc/backup-host/backup-host.toml if it exists");
        plugin_dir_option =
            app.add_option("--plugin-dir", plugin_dir,
                           "where the plugins are; default: ../lib/backup-host/plugins beside "
                           "this program");
        log_level_option =
            app.add_option("--log-level", log_level,
                           "trace, debug, info, warn, error or off; default: info on a terminal, "
                           "else warn")
                ->check([](const std::string& text) {
                    return parse_log_level(text) ? std::string()
                                                 : "unknown log level '" + text + "' (" +
                                                       std::string(kLogLevelNames) + ")";
                });
    }

    GlobalOptions given() const {
        GlobalOptions global;
        if (config->count() > 0)
            global.config_file = config_file;
        if (plugin_dir_option->count() > 0)
            global.plugin_dir = plugin_dir;
        if (log_level_option->count() > 0)
            global.log_level = log_level;
        return global;
    }
};

// Runs the command that was parsed, or PLUGIN ACTION with the words CLI11 kept.
int dispatch(HostSession& session, const CLI::App& app, const std::vector<Command>& commands,
             const std::string& command_names) {
    const std::vector<std::string> words = app.remaining();
    for (const Command& command : commands) {
        if (!command.app->parsed())
            continue;
        // Words a command does not know fall through to the top level (which keeps them for
        // PLUGIN ACTION); after a command they are a mistake.
        if (!words.empty())
            return session.report(backup_host::Failure{
                backup_host::Status::bad_usage,
                "backup-host " + command.app->get_name() + ": unexpected argument '" +
                    words.front() + "' (see: backup-host " + command.app->get_name() + " --help)"});
        return command.run(session);
    }
    if (words.empty()) {
        std::fputs(app.help().c_str(), stderr);
        return session.report(
            backup_host::Failure{backup_host::Status::bad_usage,
                                 "a command is needed (" + command_names + ", or PLUGIN ACTION)"});
    }
    return run_plugin_action(session, words, command_names);
}

int run(int argc, char** argv) {
    CLI::App app(
        "backup-host: backs up, lists, verifies and restores backup sets through "
        "plugins",
        "backup-host");
    app.footer(kFooter);
    GlobalFlags global;
    global.add_to(app);
    app.require_subcommand(0, 1);
    // Global options are also accepted after the command (backup-host sets DIR --log-level
    // debug); subcommands inherit this.
    app.fallthrough();

    std::vector<Command> commands = {add_plugins_command(app),  add_backup_command(app),
                                     add_sets_command(app),     add_restore_command(app),
                                     add_verify_command(app),   add_run_command(app),
                                     add_schedule_command(app), add_prune_command(app),
                                     add_history_command(app),  add_daemon_command(app)};
    std::string command_names;
    for (const Command& command : commands)
        command_names += (command_names.empty() ? "" : ", ") + command.app->get_name();
    // Words CLI11 does not know (PLUGIN ACTION ARGS...) end its parsing and are kept, in order.
    // Set after the subcommands were added, which would otherwise inherit it.
    app.prefix_command();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error);
        return code == 0 ? 0 : 2;
    }
    HostSession session(global.given());
    return dispatch(session, app, commands, command_names);
}

}  // namespace

int main(int argc, char** argv) {
    // First of all: a crash must never leave a core file with a password or a key in it.
    if (auto hardened = disable_core_dumps(); !hardened)
        std::fprintf(stderr, "backup-host: warning: %s\n", hardened.error().message.c_str());
    // Before any thread exists, so that every thread inherits the mask (signal_watch.hpp).
    if (auto blocked = block_termination_signals(); !blocked)
        std::fprintf(stderr, "backup-host: warning: %s\n", blocked.error().message.c_str());
    // A closed pipe is reported as a write error (exit 1), not a silent death.
    ::signal(SIGPIPE, SIG_IGN);
    certbackup::host::set_memory_policy();
    try {
        return run(argc, argv);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "backup-host: error: unexpected failure: %s\n",
                     certbackup::printable(error.what()).c_str());
    } catch (...) {
        std::fprintf(stderr, "backup-host: error: unexpected failure\n");
    }
    return 1;
}
