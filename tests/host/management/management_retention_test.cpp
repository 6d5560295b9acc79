// Retention: the pure decision (keep_last, max_age_days, the newest set, other jobs, failed
// sets, non-timestamped jobs), and pruning real sets at a real location.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "host-sdk/management/prune.hpp"
#include "host-sdk/management/retention.hpp"
#include "host-sdk/storage/directory_set_writer.hpp"
#include "host-sdk/storage/set_catalog.hpp"
#include "support/fault_injecting_env.hpp"
#include "support/management_test_support.hpp"
#include "support/storage_test_support.hpp"
#include "support/temp_dir.hpp"

namespace backup_host {
namespace {

namespace fs = std::filesystem;

using testing::utc;

const SystemTime kNow = utc(2026, 6, 30, 12);

RetentionPolicy keep_last(unsigned n) {
    RetentionPolicy policy;
    policy.keep_last = n;
    return policy;
}

RetentionPolicy max_age(unsigned days) {
    RetentionPolicy policy;
    policy.max_age_days = days;
    return policy;
}

RetentionPolicy both(unsigned n, unsigned days) {
    RetentionPolicy policy;
    policy.keep_last = n;
    policy.max_age_days = days;
    return policy;
}

SystemTime days_ago(int days, int hours = 0) {
    return kNow - std::chrono::hours(24 * days + hours);
}

std::vector<std::string> ids(const std::vector<RetentionDecision>& decisions) {
    std::vector<std::string> result;
    for (const RetentionDecision& decision : decisions)
        result.push_back(decision.id);
    return result;
}

const RetentionDecision* find(const std::vector<RetentionDecision>& decisions,
                              const std::string& id) {
    for (const RetentionDecision& decision : decisions)
        if (decision.id == id)
            return &decision;
    return nullptr;
}

// Five sets of job "a", one a day, "a1" the oldest; given in shuffled order.
std::vector<RetentionCandidate> five_days() {
    return {{"a3", days_ago(3), "a"},
            {"a1", days_ago(5), "a"},
            {"a5", days_ago(1), "a"},
            {"a2", days_ago(4), "a"},
            {"a4", days_ago(2), "a"}};
}

TEST(Retention, KeepLastKeepsTheNewest) {
    const RetentionPlan plan = plan_retention(five_days(), "a", keep_last(3), kNow);
    EXPECT_EQ(ids(plan.remove), (std::vector<std::string>{"a1", "a2"}));
    EXPECT_EQ(ids(plan.keep), (std::vector<std::string>{"a3", "a4", "a5"}));
    EXPECT_EQ(find(plan.remove, "a1")->reason, "beyond keep_last = 3 (the 5th newest)");
    EXPECT_EQ(find(plan.remove, "a2")->reason, "beyond keep_last = 3 (the 4th newest)");
    EXPECT_EQ(find(plan.keep, "a5")->reason, "the newest complete set");
}

TEST(Retention, MaxAgeDeletesOlderSets) {
    const std::vector<RetentionCandidate> sets = {{"fresh", days_ago(1), "a"},
                                                  {"edge", days_ago(10), "a"},
                                                  {"old", days_ago(10, 1), "a"},
                                                  {"older", days_ago(20), "a"}};
    const RetentionPlan plan = plan_retention(sets, "a", max_age(10), kNow);
    EXPECT_EQ(ids(plan.remove), (std::vector<std::string>{"older", "old"}));
    EXPECT_EQ(find(plan.remove, "old")->reason, "older than 10 days");
    EXPECT_EQ(ids(plan.keep), (std::vector<std::string>{"edge", "fresh"}));  // exactly 10 days
}

TEST(Retention, EitherRuleDeletes) {
    std::vector<RetentionCandidate> sets = five_days();
    sets.push_back({"a0", days_ago(40), "a"});
    // keep_last 5 alone would delete a0 only; max_age 4 alone a0, a1 (5 days), a2 (4 days is
    // not older than 4 days).
    const RetentionPlan plan = plan_retention(sets, "a", both(5, 4), kNow);
    EXPECT_EQ(ids(plan.remove), (std::vector<std::string>{"a0", "a1"}));
    EXPECT_EQ(find(plan.remove, "a0")->reason,
              "older than 4 days; beyond keep_last = 5 (the 6th newest)");
    const RetentionPlan tighter = plan_retention(sets, "a", both(2, 30), kNow);
    EXPECT_EQ(ids(tighter.remove), (std::vector<std::string>{"a0", "a1", "a2", "a3"}));
}

TEST(Retention, NeverTheNewestCompleteSet) {
    const std::vector<RetentionCandidate> sets = {{"x1", days_ago(400), "a"},
                                                  {"x2", days_ago(200), "a"}};
    const RetentionPlan plan = plan_retention(sets, "a", max_age(90), kNow);
    EXPECT_EQ(ids(plan.remove), std::vector<std::string>{"x1"});
    ASSERT_EQ(ids(plan.keep), std::vector<std::string>{"x2"});
    EXPECT_EQ(plan.keep.front().reason,
              "the newest complete set, kept although older than 90 days");
}

TEST(Retention, NeverASetOfAnotherJob) {
    std::vector<RetentionCandidate> sets = five_days();
    sets.push_back({"b-old", days_ago(300), "b"});
    sets.push_back({"b-new", days_ago(0), "b"});
    const RetentionPlan plan = plan_retention(sets, "a", both(1, 1), kNow);
    EXPECT_EQ(ids(plan.remove), (std::vector<std::string>{"a1", "a2", "a3", "a4"}));
    EXPECT_EQ(ids(plan.keep), std::vector<std::string>{"a5"});
    const RetentionPlan for_b = plan_retention(sets, "b", keep_last(1), kNow);
    EXPECT_EQ(ids(for_b.remove), std::vector<std::string>{"b-old"});
    EXPECT_TRUE(plan_retention(sets, "c", keep_last(1), kNow).remove.empty());
}

TEST(Retention, NoPolicyDeletesNothing) {
    const RetentionPlan plan = plan_retention(five_days(), "a", {}, kNow);
    EXPECT_TRUE(plan.remove.empty());
    EXPECT_EQ(plan.keep.size(), 5U);
    EXPECT_EQ(find(plan.keep, "a1")->reason, "no retention configured");
}

TEST(Retention, FailedSetsAreNeitherCountedNorProtected) {
    const std::vector<RetentionCandidate> sets = {{"c1", days_ago(4), "a", true},
                                                  {"f1", days_ago(3), "a", false},
                                                  {"c2", days_ago(2), "a", true},
                                                  {"c3", days_ago(1), "a", true},
                                                  {"f2", days_ago(0), "a", false}};
    // keep_last 2 keeps c3, c2; c1 is the 3rd newest complete; f1 is older than c2; f2 is newer.
    const RetentionPlan plan = plan_retention(sets, "a", keep_last(2), kNow);
    EXPECT_EQ(ids(plan.remove), (std::vector<std::string>{"c1", "f1"}));
    EXPECT_EQ(ids(plan.keep), (std::vector<std::string>{"c2", "c3", "f2"}));
    // A failed set is never "the newest": max_age removes it while the newest complete stays.
    const std::vector<RetentionCandidate> old = {{"c", days_ago(50), "a", true},
                                                 {"f", days_ago(40), "a", false}};
    const RetentionPlan aged = plan_retention(old, "a", max_age(30), kNow);
    EXPECT_EQ(ids(aged.remove), std::vector<std::string>{"f"});
    EXPECT_EQ(ids(aged.keep), std::vector<std::string>{"c"});
}

TEST(Retention, EqualTimesAreOrderedById) {
    const std::vector<RetentionCandidate> sets = {{"s-b", days_ago(1), "a"},
                                                  {"s-a", days_ago(1), "a"}};
    const RetentionPlan plan = plan_retention(sets, "a", keep_last(1), kNow);
    EXPECT_EQ(ids(plan.remove), std::vector<std::string>{"s-a"});
    EXPECT_EQ(ids(plan.keep), std::vector<std::string>{"s-b"});
}

TEST(Retention, ReplacedSetsOfANonTimestampedJob) {
    std::vector<RetentionCandidate> sets = five_days();
    sets.push_back({"b1", days_ago(9), "b"});
    sets.push_back({"a-new", days_ago(0), "a"});
    auto replaced = sets_replaced_by(sets, "a", "a-new");
    ASSERT_TRUE(replaced) << replaced.error().message;
    EXPECT_EQ(ids(*replaced), (std::vector<std::string>{"a1", "a2", "a3", "a4", "a5"}));
    EXPECT_EQ(replaced->front().reason, "replaced by a-new");
    // Not listed, listed for another job, or not complete: nothing may go.
    for (const auto& [id, job, complete] :
         {std::tuple{"missing", "a", true}, std::tuple{"b1", "a", true},
          std::tuple{"a-new", "a", false}}) {
        std::vector<RetentionCandidate> variant = sets;
        variant.back().complete = complete;
        auto refused = sets_replaced_by(variant, job, id);
        ASSERT_FALSE(refused) << id;
        EXPECT_EQ(refused.error().code, certbackup::ErrorCode::not_found);
        EXPECT_NE(refused.error().message.find("earlier sets are kept"), std::string::npos);
    }
}

// --- pruning real sets ---

class PruneTest : public ::testing::Test {
  protected:
    // Commits a set of `job` created `days` days before kNow; returns its id.
    std::string make_set(const std::string& job, int days) {
        auto writer =
            create_directory_set(StorageIo::posix(), location(),
                                 NewSet{.job = job, .created = days_ago(days), .host = "test"});
        EXPECT_TRUE(writer) << writer.error().message;
        EXPECT_TRUE(testing::write_item(**writer, "files/a.txt", testing::pattern_bytes(100, 1)));
        auto committed = (*writer)->commit(testing::complete_record());
        EXPECT_TRUE(committed) << committed.error().message;
        return (*writer)->set_id();
    }

    std::vector<std::string> listed(const std::string& job = "") {
        auto listing = list_sets(certbackup::Env::posix(), location());
        EXPECT_TRUE(listing);
        std::vector<std::string> result;
        for (const SetSummary& set : listing->sets)
            if (job.empty() || set.record.job() == job)
                result.push_back(set.id);
        return result;
    }

    fs::path location() const { return dir_.path() / "location"; }

    certbackup::testing::TempDir dir_;
};

TEST_F(PruneTest, DeletesWhatRetentionSaysAndNothingElse) {
    std::vector<std::string> a;
    for (int days : {40, 30, 20, 10, 1})
        a.push_back(make_set("a", days));
    const std::vector<std::string> b = {make_set("b", 50), make_set("b", 2)};

    auto dry = prune_job(certbackup::Env::posix(), location(), "a", both(3, 25), kNow, true);
    ASSERT_TRUE(dry) << dry.error().message;
    EXPECT_TRUE(dry->dry_run);
    EXPECT_EQ(ids(dry->plan.remove), (std::vector<std::string>{a[0], a[1]}));
    EXPECT_TRUE(dry->deleted.empty());
    EXPECT_EQ(listed("a").size(), 5U) << "a dry run deleted something";

    auto pruned = prune_job(certbackup::Env::posix(), location(), "a", both(3, 25), kNow, false);
    ASSERT_TRUE(pruned) << pruned.error().message;
    EXPECT_EQ(ids(pruned->deleted), (std::vector<std::string>{a[0], a[1]}));
    EXPECT_TRUE(pruned->failures.empty());
    EXPECT_EQ(listed("a"), (std::vector<std::string>{a[2], a[3], a[4]}));
    EXPECT_EQ(listed("b"), b);
    EXPECT_TRUE(testing::hidden_entries(location()).empty());
}

TEST_F(PruneTest, ASetBeingWrittenIsNeverACandidate) {
    const std::string old = make_set("a", 100);
    const std::string newest = make_set("a", 90);
    auto writing =
        create_directory_set(StorageIo::posix(), location(),
                             NewSet{.job = "a", .created = days_ago(200), .host = "test"});
    ASSERT_TRUE(writing);
    ASSERT_TRUE(testing::write_item(**writing, "files/b.txt", testing::pattern_bytes(10, 2)));

    auto pruned = prune_job(certbackup::Env::posix(), location(), "a", max_age(30), kNow, false);
    ASSERT_TRUE(pruned);
    EXPECT_EQ(ids(pruned->deleted), std::vector<std::string>{old});
    EXPECT_EQ(ids(pruned->plan.keep), std::vector<std::string>{newest});
    // The writer is untouched and still commits.
    ASSERT_TRUE((*writing)->commit(testing::complete_record()));
    EXPECT_EQ(listed("a").size(), 2U);
}

TEST_F(PruneTest, AMissingLocationHasNothingToPrune) {
    auto pruned = prune_job(certbackup::Env::posix(), location(), "a", keep_last(1), kNow, false);
    ASSERT_TRUE(pruned) << pruned.error().message;
    EXPECT_TRUE(pruned->plan.remove.empty());
    EXPECT_TRUE(pruned->plan.keep.empty());
}

TEST_F(PruneTest, AFailedDeletionIsReportedAndTheRestGoesOn) {
    const std::vector<std::string> a = {make_set("a", 5), make_set("a", 4), make_set("a", 3)};
    certbackup::testing::FaultInjectingEnv env;
    env.fail_at(1);  // the rename of the first doomed set
    auto pruned = prune_job(env, location(), "a", keep_last(1), kNow, false);
    ASSERT_TRUE(pruned) << pruned.error().message;
    ASSERT_EQ(pruned->failures.size(), 1U);
    EXPECT_EQ(pruned->failures.front().id, a[0]);
    EXPECT_EQ(ids(pruned->deleted), std::vector<std::string>{a[1]});
    EXPECT_EQ(listed("a"), (std::vector<std::string>{a[0], a[2]}));
    // Run again: the rest goes.
    auto again = prune_job(certbackup::Env::posix(), location(), "a", keep_last(1), kNow, false);
    ASSERT_TRUE(again);
    EXPECT_EQ(ids(again->deleted), std::vector<std::string>{a[0]});
    EXPECT_EQ(listed("a"), std::vector<std::string>{a[2]});
}

TEST_F(PruneTest, ACrashAtAnyStepLeavesEveryListedSetComplete) {
    for (int step = 1;; ++step) {
        certbackup::testing::TempDir dir;
        const fs::path where = dir.path() / "location";
        std::vector<std::string> made;
        for (int days : {9, 8, 7}) {
            auto writer =
                create_directory_set(StorageIo::posix(), where,
                                     NewSet{.job = "a", .created = days_ago(days), .host = "test"});
            ASSERT_TRUE(writer);
            ASSERT_TRUE(testing::write_item(**writer, "x", testing::pattern_bytes(10, 3)));
            ASSERT_TRUE((*writer)->commit(testing::complete_record()));
            made.push_back((*writer)->set_id());
        }
        certbackup::testing::FaultInjectingEnv env;
        env.crash_at(step);
        auto pruned = prune_job(env, where, "a", keep_last(1), kNow, false);
        ASSERT_TRUE(pruned);
        // Every listed set verifies; the newest is always there.
        auto listing = list_sets(certbackup::Env::posix(), where);
        ASSERT_TRUE(listing);
        bool newest_listed = false;
        for (const SetSummary& set : listing->sets) {
            auto reader = open_set_directory(certbackup::Env::posix(), set.path);
            ASSERT_TRUE(reader) << "step " << step << ": " << reader.error().message;
            EXPECT_TRUE((*reader)->verify()) << "step " << step;
            newest_listed = newest_listed || set.id == made.back();
        }
        EXPECT_TRUE(newest_listed) << "step " << step;
        // A later prune finishes the job.
        ASSERT_TRUE(prune_job(certbackup::Env::posix(), where, "a", keep_last(1), kNow, false));
        auto after = list_sets(certbackup::Env::posix(), where);
        ASSERT_EQ(after->sets.size(), 1U) << "step " << step;
        if (pruned->failures.empty())
            break;  // the crash came after the last step
        ASSERT_LT(step, 50) << "the prune never finished";
    }
}

TEST_F(PruneTest, ANonTimestampedRunReplacesTheJobsEarlierSets) {
    const std::string earlier = make_set("a", 2);
    const std::string other = make_set("b", 2);
    const std::string fresh = make_set("a", 0);
    auto replaced = delete_replaced_sets(certbackup::Env::posix(), location(), "a", fresh);
    ASSERT_TRUE(replaced) << replaced.error().message;
    EXPECT_EQ(ids(replaced->deleted), std::vector<std::string>{earlier});
    EXPECT_EQ(listed("a"), std::vector<std::string>{fresh});
    EXPECT_EQ(listed("b"), std::vector<std::string>{other});
    // The new set not there: nothing deleted.
    auto refused =
        delete_replaced_sets(certbackup::Env::posix(), location(), "a", "20260630T120000Z-000000");
    ASSERT_FALSE(refused);
    EXPECT_EQ(listed("a"), std::vector<std::string>{fresh});
}

}  // namespace
}  // namespace backup_host
