#include "host-sdk/host/action_arguments.hpp"

#include <charconv>
#include <optional>
#include <string_view>

namespace certbackup::host {
namespace {

using backup_host::Status;

// The value of `flag` at args[i]: "--flag=VALUE" or "--flag VALUE" (consuming args[i + 1]);
// for a one-letter `short_flag` also "-o VALUE" and "-oKEY=VALUE". nullopt when args[i] is not
// this flag; bad_usage when its value is missing.
backup_host::Result<std::optional<std::string>> flag_value(const std::vector<std::string>& args,
                                                           std::size_t& i, std::string_view flag,
                                                           std::string_view short_flag = {}) {
    const std::string_view arg = args[i];
    for (std::string_view name : {flag, short_flag}) {
        if (name.empty() || !arg.starts_with(name))
            continue;
        std::string_view rest = arg.substr(name.size());
        if (rest.empty()) {
            if (i + 1 >= args.size())
                return backup_host::fail(Status::bad_usage,
                                         std::string(arg) + " needs a value (see --help)");
            return std::optional<std::string>(args[++i]);
        }
        if (name == flag && rest.front() == '=')
            return std::optional<std::string>(std::string(rest.substr(1)));
        // "-oKEY=VALUE"; a plugin's own "-other" flag stays the plugin's.
        if (name == short_flag && rest.find('=') != std::string_view::npos)
            return std::optional<std::string>(std::string(rest));
    }
    return std::optional<std::string>();
}

}  // namespace

backup_host::Result<void> check_one_password_source(const PasswordOptions& password) {
    const int sources = (password.file ? 1 : 0) + (password.fd ? 1 : 0) +
                        (password.from_stdin ? 1 : 0) + (password.none ? 1 : 0);
    if (sources > 1)
        return backup_host::fail(Status::bad_usage,
                                 "give the password one way: --password-file, --password-fd, "
                                 "--password-stdin or --no-password");
    return {};
}

backup_host::Result<ActionArguments> split_action_arguments(const std::vector<std::string>& args) {
    ActionArguments split;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--") {
            split.plugin_args.insert(split.plugin_args.end(), args.begin() + static_cast<long>(i),
                                     args.end());
            break;
        }
        if (args[i] == "--password-stdin") {
            split.password.from_stdin = true;
            continue;
        }
        if (args[i] == "--no-password") {
            split.password.none = true;
            continue;
        }
        auto file = flag_value(args, i, "--password-file");
        if (!file)
            return std::unexpected(file.error());
        if (*file) {
            split.password.file = **file;
            continue;
        }
        auto fd = flag_value(args, i, "--password-fd");
        if (!fd)
            return std::unexpected(fd.error());
        if (*fd) {
            int number = -1;
            const std::string& text = **fd;
            const auto [end, error] =
                std::from_chars(text.data(), text.data() + text.size(), number);
            if (error != std::errc() || end != text.data() + text.size() || number < 0)
                return backup_host::fail(Status::bad_usage,
                                         "--password-fd needs a file descriptor "
                                         "number, not '" +
                                             text + "'");
            split.password.fd = number;
            continue;
        }
        auto option = flag_value(args, i, "--option", "-o");
        if (!option)
            return std::unexpected(option.error());
        if (*option) {
            split.assignments.push_back(**option);
            continue;
        }
        split.plugin_args.push_back(args[i]);
    }
    if (auto one = check_one_password_source(split.password); !one)
        return std::unexpected(one.error());
    return split;
}

}  // namespace certbackup::host
