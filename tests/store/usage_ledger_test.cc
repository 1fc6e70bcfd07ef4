// The store's usage ledger, on every back end: what an ended task attempt or vGPU stretch
// records, and how usage_totals() sums it.

#include <gtest/gtest.h>

#include "store_backends.h"
#include "store_test_util.h"

namespace fastgpu {
namespace {

using testing_util::simple_spec;
using testing_util::transition;

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kT0 = 1'800'000'000 * kSecond;  // an instant in 2027

class UsageLedgerTest : public testing_util::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store_ = open_store();
    ASSERT_NE(store_, nullptr);
  }

  TaskId create(const std::string& owner) {
    TaskId id = 0;
    EXPECT_TRUE(store_->create_task(simple_spec(owner), &id).is_ok());
    return id;
  }

  // Moves task `id` from -> to at `at_s` seconds after kT0, charged to `charge` when given.
  Status move(TaskId id, TaskState from, TaskState to, int64_t at_s,
              std::optional<UsageCharge> charge = std::nullopt) {
    TaskTransition t = transition(id, from, to);
    t.at_us = kT0 + at_s * kSecond;
    t.charge = std::move(charge);
    return store_->transition_task(t);
  }

  std::vector<UsageTotal> totals(int64_t since_s, std::optional<std::string> owner = {}) {
    std::vector<UsageTotal> out;
    UsageQuery query;
    query.since_us = kT0 + since_s * kSecond;
    query.owner = std::move(owner);
    EXPECT_TRUE(store_->usage_totals(query, &out).is_ok());
    return out;
  }

  std::unique_ptr<Store> store_;
};

const UsageCharge kVisionTwoH100{"vision", "H100", 2000, 0};

TEST_P(UsageLedgerTest, AnAttemptThatRanIsChargedItsGpuTimeAndOneEnd) {
  const TaskId id = create("alice");
  ASSERT_TRUE(move(id, TaskState::kPending, TaskState::kRunning, 0).is_ok());
  ASSERT_TRUE(move(id, TaskState::kRunning, TaskState::kSucceeded, 10, kVisionTwoH100).is_ok());

  const std::vector<UsageTotal> expected = {
      {"alice", "vision", "H100", "task", "succeeded", 1, 2000 * 10'000}};
  EXPECT_EQ(totals(-1), expected);
  // Only the time since `since` counts: 2 of its 10 seconds.
  EXPECT_EQ(totals(8).at(0).gpu_milli_ms, 2000 * 2'000);
  EXPECT_TRUE(totals(11).empty()) << "it ended before since";
}

TEST_P(UsageLedgerTest, EndsThatHeldNoSliceAreCountedNotTimed) {
  const TaskId cancelled = create("bob");
  ASSERT_TRUE(
      move(cancelled, TaskState::kPending, TaskState::kCancelled, 5, UsageCharge{"nlp", "", 0, 0})
          .is_ok());
  // Lost while running (timed), then cancelled while waiting to retry (counted only, although
  // the record still carries the attempt's start).
  const TaskId lost = create("bob");
  ASSERT_TRUE(move(lost, TaskState::kPending, TaskState::kRunning, 0).is_ok());
  ASSERT_TRUE(
      move(lost, TaskState::kRunning, TaskState::kLost, 4, UsageCharge{"nlp", "A100", 1000, 0})
          .is_ok());
  ASSERT_TRUE(
      move(lost, TaskState::kLost, TaskState::kCancelled, 9, UsageCharge{"nlp", "A100", 1000, 0})
          .is_ok());

  const std::vector<UsageTotal> expected = {
      {"bob", "nlp", "", "task", "cancelled", 1, 0},
      {"bob", "nlp", "A100", "task", "cancelled", 1, 0},
      {"bob", "nlp", "A100", "task", "lost", 1, 1000 * 4'000},
  };
  EXPECT_EQ(totals(-1), expected);
}

TEST_P(UsageLedgerTest, AChangeWithoutChargeOrRefusedRecordsNothing) {
  const TaskId id = create("alice");
  ASSERT_TRUE(move(id, TaskState::kPending, TaskState::kRunning, 0).is_ok());
  EXPECT_FALSE(move(id, TaskState::kPending, TaskState::kFailed, 1, kVisionTwoH100).is_ok());
  ASSERT_TRUE(move(id, TaskState::kRunning, TaskState::kPreempted, 3).is_ok());
  ASSERT_TRUE(move(id, TaskState::kPreempted, TaskState::kPending, 3, kVisionTwoH100).is_ok());
  EXPECT_TRUE(totals(-1).empty());
}

TEST_P(UsageLedgerTest, ADeletedActiveVgpuIsChargedFromWhenItTookItsGpu) {
  VgpuId placed = 0, waiting = 0;
  ASSERT_TRUE(store_->create_vgpu({"carol", 0, 500, 0}, Placement{0, 1}, &placed).is_ok());
  ASSERT_TRUE(store_->create_vgpu({"carol", 0, 500, 0}, std::nullopt, &waiting).is_ok());
  DeleteVgpu del{placed, "deleted by carol", UsageCharge{"vision", "H100", 500, 0}};
  std::vector<WriteResult> results;
  ASSERT_TRUE(store_->write({del}, &results).is_ok());
  ASSERT_TRUE(results[0].status.is_ok());
  del.id = waiting;  // never held a GPU: nothing to charge
  ASSERT_TRUE(store_->write({del}, &results).is_ok());
  ASSERT_TRUE(results[0].status.is_ok());

  std::vector<UsageTotal> all;
  ASSERT_TRUE(store_->usage_totals(UsageQuery{}, &all).is_ok());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].kind, "vgpu");
  EXPECT_EQ(all[0].state, "deleted");
  EXPECT_EQ(all[0].ends, 1);
  EXPECT_GE(all[0].gpu_milli_ms, 0);
  EXPECT_LT(all[0].gpu_milli_ms, 500 * 60'000) << "created and deleted within a minute";
}

TEST_P(UsageLedgerTest, TotalsFilterByOwnerAndSurviveReopening) {
  for (const char* owner : {"alice", "bob"}) {
    const TaskId id = create(owner);
    ASSERT_TRUE(move(id, TaskState::kPending, TaskState::kRunning, 0).is_ok());
    ASSERT_TRUE(move(id, TaskState::kRunning, TaskState::kFailed, 1, kVisionTwoH100).is_ok());
  }
  store_.reset();
  store_ = open_store();
  ASSERT_NE(store_, nullptr);
  const std::vector<UsageTotal> bobs = totals(-1, "bob");
  ASSERT_EQ(bobs.size(), 1u);
  EXPECT_EQ(bobs[0].owner, "bob");
  EXPECT_EQ(bobs[0].gpu_milli_ms, 2000 * 1'000);
  EXPECT_EQ(totals(-1).size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Backends, UsageLedgerTest, testing_util::all_backends(),
                         testing_util::backend_name);

}  // namespace
}  // namespace fastgpu
