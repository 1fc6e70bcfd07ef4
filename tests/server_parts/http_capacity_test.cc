// The HTTP layer's capacity: ElasticThreadPool starts a thread per waiting connection up to its
// ceiling, and LongPollGate admits long-polls per user and in all.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "server/api/elastic_thread_pool.h"
#include "server/api/long_poll_gate.h"

namespace fastgpu {
namespace {

using std::chrono::milliseconds;

// Jobs that block until released, counting how many run at once.
struct BlockingJobs {
  std::mutex mu;
  std::condition_variable changed;
  int running = 0;
  int finished = 0;
  bool released = false;

  std::function<void()> job() {
    return [this] {
      std::unique_lock lock(mu);
      running += 1;
      changed.notify_all();
      changed.wait(lock, [&] { return released; });
      running -= 1;
      finished += 1;
      changed.notify_all();
    };
  }
  bool wait_running(int count) {
    std::unique_lock lock(mu);
    return changed.wait_for(lock, milliseconds(10'000), [&] { return running == count; });
  }
  void release() {
    std::lock_guard lock(mu);
    released = true;
    changed.notify_all();
  }
};

TEST(ElasticThreadPool, EveryBlockedJobGetsAThreadOfItsOwnBeyondTheWarmOnes) {
  ElasticThreadPool pool(2, 64);
  BlockingJobs jobs;
  for (int i = 0; i < 50; ++i) pool.enqueue(jobs.job());
  EXPECT_TRUE(jobs.wait_running(50));  // a fixed pool of 2 would run 2
  jobs.release();
  pool.shutdown();
  EXPECT_EQ(jobs.finished, 50);
}

TEST(ElasticThreadPool, PastItsCeilingJobsWaitTheirTurnAndAllRun) {
  ElasticThreadPool pool(1, 4);
  BlockingJobs jobs;
  for (int i = 0; i < 10; ++i) pool.enqueue(jobs.job());
  EXPECT_TRUE(jobs.wait_running(4));
  std::this_thread::sleep_for(milliseconds(50));
  {
    std::lock_guard lock(jobs.mu);
    EXPECT_EQ(jobs.running, 4);
  }
  jobs.release();
  pool.shutdown();  // runs what was queued before it returns
  EXPECT_EQ(jobs.finished, 10);
}

TEST(LongPollGate, AUserPastItsShareIsRefusedAndOthersStillEnter) {
  LongPollGate gate(2, 3);
  std::optional<LongPollGate::Pass> a1, a2, a3, b1, b2;
  EXPECT_TRUE(gate.enter("alice", &a1).is_ok());
  EXPECT_TRUE(gate.enter("alice", &a2).is_ok());
  const ApiError alice_full = gate.enter("alice", &a3);
  EXPECT_EQ(alice_full.http_status(), 429);
  EXPECT_NE(alice_full.message().find("user alice"), std::string::npos) << alice_full.message();
  EXPECT_TRUE(gate.enter("bob", &b1).is_ok());
  const ApiError all_full = gate.enter("bob", &b2);  // three in all
  EXPECT_EQ(all_full.http_status(), 429);
  EXPECT_NE(all_full.message().find("holds 3"), std::string::npos) << all_full.message();
  a1.reset();  // one of alice's ends: room for one more, anyone's
  EXPECT_TRUE(gate.enter("bob", &b2).is_ok());
}

TEST(LongPollGate, PassesComeAndGoFromManyThreads) {
  LongPollGate gate(1000, 1000);
  std::vector<std::thread> threads;
  std::atomic<int> refused{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        std::optional<LongPollGate::Pass> pass;
        if (!gate.enter("user" + std::to_string(t % 3), &pass).is_ok()) refused += 1;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(refused, 0);
  std::optional<LongPollGate::Pass> passes[1000];
  for (auto& pass : passes) ASSERT_TRUE(gate.enter("one", &pass).is_ok());  // all were given back
}

}  // namespace
}  // namespace fastgpu
