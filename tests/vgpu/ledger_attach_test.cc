// Many processes attaching to one vGPU's ledger at once, and the ledger's accounting in-process.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "shim_fixture.h"
#include "vgpu/compute_budget.h"
#include "vgpu/vgpu_ledger.h"

namespace fastgpu::vgpu::testing {
namespace {

class Ledger : public ShimTest {
 protected:
  std::unique_ptr<VgpuLedger> attach(const std::string& id, uint64_t limit) {
    VgpuConfig config;
    config.vgpu_id = id;
    config.memory_limit = limit;
    std::string error;
    auto ledger = VgpuLedger::attach(config, &error);
    EXPECT_NE(ledger, nullptr) << error;
    return ledger;
  }
};

TEST_F(Ledger, ReservesUpToTheLimitExactly) {
  auto ledger = attach(unique("v"), 1000);
  EXPECT_TRUE(ledger->try_reserve(600));
  EXPECT_TRUE(ledger->try_reserve(400));
  EXPECT_FALSE(ledger->try_reserve(1));
  ledger->release(1);
  EXPECT_TRUE(ledger->try_reserve(1));
  EXPECT_EQ(ledger->memory_used(), 1000u);
  ledger->detach();
  EXPECT_EQ(ledger->memory_used(), 0u);
}

TEST_F(Ledger, FirstProcessSetsTheLimit) {
  const std::string id = unique("v");
  auto first = attach(id, 1000);
  auto second = attach(id, 5000);
  EXPECT_EQ(second->memory_limit(), 1000u);
  EXPECT_EQ(first->attached_processes(), 2);
}

TEST_F(Ledger, ReapsAProcessThatDiedHoldingMemory) {
  const std::string id = unique("v");
  auto ledger = attach(id, 1000);
  const pid_t child = fork();
  if (child == 0) {
    auto in_child = attach(id, 1000);
    _exit(in_child != nullptr && in_child->try_reserve(700) ? 0 : 1);  // never detaches
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(ledger->memory_used(), 700u);
  EXPECT_TRUE(ledger->try_reserve(500));  // over the limit only while the dead child counts
  EXPECT_EQ(ledger->memory_used(), 500u);
}

TEST_F(Ledger, ThreadsReservingAtOnceNeverPassTheLimit) {
  auto ledger = attach(unique("v"), 10'000);
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20'000; ++i) {
        const uint64_t bytes = 1 + (i * 7 + t) % 900;
        if (!ledger->try_reserve(bytes)) {
          refused.fetch_add(1);
          continue;
        }
        EXPECT_LE(ledger->memory_used(), 10'000u);
        ledger->release(bytes);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ledger->memory_used(), 0u);
}

TEST(ComputeBudget, ThreadsSpendingAtOnceLoseNothing) {
  BudgetCell cell{};
  ComputeBudget budget(&cell, 1000);
  const int64_t now = 10'000'000'000;
  cell.state.store(now);  // paid up to `now`: no credit, no debt
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) budget.charge(2);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(budget.balance(now), -80'000);
}

TEST(ComputeBudget, SpendsCreditThenWaitsForATurnsCredit) {
  BudgetCell cell{};
  ComputeBudget budget(&cell, 250);
  const int64_t t0 = 10'000'000'000;
  const int64_t window_credit = kBudgetWindowNs / 4;  // an idle vGPU holds a window's credit
  EXPECT_EQ(budget.try_spend(1'000'000, t0), 0);
  EXPECT_EQ(budget.balance(t0), window_credit - 1'000'000);
  // A launch is let through while there is credit, even one that runs into debt...
  EXPECT_EQ(budget.try_spend(window_credit + 5'000'000, t0), 0);
  EXPECT_EQ(budget.balance(t0), -6'000'000);
  // ...then, while others want the GPU, the vGPU waits for the debt and a turn's credit,
  // earned at 250 milli: (1 - 0.25) of a cycle, since it earns the rest while it runs.
  const int64_t wait = budget.try_spend(1, t0);
  EXPECT_EQ(wait, 6'000'000 * 4 + kTurnCycleNs * 3 / 4);
  EXPECT_GT(budget.try_spend(1, t0 + wait - 2), 0);
  EXPECT_EQ(budget.try_spend(1, t0 + wait), 0);
}

TEST(ComputeBudget, AloneOnTheGpuWaitsOnlyForTheDebt) {
  BudgetCell cell{};
  ComputeBudget budget(&cell, 250);
  const int64_t t0 = 10'000'000'000;
  EXPECT_EQ(budget.try_spend(kBudgetWindowNs / 4 + 1'000'000, t0, false), 0);
  EXPECT_EQ(budget.try_spend(1, t0, false), 4'000'000);
}

TEST(ComputeBudget, RefundsAndSavesAtMostAWindow) {
  BudgetCell cell{};
  ComputeBudget budget(&cell, 500);
  const int64_t t0 = 10'000'000'000;
  EXPECT_EQ(budget.balance(t0), kBudgetWindowNs / 2);
  budget.charge(2'000'000);
  EXPECT_EQ(budget.balance(t0), kBudgetWindowNs / 2);  // still capped: the idle credit was more
  budget.try_spend(kBudgetWindowNs / 2, t0);
  budget.charge(-1'000'000);
  EXPECT_EQ(budget.balance(t0), 1'000'000);
}

TEST_F(Ledger, TwoHundredFiftySixProcessesAttachAtOnce) {
  const std::string id = unique("v");
  const AttachReport report = attach_many(setup_, id, 256);
  EXPECT_EQ(report.succeeded, 256);
  std::printf(
      "256 attaching processes: slowest init %.3f ms, all ready %.1f ms after the first spawn\n",
      report.slowest_init_ns / 1e6, report.all_ready_ns / 1e6);
  auto ledger = attach(id, 0);
  EXPECT_EQ(ledger->attached_processes(), 1);  // all 256 detached at exit
}

}  // namespace
}  // namespace fastgpu::vgpu::testing
