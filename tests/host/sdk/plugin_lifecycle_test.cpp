// The lifecycle and the services across the boundary, with the probe plugin: the order of
// calls, end_job after every failure, exceptions turned into failures, calls out of order
// refused, cancellation from another thread, options, restore options, actions, secrets.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <backup_host/host.hpp>

#include "support/memory_job_services.hpp"
#include "support/plugin_test_support.hpp"

namespace backup_host {
namespace {

using testing::JobRequest;
using testing::MemoryJobServices;
using testing::run_job;

class PluginLifecycle : public ::testing::Test {
  protected:
    LoadedPlugin probe = testing::load_plugin(testing::fixture_plugin("probe"));
    MemoryJobServices services;

    std::unique_ptr<PluginInstance> create(JobKind kind, const OptionAssignments& given = {}) {
        auto options = validate_options(probe.description(), kind, given);
        EXPECT_TRUE(options) << options.error().message;
        auto instance = probe.create(*options, services);
        EXPECT_TRUE(instance) << instance.error().message;
        return std::move(instance).value();
    }
    std::vector<std::string> calls() const { return services.messages_starting_with("probe: "); }
};

TEST_F(PluginLifecycle, RunsCreateBeginWorkEndDestroyInOrder) {
    ASSERT_TRUE(run_job(probe, {JobKind::backup}, services));
    EXPECT_EQ(calls(),
              (std::vector<std::string>{"probe: create", "probe: begin_job backup", "probe: backup",
                                        "probe: end_job ok", "probe: destroy"}));
    ASSERT_EQ(services.items.size(), 3u);
    EXPECT_EQ(services.items[2].name, "item-2");
    const std::vector<std::uint8_t> expected = {'p', 'r', 'o', 'b', 'e', ' ',
                                                'i', 't', 'e', 'm', ' ', '2'};
    EXPECT_EQ(services.items[2].bytes, expected);
    ASSERT_EQ(services.progress_reports.size(), 3u);
    EXPECT_EQ(services.progress_reports.back().done, 3u);
    EXPECT_EQ(services.progress_reports.back().total, 3u);
    EXPECT_EQ(services.progress_reports.back().unit, "items");
}

TEST_F(PluginLifecycle, EndJobRunsAfterAFailedWorkWithItsStatus) {
    auto done = run_job(probe, {JobKind::backup, {{"fail_at", "work"}}}, services);
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().status, Status::corrupt);
    EXPECT_EQ(done.error().message, "plugin 'probe': probe failed at work on purpose");
    EXPECT_EQ(calls(),
              (std::vector<std::string>{"probe: create", "probe: begin_job backup", "probe: backup",
                                        "probe: end_job corrupt", "probe: destroy"}));
}

TEST_F(PluginLifecycle, TheDestructorEndsAJobTheHostDidNotEnd) {
    auto instance = create(JobKind::verify);
    ASSERT_TRUE(instance->begin_job(JobKind::verify));
    instance.reset();
    EXPECT_EQ(calls(), (std::vector<std::string>{"probe: create", "probe: begin_job verify",
                                                 "probe: end_job failed", "probe: destroy"}));
}

TEST_F(PluginLifecycle, AFailedBeginJobIsNotEnded) {
    auto instance = create(JobKind::backup, {{"fail_at", "begin_job"}});
    auto begun = instance->begin_job(JobKind::backup);
    ASSERT_FALSE(begun);
    EXPECT_EQ(begun.error().message, "plugin 'probe': probe failed at begin_job on purpose");
    auto work = instance->backup();
    ASSERT_FALSE(work);
    EXPECT_EQ(work.error().status, Status::bad_usage);
    instance.reset();
    EXPECT_EQ(calls(), (std::vector<std::string>{"probe: create", "probe: begin_job backup",
                                                 "probe: destroy"}));
}

TEST_F(PluginLifecycle, AFailingEndJobIsReported) {
    auto done = run_job(probe, {JobKind::estimate, {{"fail_at", "end_job"}}}, services);
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().message, "plugin 'probe': probe failed at end_job on purpose");
}

TEST_F(PluginLifecycle, ExceptionsInThePluginBecomeFailures) {
    const struct {
        const char* kind;
        const char* message;
    } cases[] = {
        {"exception", "plugin 'probe': unexpected error: probe threw at work"},
        {"bad_alloc", "plugin 'probe': out of memory"},
        {"foreign_exception",
         "plugin 'probe': unexpected error (an exception that is not a std::exception)"},
    };
    for (const auto& c : cases) {
        MemoryJobServices fresh;
        auto done =
            run_job(probe, {JobKind::verify, {{"fail_at", "work"}, {"fail_with", c.kind}}}, fresh);
        ASSERT_FALSE(done) << c.kind;
        EXPECT_EQ(done.error().status, Status::failed) << c.kind;
        EXPECT_EQ(done.error().message, c.message);
        EXPECT_EQ(fresh.messages_starting_with("probe: end_job"),
                  std::vector<std::string>{"probe: end_job failed"})
            << c.kind;
    }
}

TEST_F(PluginLifecycle, CallsOutOfOrderAreRefusedBeforeReachingThePlugin) {
    auto instance = create(JobKind::backup);
    auto early = instance->backup();
    ASSERT_FALSE(early);
    EXPECT_EQ(early.error().status, Status::bad_usage);
    EXPECT_EQ(early.error().message,
              "plugin 'probe': a backup call needs a running backup job (begin_job first)");
    ASSERT_TRUE(instance->begin_job(JobKind::backup));
    auto second_job = instance->begin_job(JobKind::backup);
    ASSERT_FALSE(second_job);
    EXPECT_EQ(second_job.error().message,
              "plugin 'probe': an instance runs one job; create another instance for the next");
    EXPECT_FALSE(instance->verify());
    ASSERT_TRUE(instance->backup());
    auto again = instance->backup();
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().message, "plugin 'probe': a job does its work once");
    ASSERT_TRUE(instance->end_job(Status::ok));
    EXPECT_FALSE(instance->end_job(Status::ok));
    EXPECT_EQ(calls().size(), 4u) << "create, begin_job, backup, end_job: nothing more";
}

TEST_F(PluginLifecycle, AJobKindThePluginDoesNotSupportIsRefused) {
    auto backup_only = testing::load_plugin(testing::fixture_plugin("duplicate_a"));
    auto instance = backup_only.create(OptionValues(), services);
    ASSERT_TRUE(instance);
    auto begun = (*instance)->begin_job(JobKind::restore);
    ASSERT_FALSE(begun);
    EXPECT_EQ(begun.error().status, Status::bad_usage);
    EXPECT_EQ(begun.error().message,
              "plugin 'duplicate': it does not support restore jobs (it supports: backup)");
}

TEST_F(PluginLifecycle, ItemServicesAreOnlyOfferedToTheirJobKinds) {
    ASSERT_TRUE(run_job(probe, testing::action_job("misuse", {}), services));
    EXPECT_EQ(services.output, "refused: bad_usage: begin_item is not available in action jobs\n");
    EXPECT_TRUE(services.items.empty());
}

TEST_F(PluginLifecycle, AnItemLeftOpenFailsTheBackup) {
    auto done = run_job(probe, {JobKind::backup, {{"leave_open", "true"}}}, services);
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().status, Status::failed);
    EXPECT_EQ(done.error().message,
              "plugin 'probe': the backup ended with item 'item-0' still open");
}

// Sets the cancellation flag from another thread once the first item has been written.
class CancelAfterFirstWrite {
  public:
    explicit CancelAfterFirstWrite(MemoryJobServices& services)
        : canceller_([this, &services] {
              first_write_.get_future().wait();
              services.cancellation.request();
          }) {
        services.on_write = [this] {
            if (!signalled_) {
                signalled_ = true;
                first_write_.set_value();
            }
        };
    }
    ~CancelAfterFirstWrite() {
        if (!signalled_)
            first_write_.set_value();  // no write happened: let the thread finish
        canceller_.join();
    }

  private:
    std::promise<void> first_write_;
    bool signalled_ = false;
    std::thread canceller_;
};

// A probe backup with the bool `option` set, cancelled from another thread after its first
// write: it must end cancelled with `message`, and end_job must learn the outcome.
void expect_cancelled_after_first_write(const LoadedPlugin& probe, MemoryJobServices& services,
                                        const std::string& option, const std::string& message) {
    Result<void> done;
    {
        CancelAfterFirstWrite cancel(services);
        done = run_job(probe, {JobKind::backup, {{option, "true"}}}, services);
    }
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().status, Status::cancelled);
    EXPECT_EQ(done.error().message, message);
    EXPECT_EQ(services.messages_starting_with("probe: end_job"),
              std::vector<std::string>{"probe: end_job cancelled"});
}

TEST_F(PluginLifecycle, CancellationFromAnotherThreadStopsAPollingPlugin) {
    expect_cancelled_after_first_write(probe, services, "until_cancelled",
                                       "plugin 'probe': probe stopped: cancelled");
}

TEST_F(PluginLifecycle, CancellationStopsAPluginThatNeverPolls) {
    expect_cancelled_after_first_write(probe, services, "ignore_cancel",
                                       "plugin 'probe': cancelled");
}

TEST_F(PluginLifecycle, OptionsArriveTypedWithDefaults) {
    auto options =
        validate_options(probe.description(), JobKind::backup,
                         {{"count", "5"}, {"verbose", "Yes"}, {"dir", "rel/dir"}, {"count", "6"}});
    ASSERT_TRUE(options) << options.error().message;
    EXPECT_EQ(options->integer("count"), 6) << "the last value wins";
    EXPECT_EQ(options->boolean("verbose"), true);
    EXPECT_EQ(options->find("verbose")->text, "true");
    EXPECT_EQ(options->path("dir"), std::filesystem::current_path() / "rel/dir");
    ASSERT_NE(options->find("fail_at"), nullptr);
    EXPECT_TRUE(options->find("fail_at")->is_default);
    EXPECT_EQ(options->text("fail_at"), "nowhere");
    EXPECT_FALSE(options->find("count")->is_default);
    EXPECT_FALSE(options->has("into")) << "a restore option is not part of a backup";
    ASSERT_TRUE(run_job(probe, {JobKind::backup, {{"count", "5"}}}, services));
    EXPECT_EQ(services.items.size(), 5u);
}

TEST_F(PluginLifecycle, OptionMistakesAreBadUsageThatSaysWhatIsAccepted) {
    const struct {
        JobKind kind;
        OptionAssignments given;
        const char* message;
    } cases[] = {
        {JobKind::backup,
         {{"colour", "red"}},
         "plugin 'probe' has no option 'colour'; its options are: fail_at, fail_with, count, "
         "verbose, dir, until_cancelled, ignore_cancel, leave_open, into, overwrite, only"},
        {JobKind::backup,
         {{"into", "/x"}},
         "option 'into' of plugin 'probe' is not used by backup jobs (only by: restore)"},
        {JobKind::backup,
         {{"count", "12x"}},
         "option 'count' of plugin 'probe' is a whole number, not '12x'"},
        {JobKind::backup,
         {{"count", "99999999999999999999"}},
         "option 'count' of plugin 'probe' is a whole number, not '99999999999999999999'"},
        {JobKind::backup,
         {{"verbose", "maybe"}},
         "option 'verbose' of plugin 'probe' is true or false, not 'maybe'"},
        {JobKind::restore,
         {{"overwrite", "merge"}},
         "option 'overwrite' of plugin 'probe' accepts skip or replace, not 'merge'"},
        {JobKind::backup,
         {{"fail_at", "later"}},
         "option 'fail_at' of plugin 'probe' accepts nowhere, create, begin_job, work or "
         "end_job, not 'later'"},
        {JobKind::backup,
         {{"dir", ""}},
         "option 'dir' of plugin 'probe' needs a path, not an empty value"},
    };
    for (const auto& c : cases) {
        auto options = validate_options(probe.description(), c.kind, c.given);
        ASSERT_FALSE(options) << c.message;
        EXPECT_EQ(options.error().status, Status::bad_usage);
        EXPECT_EQ(options.error().message, c.message);
    }
    EXPECT_EQ(parse_assignment("select=a=b").value(),
              (std::pair<std::string, std::string>("select", "a=b")));
    EXPECT_EQ(parse_assignment("=x").error().message,
              "'=x' is not an option assignment: write KEY=VALUE");
}

TEST_F(PluginLifecycle, RestoreOptionsAreBuiltFromTheOptionRoles) {
    auto options = validate_options(
        probe.description(), JobKind::restore,
        {{"into", "/restore/here"}, {"overwrite", "replace"}, {"only", " a, b/c ,,d "}});
    ASSERT_TRUE(options) << options.error().message;
    const RestoreOptions restore = restore_options_for(probe.description(), *options, true);
    EXPECT_EQ(restore.target, std::filesystem::path("/restore/here"));
    EXPECT_EQ(restore.overwrite, Overwrite::replace);
    EXPECT_TRUE(restore.dry_run);
    EXPECT_EQ(restore.selection, (std::vector<std::string>{"a", "b/c", "d"}));

    services.items.push_back({"one", {'1'}, 1, testing::checksum(std::vector<std::uint8_t>{'1'})});
    ASSERT_TRUE(run_job(probe,
                        {JobKind::restore,
                         {{"into", "/restore/here"}, {"overwrite", "replace"}, {"only", "a,b"}},
                         true},
                        services));
    EXPECT_EQ(services.output,
              "target=/restore/here overwrite=replace dry_run=true selection=a|b\none 1\n");

    MemoryJobServices defaults;
    ASSERT_TRUE(run_job(probe, {JobKind::restore}, defaults));
    EXPECT_EQ(defaults.output, "target=(none) overwrite=skip dry_run=false selection=\n");
}

TEST_F(PluginLifecycle, ADamagedItemFailsTheReadWithTheHostsMessage) {
    services.items.push_back(
        {"one", {'1', '2'}, 2, testing::checksum(std::vector<std::uint8_t>{'1', '3'})});
    auto done = run_job(probe, {JobKind::verify}, services);
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().status, Status::corrupt);
    EXPECT_EQ(done.error().message,
              "plugin 'probe': item 'one' is damaged: its digest does not match the set record");
}

TEST_F(PluginLifecycle, ActionsGetTheirArgumentsAndWriteOutputAndAResult) {
    ASSERT_TRUE(run_job(probe, testing::action_job("echo", {"hello", "plugin world"}), services));
    EXPECT_EQ(services.output, "hello plugin world\n");
    EXPECT_EQ(services.result, "{\"args\":2}");
    EXPECT_EQ(calls()[2], "probe: action echo");

    auto unknown = run_job(probe, testing::action_job("dance", {}), services);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().status, Status::bad_usage);
    EXPECT_EQ(unknown.error().message,
              "plugin 'probe': it has no action 'dance' (its actions: echo, secret, ask, misuse)");
}

TEST_F(PluginLifecycle, TheSecretReachesThePluginOnlyThroughTheHost) {
    auto none = run_job(probe, testing::action_job("secret", {}), services);
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().status, Status::not_found);
    EXPECT_EQ(none.error().message,
              "plugin 'probe': this job has no password: give one with --password-file, "
              "--password-fd or --password-stdin");
    MemoryJobServices with_password;
    with_password.password = "correct horse";
    ASSERT_TRUE(run_job(probe, testing::action_job("secret", {}), with_password));
    EXPECT_EQ(with_password.output, "secret of 13 bytes\n");
}

TEST_F(PluginLifecycle, ConfirmationNeedsATerminal) {
    auto no_terminal = run_job(probe, testing::action_job("ask", {"delete?"}), services);
    ASSERT_FALSE(no_terminal);
    EXPECT_EQ(no_terminal.error().status, Status::unsupported);
    EXPECT_EQ(no_terminal.error().message,
              "plugin 'probe': cannot ask for confirmation: standard input is not a terminal");
    MemoryJobServices terminal;
    terminal.confirmation = true;
    ASSERT_TRUE(run_job(probe, testing::action_job("ask", {"delete?"}), terminal));
    EXPECT_EQ(terminal.output, "yes\n");
}

TEST_F(PluginLifecycle, EstimateComesBack) {
    auto instance = create(JobKind::estimate, {{"count", "4"}});
    ASSERT_TRUE(instance->begin_job(JobKind::estimate));
    auto estimate = instance->estimate();
    ASSERT_TRUE(estimate) << estimate.error().message;
    EXPECT_EQ(estimate->items, 4u);
    EXPECT_EQ(estimate->bytes, 40u);
    EXPECT_TRUE(instance->end_job(Status::ok));
}

}  // namespace
}  // namespace backup_host
