#include "host-sdk/management/job_config.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <system_error>
#include <utility>

#include "certbackup/base/ossl.hpp"
#include "certbackup/base/toml_reading.hpp"
#include "host-sdk/management/job_name.hpp"

namespace backup_host {
namespace {

using certbackup::ErrorCode;
using certbackup::fail;
using certbackup::Result;
namespace fs = std::filesystem;

constexpr std::int64_t kMaxRetentionValue = 1000000;

constexpr std::string_view kJobKeys[] = {
    "name",  "plugins", "location", "password_file", "password_credential", "schedule",
    "start", "end",     "enabled",  "timestamped",   "retention",           "options",
};

std::string position(const fs::path& file, const toml::source_region& region) {
    return certbackup::toml_reading::position(file.string(), region);
}

std::unexpected<certbackup::Error> config_error(std::string message) {
    return fail(ErrorCode::invalid_argument, std::move(message));
}

using certbackup::toml_reading::type_name;

std::string known_keys() {
    std::string names;
    for (const std::string_view key : kJobKeys)
        names += (names.empty() ? "" : ", ") + std::string(key);
    return names;
}

// [a-z0-9] first, then [a-z0-9_-]: the plugin id rule of the SDK (plugin_description.hpp).
bool is_plugin_id(std::string_view id) {
    const auto lower_alnum = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    };
    if (id.empty() || id.size() > 64 || !lower_alnum(id.front()))
        return false;
    for (const char c : id)
        if (!lower_alnum(c) && c != '-' && c != '_')
            return false;
    return true;
}

// A systemd credential name is a file name (systemd.exec(5), LoadCredential=).
bool is_credential_name(std::string_view name) {
    return !name.empty() && name.size() <= 255 && name != "." && name != ".." &&
           name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

fs::path anchored(const fs::path& file, const std::string& text) {
    const fs::path path(text);
    if (path.is_absolute())
        return path.lexically_normal();
    std::error_code error;
    fs::path base = fs::absolute(file, error).parent_path();
    if (error)
        base = file.parent_path();
    return (base / path).lexically_normal();
}

class JobReader {
  public:
    JobReader(const fs::path& file, const toml::table& table) : file_(file), table_(table) {}

    Result<JobConfig> read() {
        job_.file = file_;
        job_.where = position(file_, table_.source());
        for (const Step step : {&JobReader::read_name, &JobReader::read_keys,
                                &JobReader::check_required, &JobReader::check_window,
                                &JobReader::check_retention, &JobReader::check_plugin_options})
            if (auto done = (this->*step)(); !done)
                return std::unexpected(done.error());
        if (job_.schedule) {
            // A copy first: emplace destroys the old schedule before it builds the new one, so
            // an argument that refers into the old one would be read after it was freed.
            CronExpression expression = job_.schedule->expression();
            job_.schedule.emplace(std::move(expression), ScheduleWindow{start_, end_});
        }
        return std::move(job_);
    }

  private:
    std::string at(const toml::key& key) const { return position(file_, key.source()); }

    std::string label() const { return "job '" + job_.name + "'"; }

    static std::string join(const std::vector<std::string>& words) {
        std::string text;
        for (const std::string& word : words)
            text += (text.empty() ? "" : ", ") + word;
        return text;
    }

    std::unexpected<certbackup::Error> wrong_type(const toml::key& key, const toml::node& node,
                                                  const std::string& wanted) const {
        return config_error(at(key) + ": " + label() + ": '" + std::string(key.str()) +
                            "' must be " + wanted + ", not " + type_name(node));
    }

    std::unexpected<certbackup::Error> missing(const std::string& key,
                                               const std::string& what) const {
        return config_error(job_.where + ": " + label() + " has no '" + key + "' (" + what + ")");
    }

    using Step = Result<void> (JobReader::*)();
    using KeyRead = Result<void> (JobReader::*)(const toml::key&, const toml::node&);
    // The handler of every key a [[job]] may have (kJobKeys), and of `password`, which is refused
    // with a reason; nullptr for any other key.
    static KeyRead handler_for(std::string_view key) {
        static constexpr std::pair<std::string_view, KeyRead> kHandlers[] = {
            {"name", &JobReader::on_name},
            {"plugins", &JobReader::on_plugins},
            {"location", &JobReader::on_location},
            {"password_file", &JobReader::on_password_source},
            {"password_credential", &JobReader::on_password_source},
            {"schedule", &JobReader::on_schedule},
            {"start", &JobReader::on_window_end},
            {"end", &JobReader::on_window_end},
            {"enabled", &JobReader::on_flag},
            {"timestamped", &JobReader::on_flag},
            {"retention", &JobReader::on_retention},
            {"options", &JobReader::on_options},
            {"password", &JobReader::on_inline_password},
        };
        for (const auto& [name, read] : kHandlers)
            if (name == key)
                return read;
        return nullptr;
    }

    // Each key through its handler, in toml++'s order (by key name); an unknown key is an error.
    Result<void> read_keys() {
        for (const auto& [key, node] : table_) {
            const KeyRead read = handler_for(key.str());
            if (read == nullptr)
                return config_error(at(key) + ": unknown key '" + std::string(key.str()) + "' in " +
                                    label() + " (a job has: " + known_keys() + ")");
            if (auto done = (this->*read)(key, node); !done)
                return done;
        }
        return {};
    }

    Result<void> on_name(const toml::key&, const toml::node&) { return {}; }  // read_name's

    Result<void> on_plugins(const toml::key& key, const toml::node& node) {
        has_plugins_ = true;
        return read_plugins(key, node);
    }

    Result<void> on_location(const toml::key& key, const toml::node& node) {
        has_location_ = true;
        auto text = read_path_text(key, node, "the backup location directory");
        if (!text)
            return std::unexpected(text.error());
        job_.location = anchored(file_, *text);
        return {};
    }

    Result<void> on_password_source(const toml::key& key, const toml::node& node) {
        if (password_key_ != nullptr)
            return config_error(at(certbackup::toml_reading::later(key, *password_key_)) + ": " +
                                label() +
                                " has both password_file and password_credential; give "
                                "one password source");
        password_key_ = &key;
        return read_password(key, node);
    }

    Result<void> on_schedule(const toml::key& key, const toml::node& node) {
        const auto* text = node.as_string();
        if (text == nullptr)
            return wrong_type(key, node, "a string such as \"0 2 * * *\" or \"@daily\"");
        auto expression = CronExpression::parse(text->get());
        if (!expression)
            return config_error(at(key) + ": " + label() + ": " + expression.error().message);
        job_.schedule_text = expression->text();
        job_.schedule.emplace(std::move(*expression), ScheduleWindow{});
        return {};
    }

    // `start` or `end`.
    Result<void> on_window_end(const toml::key& key, const toml::node& node) {
        auto time = read_time(key, node);
        if (!time)
            return std::unexpected(time.error());
        const bool is_start = key.str() == "start";
        (is_start ? start_ : end_) = time->first;
        (is_start ? job_.start_text : job_.end_text) = time->second;
        (is_start ? start_key_ : end_key_) = &key;
        return {};
    }

    // `enabled` or `timestamped`.
    Result<void> on_flag(const toml::key& key, const toml::node& node) {
        const auto* flag = node.as_boolean();
        if (flag == nullptr)
            return wrong_type(key, node, "true or false");
        (key.str() == "enabled" ? job_.enabled : job_.timestamped) = flag->get();
        return {};
    }

    Result<void> on_retention(const toml::key& key, const toml::node& node) {
        retention_key_ = &key;
        return read_retention(key, node);
    }

    Result<void> on_options(const toml::key& key, const toml::node& node) {
        return read_options(key, node);
    }

    Result<void> on_inline_password(const toml::key& key, const toml::node&) {
        return config_error(
            at(key) + ": " + label() +
            ": an inline 'password' is not accepted: the configuration file is read by "
            "more people and programs than the password should be, and it ends up in "
            "copies and backups of /etc. Put the password in a file only the service can "
            "read (password_file = \"/etc/backup-host/" +
            job_.name +
            ".pass\", mode 0600) or in a systemd credential (password_credential = "
            "\"NAME\" with LoadCredential=NAME:/path in the unit)");
    }

    Result<void> check_required() {
        if (!has_plugins_)
            return missing("plugins", "the ids of the plugins it runs, e.g. [\"certificates\"]");
        if (!has_location_)
            return missing("location", "the backup location directory");
        if (password_key_ == nullptr)
            return missing("password_file' or 'password_credential",
                           "where its password comes from");
        return {};
    }

    Result<void> check_window() {
        if (start_ && end_ && *end_ <= *start_)
            return config_error(at(*end_key_) + ": " + label() + ": end (" + *job_.end_text +
                                ") is not after start (" + *job_.start_text + ")");
        if ((start_ || end_) && !job_.schedule)
            return config_error(at(start_key_ != nullptr ? *start_key_ : *end_key_) + ": " +
                                label() +
                                ": start and end apply to a schedule, and the job has none "
                                "(add schedule = \"...\")");
        return {};
    }

    Result<void> check_retention() {
        if (!job_.timestamped && !job_.retention.empty())
            return config_error(at(*retention_key_) + ": " + label() +
                                ": retention does not apply to a job with timestamped = false: "
                                "each run replaces the job's last set, so it keeps one set");
        return {};
    }

    Result<void> check_plugin_options() {
        for (const JobPluginOptions& options : job_.options) {
            bool named = false;
            for (const std::string& plugin : job_.plugins)
                named = named || plugin == options.plugin_id;
            if (!named)
                return config_error(options.where + ": " + label() + " has options for plugin '" +
                                    options.plugin_id + "', which is not one of its plugins (" +
                                    join(job_.plugins) + ")");
        }
        return {};
    }

    Result<void> read_name() {
        const auto found = table_.find("name");
        if (found == table_.end())
            return config_error(job_.where +
                                ": a [[job]] has no 'name' (lower-case letters, "
                                "digits, '-' and '_', e.g. name = \"nightly\")");
        const auto* text = found->second.as_string();
        if (text == nullptr)
            return config_error(at(found->first) + ": a job's 'name' must be a string, not " +
                                type_name(found->second));
        if (!is_valid_job_name(text->get()))
            return config_error(at(found->first) + ": '" + text->get() +
                                "' is not a valid job name: use lower-case letters, digits, '-' "
                                "and '_', starting with a letter or digit, at most " +
                                std::to_string(kMaxJobNameLength) + " characters");
        job_.name = text->get();
        return {};
    }

    Result<void> read_plugins(const toml::key& key, const toml::node& node) {
        const toml::array* array = node.as_array();
        if (array == nullptr)
            return wrong_type(key, node, "an array of plugin ids, e.g. [\"certificates\"]");
        if (array->empty())
            return config_error(at(key) + ": " + label() +
                                ": 'plugins' is empty; name at least one plugin");
        for (const toml::node& entry : *array) {
            const auto* id = entry.as_string();
            const std::string where = position(file_, entry.source());
            if (id == nullptr)
                return config_error(where + ": " + label() +
                                    ": every entry of 'plugins' must be a plugin id string, not " +
                                    type_name(entry));
            if (!is_plugin_id(id->get()))
                return config_error(where + ": " + label() + ": '" + id->get() +
                                    "' is not a plugin id (lower-case letters, digits, '-', '_')");
            for (const std::string& earlier : job_.plugins)
                if (earlier == id->get())
                    return config_error(where + ": " + label() + " names plugin '" + id->get() +
                                        "' twice");
            job_.plugins.push_back(id->get());
            job_.plugin_where.push_back(where);
        }
        return {};
    }

    Result<std::string> read_path_text(const toml::key& key, const toml::node& node,
                                       const std::string& what) {
        const auto* text = node.as_string();
        if (text == nullptr)
            return wrong_type(key, node, "a string (" + what + ")");
        if (text->get().empty())
            return config_error(at(key) + ": " + label() + ": '" + std::string(key.str()) +
                                "' is empty; it must name " + what);
        return text->get();
    }

    Result<void> read_password(const toml::key& key, const toml::node& node) {
        job_.password.where = at(key);
        if (key.str() == "password_file") {
            auto text = read_path_text(key, node, "the file holding the job's password");
            if (!text)
                return std::unexpected(text.error());
            job_.password.kind = PasswordSource::Kind::file;
            job_.password.value = anchored(file_, *text).string();
            return {};
        }
        const auto* text = node.as_string();
        if (text == nullptr)
            return wrong_type(key, node, "a string (the name of a systemd credential)");
        if (!is_credential_name(text->get()))
            return config_error(at(key) + ": " + label() + ": '" + text->get() +
                                "' is not a credential name (a file name: not empty, no '/')");
        job_.password.kind = PasswordSource::Kind::credential;
        job_.password.value = text->get();
        return {};
    }

    // A TOML date-time (local or with an offset) or a local date (midnight); the instant and the
    // normalised text.
    Result<std::pair<SystemTime, std::string>> read_time(const toml::key& key,
                                                         const toml::node& node) {
        std::string text;
        char buffer[48];
        if (const auto* value = node.as_date_time()) {
            const toml::date_time& time = value->get();
            std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d",
                          static_cast<int>(time.date.year), static_cast<int>(time.date.month),
                          static_cast<int>(time.date.day), static_cast<int>(time.time.hour),
                          static_cast<int>(time.time.minute), static_cast<int>(time.time.second));
            text = buffer;
            if (time.offset) {
                const int minutes = time.offset->minutes;
                const int magnitude = minutes < 0 ? -minutes : minutes;
                std::snprintf(buffer, sizeof buffer, "%c%02d:%02d", minutes < 0 ? '-' : '+',
                              magnitude / 60, magnitude % 60);
                text += buffer;
            }
        } else if (const auto* date = node.as_date()) {
            std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT00:00:00",
                          static_cast<int>(date->get().year), static_cast<int>(date->get().month),
                          static_cast<int>(date->get().day));
            text = buffer;
        } else {
            return wrong_type(key, node,
                              "a date-time such as 2026-01-01T00:00:00 (local time, no quotes)");
        }
        auto instant = parse_time_argument(text);
        if (!instant)
            return config_error(at(key) + ": " + label() + ": " + instant.error().message);
        return std::pair(*instant, text);
    }

    Result<void> read_retention(const toml::key& key, const toml::node& node) {
        const toml::table* table = node.as_table();
        if (table == nullptr)
            return wrong_type(key, node, "a table such as { keep_last = 14, max_age_days = 90 }");
        for (const auto& [entry_key, value] : *table) {
            const std::string name(entry_key.str());
            if (name != "keep_last" && name != "max_age_days")
                return config_error(at(entry_key) + ": unknown key 'retention." + name + "' in " +
                                    label() + " (retention has: keep_last, max_age_days)");
            const auto* number = value.as_integer();
            if (number == nullptr || number->get() < 1 || number->get() > kMaxRetentionValue)
                return config_error(at(entry_key) + ": " + label() + ": 'retention." + name +
                                    "' must be a whole number from 1 to " +
                                    std::to_string(kMaxRetentionValue) +
                                    (number == nullptr ? ", not " + std::string(type_name(value))
                                                       : ", not " + std::to_string(number->get())));
            (name == "keep_last" ? job_.retention.keep_last : job_.retention.max_age_days) =
                static_cast<unsigned>(number->get());
        }
        return {};
    }

    Result<void> read_options(const toml::key& key, const toml::node& node) {
        const toml::table* plugins = node.as_table();
        if (plugins == nullptr)
            return wrong_type(key, node, "a table of [job.options.<plugin>] tables");
        for (const auto& [plugin_key, plugin_node] : *plugins) {
            const std::string plugin(plugin_key.str());
            const toml::table* table = plugin_node.as_table();
            if (table == nullptr)
                return config_error(at(plugin_key) + ": " + label() + ": 'options." + plugin +
                                    "' must be a table of the plugin's options "
                                    "([job.options." +
                                    plugin + "]), not " + type_name(plugin_node));
            JobPluginOptions options;
            options.plugin_id = plugin;
            options.where = at(plugin_key);
            for (const auto& [option_key, value] : *table) {
                JobOption option;
                option.key = std::string(option_key.str());
                option.where = at(option_key);
                auto scalar = certbackup::toml_reading::scalar_value(value);
                if (!scalar)
                    return config_error(
                        option.where + ": " + label() + ": option '" + plugin + "." + option.key +
                        "' must be a string, a boolean or an integer, not " + type_name(value));
                option.kind = scalar->kind;
                option.text = std::move(scalar->text);
                options.options.push_back(std::move(option));
            }
            job_.options.push_back(std::move(options));
        }
        return {};
    }

    const fs::path& file_;
    const toml::table& table_;
    JobConfig job_;
    // What read_keys met, for the checks after it.
    bool has_plugins_ = false;
    bool has_location_ = false;
    const toml::key* password_key_ = nullptr;
    const toml::key* start_key_ = nullptr;
    const toml::key* end_key_ = nullptr;
    const toml::key* retention_key_ = nullptr;
    std::optional<SystemTime> start_;
    std::optional<SystemTime> end_;
};

}  // namespace

const JobPluginOptions* JobConfig::options_for(std::string_view plugin_id) const noexcept {
    for (const JobPluginOptions& entry : options)
        if (entry.plugin_id == plugin_id)
            return &entry;
    return nullptr;
}

Result<std::vector<JobConfig>> parse_job_entries(const toml::node& jobs, const fs::path& file) {
    const toml::array* array = jobs.as_array();
    if (array == nullptr || !array->is_array_of_tables())
        return config_error(position(file, jobs.source()) +
                            ": 'job' must be an array of tables: write each job as a [[job]] "
                            "section (double brackets)");
    std::vector<JobConfig> parsed;
    for (const toml::node& entry : *array) {
        auto job = JobReader(file, *entry.as_table()).read();
        if (!job)
            return std::unexpected(job.error());
        for (const JobConfig& earlier : parsed)
            if (earlier.name == job->name)
                return config_error(job->where + ": a second job named '" + job->name +
                                    "' (the first is at " + earlier.where +
                                    "); job names must be unique");
        parsed.push_back(std::move(*job));
    }
    return parsed;
}

Result<std::vector<JobConfig>> parse_jobs(const toml::table& document, const fs::path& file) {
    const toml::node* jobs = document.get("job");
    if (jobs == nullptr)
        return std::vector<JobConfig>{};
    return parse_job_entries(*jobs, file);
}

const JobConfig* find_job(std::span<const JobConfig> jobs, std::string_view name) noexcept {
    for (const JobConfig& job : jobs)
        if (job.name == name)
            return &job;
    return nullptr;
}

Result<void> check_job_plugins(const JobConfig& job, std::span<const KnownPlugin> plugins) {
    const auto find = [&](std::string_view id) -> const KnownPlugin* {
        for (const KnownPlugin& plugin : plugins)
            if (plugin.id == id)
                return &plugin;
        return nullptr;
    };
    std::string installed;
    for (const KnownPlugin& plugin : plugins)
        installed += (installed.empty() ? "" : ", ") + plugin.id;
    if (installed.empty())
        installed = "none";
    for (std::size_t i = 0; i < job.plugins.size(); ++i)
        if (find(job.plugins[i]) == nullptr)
            return config_error((i < job.plugin_where.size() ? job.plugin_where[i] : job.where) +
                                ": job '" + job.name + "' names plugin '" + job.plugins[i] +
                                "', which is not installed (installed: " + installed + ")");
    for (const JobPluginOptions& options : job.options) {
        const KnownPlugin* plugin = find(options.plugin_id);
        if (plugin == nullptr)
            return config_error(options.where + ": job '" + job.name +
                                "' has options for plugin '" + options.plugin_id +
                                "', which is not installed (installed: " + installed + ")");
        for (const JobOption& option : options.options) {
            bool declared = false;
            std::string accepted;
            for (const std::string& name : plugin->options) {
                declared = declared || name == option.key;
                accepted += (accepted.empty() ? "" : ", ") + name;
            }
            if (!declared)
                return config_error(
                    option.where + ": job '" + job.name + "': plugin '" + plugin->id +
                    "' has no option '" + option.key +
                    "'; its options are: " + (accepted.empty() ? std::string("(none)") : accepted));
        }
    }
    return {};
}

Result<void> check_job_plugins(std::span<const JobConfig> jobs,
                               std::span<const KnownPlugin> plugins) {
    for (const JobConfig& job : jobs)
        if (auto checked = check_job_plugins(job, plugins); !checked)
            return checked;
    return {};
}

RetentionPolicy effective_retention(const JobConfig& job) {
    if (!job.timestamped)
        return RetentionPolicy{.keep_last = 1U, .max_age_days = std::nullopt};
    return job.retention;
}

std::string configuration_hash(const JobConfig& job) {
    nlohmann::json options = nlohmann::json::object();
    for (const JobPluginOptions& entry : job.options) {
        nlohmann::json values = nlohmann::json::object();
        for (const JobOption& option : entry.options)
            values[option.key] = {certbackup::toml_reading::kind_name(option.kind), option.text};
        options[entry.plugin_id] = std::move(values);
    }
    const auto optional_text = [](const std::optional<std::string>& text) {
        return text ? nlohmann::json(*text) : nlohmann::json(nullptr);
    };
    const auto optional_number = [](const std::optional<unsigned>& number) {
        return number ? nlohmann::json(*number) : nlohmann::json(nullptr);
    };
    const nlohmann::json canonical = {
        {"name", job.name},
        {"plugins", job.plugins},
        {"location", job.location.string()},
        {"password",
         {job.password.kind == PasswordSource::Kind::file ? "file" : "credential",
          job.password.value}},
        {"schedule", optional_text(job.schedule_text)},
        {"start", optional_text(job.start_text)},
        {"end", optional_text(job.end_text)},
        {"enabled", job.enabled},
        {"timestamped", job.timestamped},
        {"retention",
         {optional_number(job.retention.keep_last), optional_number(job.retention.max_age_days)}},
        {"options", std::move(options)},
    };
    const std::string text = canonical.dump();
    const auto digest = certbackup::ossl::sha256(
        std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    return certbackup::ossl::to_hex(digest);
}

Result<fs::path> password_file_path(const JobConfig& job,
                                    const std::optional<std::string>& credentials_directory) {
    if (job.password.kind == PasswordSource::Kind::file)
        return fs::path(job.password.value);
    if (!credentials_directory || credentials_directory->empty())
        return config_error(
            "job '" + job.name + "' reads its password from the systemd credential '" +
            job.password.value + "' (" + job.password.where + "), but $" +
            std::string(kCredentialsDirectoryVariable) +
            " is not set: run it from a systemd unit with LoadCredential=" + job.password.value +
            ":/path/to/password-file (see samples/systemd/), or configure password_file instead");
    return fs::path(*credentials_directory) / job.password.value;
}

Result<fs::path> password_file_path(const JobConfig& job) {
    const char* directory = std::getenv(std::string(kCredentialsDirectoryVariable).c_str());
    return password_file_path(
        job, directory != nullptr ? std::optional<std::string>(directory) : std::nullopt);
}

}  // namespace backup_host
