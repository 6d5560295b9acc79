// The [[job]] entries of the configuration file: values, defaults, and errors that name
// FILE:LINE:COLUMN and the key.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host-sdk/management/job_config.hpp"
#include "support/management_test_support.hpp"

namespace backup_host {
namespace {

namespace fs = std::filesystem;
using testing::ScopedTimeZone;
using testing::utc;
using testing::utc_text;

const fs::path kFile = "/etc/backup-host/backup-host.toml";

certbackup::Result<std::vector<JobConfig>> parse_text(const std::string& text,
                                                      const fs::path& file = kFile) {
    const toml::table document = toml::parse(text, file.string());
    return parse_jobs(document, file);
}

std::string error_of(const std::string& text) {
    auto jobs = parse_text(text);
    EXPECT_FALSE(jobs) << "parsed, but should not:\n" << text;
    if (jobs)
        return "";
    EXPECT_EQ(jobs.error().code, certbackup::ErrorCode::invalid_argument);
    return jobs.error().message;
}

// A valid job with one line replaced or added (`extra` lands on line 6).
std::string job_with(const std::string& extra,
                     const std::string& password_line = "password_file = \"/etc/backup-host/p\"") {
    return "[[job]]\n"
           "name = \"nightly\"\n"
           "plugins = [\"certificates\"]\n"
           "location = \"/var/backups/backup-host\"\n" +
           password_line + "\n" + extra + "\n";
}

constexpr const char* kSample = R"([plugins.certificates]
store = "/var/lib/passwordsecure/certificates"

[[job]]
name = "certificates-nightly"
plugins = ["certificates"]
location = "/var/backups/backup-host"
password_file = "/etc/backup-host/backup.pass"
schedule = "0 2 * * *"
start = 2026-01-01T00:00:00
end = 2027-01-01T00:00:00
enabled = true
timestamped = true
retention = { keep_last = 14, max_age_days = 90 }

[job.options.certificates]
per_certificate_files = false
iterations = 600000
profile = "modern"

[[job]]
name = "full-system"
plugins = ["certificates", "files"]
location = "backups"
password_credential = "backup-password"
schedule = "@weekly"
timestamped = false

[job.options.files]
path = "/srv/data"
)";

TEST(JobConfig, ReadsTheContractExample) {
    const ScopedTimeZone zone("UTC");
    auto jobs = parse_text(kSample, "/srv/conf/backup-host.toml");
    ASSERT_TRUE(jobs) << jobs.error().message;
    ASSERT_EQ(jobs->size(), 2U);

    const JobConfig& nightly = (*jobs)[0];
    EXPECT_EQ(nightly.name, "certificates-nightly");
    EXPECT_EQ(nightly.where, "/srv/conf/backup-host.toml:4:1");
    EXPECT_EQ(nightly.plugins, std::vector<std::string>{"certificates"});
    EXPECT_EQ(nightly.plugin_where, std::vector<std::string>{"/srv/conf/backup-host.toml:6:12"});
    EXPECT_EQ(nightly.location, fs::path("/var/backups/backup-host"));
    EXPECT_EQ(nightly.password.kind, PasswordSource::Kind::file);
    EXPECT_EQ(nightly.password.value, "/etc/backup-host/backup.pass");
    EXPECT_EQ(nightly.schedule_text, "0 2 * * *");
    ASSERT_TRUE(nightly.schedule);
    EXPECT_EQ(nightly.schedule->describe(),
              "every day at 02:00, from 2026-01-01 00:00, until 2027-01-01 00:00");
    EXPECT_EQ(utc_text(*nightly.schedule->window().start), "2026-01-01T00:00:00Z");
    EXPECT_EQ(utc_text(*nightly.schedule->window().end), "2027-01-01T00:00:00Z");
    EXPECT_EQ(nightly.start_text, "2026-01-01T00:00:00");
    EXPECT_TRUE(nightly.enabled);
    EXPECT_TRUE(nightly.timestamped);
    EXPECT_EQ(nightly.retention.keep_last, 14U);
    EXPECT_EQ(nightly.retention.max_age_days, 90U);
    const JobPluginOptions* options = nightly.options_for("certificates");
    ASSERT_NE(options, nullptr);
    ASSERT_EQ(options->options.size(), 3U);
    // toml++ keeps a table's keys sorted.
    EXPECT_EQ(options->options[0].key, "iterations");
    EXPECT_EQ(options->options[0].kind, JobOption::Kind::integer);
    EXPECT_EQ(options->options[0].text, "600000");
    EXPECT_EQ(options->options[1].key, "per_certificate_files");
    EXPECT_EQ(options->options[1].kind, JobOption::Kind::boolean);
    EXPECT_EQ(options->options[1].text, "false");
    EXPECT_EQ(options->options[1].where, "/srv/conf/backup-host.toml:17:1");
    EXPECT_EQ(options->options[2].kind, JobOption::Kind::string);
    EXPECT_EQ(options->options[2].text, "modern");

    const JobConfig& full = (*jobs)[1];
    EXPECT_EQ(full.plugins, (std::vector<std::string>{"certificates", "files"}));
    EXPECT_EQ(full.location, fs::path("/srv/conf/backups"));  // relative to the file
    EXPECT_EQ(full.password.kind, PasswordSource::Kind::credential);
    EXPECT_EQ(full.password.value, "backup-password");
    EXPECT_EQ(full.schedule->describe(), "every Sunday at 00:00");
    EXPECT_FALSE(full.timestamped);
    EXPECT_TRUE(full.retention.empty());
    EXPECT_EQ(effective_retention(full).keep_last, 1U);
    EXPECT_EQ(effective_retention(nightly), nightly.retention);
    EXPECT_EQ(full.options_for("certificates"), nullptr);
    ASSERT_NE(full.options_for("files"), nullptr);
    EXPECT_EQ(find_job(*jobs, "full-system"), &full);
    EXPECT_EQ(find_job(*jobs, "nope"), nullptr);
}

TEST(JobConfig, DefaultsAndNoJobs) {
    auto none = parse_text("[plugins.files]\npath = \"/x\"\n");
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
    auto jobs = parse_text(job_with(""));
    ASSERT_TRUE(jobs) << jobs.error().message;
    const JobConfig& job = jobs->front();
    EXPECT_TRUE(job.enabled);
    EXPECT_TRUE(job.timestamped);
    EXPECT_FALSE(job.schedule);  // runs only by `run`
    EXPECT_TRUE(job.retention.empty());
    EXPECT_TRUE(job.options.empty());
}

TEST(JobConfig, AScheduleWithAWindowKeepsItsExpressionText) {
    // Found by the host_config fuzz target (ASan): the schedule was rebuilt with its window from
    // a reference into itself after it was destroyed; a text longer than the small-string
    // buffer was read from freed memory.
    const std::string text = "0 2 *                              * *";
    auto jobs = parse_text(
        job_with("schedule = \"" + text + "\"\nstart = 2026-01-01T00:00:00\nend = 2027-02-01"));
    ASSERT_TRUE(jobs) << jobs.error().message;
    ASSERT_TRUE(jobs->front().schedule);
    EXPECT_EQ(jobs->front().schedule->expression().text(), text);
    EXPECT_TRUE(jobs->front().schedule->window().end.has_value());
}

TEST(JobConfig, RelativePasswordFileAndOffsetAndDateTimes) {
    const ScopedTimeZone zone("Europe/Berlin");
    auto jobs = parse_text(job_with("schedule = \"@daily\"\nstart = 2026-03-29T02:30:00\n"
                                    "end = 2026-12-31T23:00:00Z",
                                    "password_file = \"secret/p.pass\""),
                           "/srv/conf/b.toml");
    ASSERT_TRUE(jobs) << jobs.error().message;
    EXPECT_EQ(jobs->front().password.value, "/srv/conf/secret/p.pass");
    // A local start in the skipped hour stands for the end of the gap.
    EXPECT_EQ(utc_text(*jobs->front().schedule->window().start), "2026-03-29T01:00:00Z");
    EXPECT_EQ(utc_text(*jobs->front().schedule->window().end), "2026-12-31T23:00:00Z");
    EXPECT_EQ(jobs->front().end_text, "2026-12-31T23:00:00+00:00");
    auto dated = parse_text(job_with("schedule = \"@daily\"\nstart = 2026-07-01"));
    ASSERT_TRUE(dated) << dated.error().message;
    EXPECT_EQ(utc_text(*dated->front().schedule->window().start), "2026-06-30T22:00:00Z");
}

TEST(JobConfig, InlinePasswordIsRefusedWithTheReason) {
    const std::string message = error_of(job_with("", "password = \"hunter2\""));
    EXPECT_NE(message.find("/etc/backup-host/backup-host.toml:5:1:"), std::string::npos) << message;
    EXPECT_NE(message.find("job 'nightly'"), std::string::npos) << message;
    EXPECT_NE(message.find("inline 'password' is not accepted"), std::string::npos) << message;
    EXPECT_NE(message.find("password_file"), std::string::npos) << message;
    EXPECT_NE(message.find("password_credential"), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << "the password leaked: " << message;
}

TEST(JobConfig, ErrorsNameFileLineColumnAndKey) {
    struct Case {
        std::string text;
        std::vector<std::string> wanted;
    };
    const std::vector<Case> cases = {
        {job_with("schedul = \"@daily\""), {":6:1:", "unknown key 'schedul'", "job 'nightly'"}},
        {job_with("password_credential = \"x\""),
         {":6:1:", "both password_file and password_credential"}},
        {"[[job]]\nname = \"n\"\nplugins = [\"a\"]\nlocation = \"/b\"\n",
         {":1:1:", "job 'n' has no 'password_file' or 'password_credential'"}},
        {"[[job]]\nname = \"n\"\nlocation = \"/b\"\npassword_file = \"/p\"\n",
         {":1:1:", "has no 'plugins'"}},
        {"[[job]]\nname = \"n\"\nplugins = [\"a\"]\npassword_file = \"/p\"\n",
         {":1:1:", "has no 'location'"}},
        {"[[job]]\nplugins = [\"a\"]\n", {":1:1:", "has no 'name'"}},
        {"[[job]]\nname = \"Nightly!\"\n", {":2:1:", "'Nightly!' is not a valid job name"}},
        {"[[job]]\nname = 5\n", {":2:1:", "must be a string, not an integer"}},
        {job_with("") + job_with(""),
         {":7:1:", "a second job named 'nightly'",
          "(the first is at /etc/backup-host/backup-host.toml:1:1)"}},
        {"[[job]]\nname = \"n\"\nplugins = []\nlocation = \"/b\"\npassword_file = \"/p\"\n",
         {":3:1:", "'plugins' is empty"}},
        {"[[job]]\nname = \"n\"\nplugins = \"a\"\nlocation = \"/b\"\npassword_file = \"/p\"\n",
         {":3:1:", "'plugins' must be an array"}},
        {"[[job]]\nname = \"n\"\nplugins = [\"a\", \"a\"]\nlocation = \"/b\"\npassword_file = "
         "\"/p\"\n",
         {":3:17:", "names plugin 'a' twice"}},
        {"[[job]]\nname = \"n\"\nplugins = [\"A b\"]\nlocation = \"/b\"\npassword_file = \"/p\"\n",
         {":3:12:", "'A b' is not a plugin id"}},
        {"[[job]]\nname = \"n\"\nplugins = [\"a\"]\nlocation = \"\"\npassword_file = \"/p\"\n",
         {":4:1:", "'location' is empty"}},
        {job_with("schedule = \"0 25 * * *\""), {":6:1:", "job 'nightly'", "hour field '25'"}},
        {job_with("schedule = \"0 0 31 2 *\""), {":6:1:", "never runs"}},
        {job_with("schedule = 5"), {":6:1:", "'schedule' must be a string"}},
        {job_with("schedule = \"@daily\"\nstart = 2026-06-01T00:00:00\nend = 2026-01-01T00:00:00"),
         {":8:1:", "end (2026-01-01T00:00:00) is not after start (2026-06-01T00:00:00)"}},
        {job_with("start = 2026-06-01T00:00:00"), {":6:1:", "the job has none"}},
        // Found by the host_config fuzz target: year 4052 overflowed the nanosecond clock.
        {job_with("schedule = \"@daily\"\nstart = 9999-12-31T23:59:00"),
         {":7:1:", "outside the supported years 1970 to 2199"}},
        {job_with("schedule = \"@daily\"\nstart = 4052-01-01T00:00:00"),
         {":7:1:", "outside the supported years 1970 to 2199"}},
        {job_with("schedule = \"@daily\"\nend = 2300-01-01"),
         {":7:1:", "outside the supported years 1970 to 2199"}},
        {job_with("schedule = \"@daily\"\nstart = \"2026-06-01\""),
         {":7:1:", "'start' must be a date-time", "not a string"}},
        {job_with("enabled = \"yes\""), {":6:1:", "'enabled' must be true or false"}},
        {job_with("retention = { keep_last = 0 }"),
         {":6:15:", "'retention.keep_last' must be a whole number from 1", "not 0"}},
        {job_with("retention = { keep = 3 }"), {":6:15:", "unknown key 'retention.keep'"}},
        {job_with("retention = 3"), {":6:1:", "'retention' must be a table"}},
        {job_with("timestamped = false\nretention = { keep_last = 3 }"),
         {":7:1:", "retention does not apply to a job with timestamped = false"}},
        {job_with("[job.options.files]\npath = \"/x\""),
         {":6:14:", "has options for plugin 'files', which is not one of its plugins"}},
        {job_with("[job.options.certificates]\niterations = 1.5"),
         {":7:1:", "option 'certificates.iterations' must be a string, a boolean or an integer",
          "not a floating-point number"}},
        {"[job]\nname = \"n\"\n", {":1:1:", "[[job]]"}},
    };
    for (const Case& test : cases) {
        const std::string message = error_of(test.text);
        for (const std::string& wanted : test.wanted)
            EXPECT_NE(message.find(wanted), std::string::npos)
                << "wanted '" << wanted << "' in: " << message << "\nfor:\n"
                << test.text;
        if (test.text.starts_with("[[job]]")) {
            EXPECT_TRUE(message.starts_with(kFile.string() + ":")) << message;
        }
    }
}

TEST(JobConfig, CredentialNamesAreFileNames) {
    const std::string message = error_of(job_with("", "password_credential = \"../x\""));
    EXPECT_NE(message.find(":5:1:"), std::string::npos) << message;
    EXPECT_NE(message.find("not a credential name"), std::string::npos) << message;
}

TEST(JobConfig, PasswordFilePathForFilesAndCredentials) {
    auto jobs = parse_text(kSample);
    ASSERT_TRUE(jobs);
    EXPECT_EQ(*password_file_path((*jobs)[0], std::nullopt),
              fs::path("/etc/backup-host/backup.pass"));
    EXPECT_EQ(*password_file_path((*jobs)[1], std::string("/run/credentials/backup-host.service")),
              fs::path("/run/credentials/backup-host.service/backup-password"));
    for (const std::optional<std::string>& unset :
         {std::optional<std::string>(), std::optional<std::string>("")}) {
        auto missing = password_file_path((*jobs)[1], unset);
        ASSERT_FALSE(missing);
        EXPECT_EQ(missing.error().code, certbackup::ErrorCode::invalid_argument);
        EXPECT_NE(missing.error().message.find("$CREDENTIALS_DIRECTORY is not set"),
                  std::string::npos)
            << missing.error().message;
        EXPECT_NE(missing.error().message.find("LoadCredential=backup-password:"),
                  std::string::npos);
        EXPECT_NE(missing.error().message.find("job 'full-system'"), std::string::npos);
    }
    // The environment overload reads $CREDENTIALS_DIRECTORY.
    ::setenv("CREDENTIALS_DIRECTORY", "/run/credentials/x", 1);
    EXPECT_EQ(*password_file_path((*jobs)[1]), fs::path("/run/credentials/x/backup-password"));
    ::unsetenv("CREDENTIALS_DIRECTORY");
    EXPECT_FALSE(password_file_path((*jobs)[1]));
}

TEST(JobConfig, ChecksPluginsAndOptionsAgainstWhatIsInstalled) {
    auto jobs = parse_text(kSample);
    ASSERT_TRUE(jobs);
    const std::vector<KnownPlugin> installed = {
        {"certificates", {"store", "scope", "per_certificate_files", "profile", "iterations"}},
        {"files", {"path", "target", "overwrite"}},
    };
    EXPECT_TRUE(check_job_plugins(std::span<const JobConfig>(*jobs), installed));

    const std::vector<KnownPlugin> only_certificates = {installed[0]};
    auto missing = check_job_plugins(std::span<const JobConfig>(*jobs), only_certificates);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("/etc/backup-host/backup-host.toml:23:28:"),
              std::string::npos)
        << missing.error().message;
    EXPECT_NE(missing.error().message.find(
                  "job 'full-system' names plugin 'files', which is not installed (installed: "
                  "certificates)"),
              std::string::npos)
        << missing.error().message;

    std::vector<KnownPlugin> fewer_options = installed;
    fewer_options[0].options = {"store", "scope", "profile"};
    auto unknown = check_job_plugins((*jobs)[0], fewer_options);
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("backup-host.toml:18:1:"), std::string::npos)
        << unknown.error().message;
    EXPECT_NE(unknown.error().message.find("plugin 'certificates' has no option 'iterations'; "
                                           "its options are: store, scope, profile"),
              std::string::npos)
        << unknown.error().message;
    EXPECT_FALSE(check_job_plugins((*jobs)[0], std::span<const KnownPlugin>()));
}

TEST(JobConfig, ConfigurationHashFollowsBehaviourNotLayout) {
    const std::string base = job_with("schedule = \"0 2 * * *\"\nretention = { keep_last = 3 }");
    auto a = parse_text(base);
    auto moved = parse_text("# a comment\n\n" + base);
    auto reordered = parse_text(
        "[[job]]\nschedule = \"0 2 * * *\"\nretention = { keep_last = 3 }\nname = \"nightly\"\n"
        "location = \"/var/backups/backup-host\"\npassword_file = \"/etc/backup-host/p\"\n"
        "plugins = [\"certificates\"]\n");
    auto changed = parse_text(job_with("schedule = \"0 3 * * *\"\nretention = { keep_last = 3 }"));
    auto retained = parse_text(job_with("schedule = \"0 2 * * *\"\nretention = { keep_last = 4 }"));
    ASSERT_TRUE(a && moved && reordered && changed && retained);
    const std::string hash = configuration_hash(a->front());
    EXPECT_EQ(hash.size(), 64U);
    EXPECT_EQ(hash, configuration_hash(moved->front()));
    EXPECT_EQ(hash, configuration_hash(reordered->front()));
    EXPECT_NE(hash, configuration_hash(changed->front()));
    EXPECT_NE(hash, configuration_hash(retained->front()));
}

}  // namespace
}  // namespace backup_host
