// LaunchWorker: real processes started on its threads, outcomes in order with one thread and
// each exactly once with several, close() drains.

#include "runtime/launch_worker.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/process_supervisor.h"

namespace fastgpu {
namespace {

// Collects the outcomes a worker delivers.
class Outcomes {
 public:
  LaunchWorker::Deliver sink() {
    return [this](LaunchOutcome outcome) {
      std::lock_guard lock(mu_);
      outcomes_.push_back(std::move(outcome));
    };
  }
  std::vector<LaunchOutcome> taken() {
    std::lock_guard lock(mu_);
    return outcomes_;
  }

 private:
  std::mutex mu_;
  std::vector<LaunchOutcome> outcomes_;
};

LaunchJob job(int64_t tag, std::vector<std::string> argv) {
  LaunchJob j;
  j.tag = tag;
  j.spec.argv = std::move(argv);
  return j;
}

TEST(LaunchWorkerTest, StartsEveryJobInOrderAndCloseDeliversTheQueuedOnes) {
  Outcomes outcomes;
  LaunchWorker worker(outcomes.sink());
  for (int64_t tag = 1; tag <= 20; ++tag) ASSERT_TRUE(worker.enqueue(job(tag, {"true"})));
  worker.close();
  const std::vector<LaunchOutcome> got = outcomes.taken();
  ASSERT_EQ(got.size(), 20u);
  ProcessSupervisor supervisor;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].tag, static_cast<int64_t>(i + 1));
    ASSERT_TRUE(got[i].status.is_ok()) << got[i].status.message();
    supervisor.hold_child(got[i].process.identity);
  }
  // Nobody reaped them before they were held: each end is reported with its status.
  size_t ended = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (ended < got.size() && std::chrono::steady_clock::now() < deadline) {
    for (const ProcessExit& exit : supervisor.poll_exits()) {
      EXPECT_TRUE(exit.status_known);
      EXPECT_EQ(exit.exit_code, 0);
      ++ended;
    }
  }
  EXPECT_EQ(ended, got.size());
}

TEST(LaunchWorkerTest, AFailedLaunchIsDeliveredWithItsReason) {
  Outcomes outcomes;
  LaunchWorker worker(outcomes.sink());
  ASSERT_TRUE(worker.enqueue(job(7, {"fastgpu-no-such-program"})));
  worker.close();
  const std::vector<LaunchOutcome> got = outcomes.taken();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].tag, 7);
  EXPECT_EQ(got[0].status.code(), Status::Code::kNotFound);
  EXPECT_NE(got[0].status.message().find("fastgpu-no-such-program"), std::string::npos);
}

// Reaps every process in `launched` (each is a `true`), so no test leaves zombies behind.
void reap_all(const std::vector<LaunchOutcome>& launched) {
  for (const LaunchOutcome& outcome : launched) {
    if (outcome.status.is_ok()) ::waitpid(outcome.process.identity.pid, nullptr, 0);
  }
}

TEST(LaunchWorkerTest, SeveralThreadsStartEveryJobOnceAndSideBySide) {
  Outcomes outcomes;
  std::atomic<int> inside{0};
  std::atomic<int> most_inside{0};
  LaunchWorker worker(
      [&](LaunchOutcome outcome) {
        // Each outcome is held here a while on its launching thread: with several threads, another
        // launch delivers meanwhile.
        const int now = ++inside;
        int seen = most_inside.load();
        while (now > seen && !most_inside.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        --inside;
        outcomes.sink()(std::move(outcome));
      },
      /*threads=*/3);
  for (int64_t tag = 1; tag <= 30; ++tag) ASSERT_TRUE(worker.enqueue(job(tag, {"true"})));
  worker.close();
  std::vector<LaunchOutcome> got = outcomes.taken();
  reap_all(got);
  ASSERT_EQ(got.size(), 30u);
  std::vector<int64_t> tags;
  for (const LaunchOutcome& outcome : got) {
    EXPECT_TRUE(outcome.status.is_ok()) << outcome.status.message();
    tags.push_back(outcome.tag);
  }
  std::sort(tags.begin(), tags.end());
  for (int64_t tag = 1; tag <= 30; ++tag) EXPECT_EQ(tags[tag - 1], tag);
  EXPECT_GE(most_inside.load(), 2) << "no two launches ever overlapped";
}

TEST(LaunchWorkerTest, NothingIsQueuedAfterClose) {
  Outcomes outcomes;
  LaunchWorker worker(outcomes.sink());
  worker.close();
  EXPECT_FALSE(worker.enqueue(job(1, {"true"})));
  worker.close();  // idempotent
  EXPECT_TRUE(outcomes.taken().empty());
}

}  // namespace
}  // namespace fastgpu
