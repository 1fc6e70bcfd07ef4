// The queue engine with a fake clock (numbers passed in) and a real ledger, no daemon: order,
// backfill with patience, fair share, quotas, aging, preemption and reclaim, pending reasons.

#include "sched/queue/queue_engine.h"

#include <gtest/gtest.h>

#include <map>

#include "ledger_host.h"

namespace fastgpu {
namespace {

constexpr int64_t kSecond = 1'000'000;

QueueRules Rules(int64_t patience_s = 10, int64_t aging_s = 0) {
  return {patience_s * kSecond, aging_s * kSecond, 1000};
}

QueueEntry Entry(uint64_t id, double gpus, int32_t priority = 0, int64_t at_us = 0,
                 int32_t project = 0, std::string user = "u") {
  QueueEntry e;
  e.id = id;
  e.priority = priority;
  e.project = project;
  e.user = std::move(user);
  e.enqueued_us = at_us;
  e.shape = gpu_shape(gpus);
  e.gpu_milli = e.shape.total_gpu_milli();
  return e;
}

std::vector<ProjectRules> OneProject() { return {ProjectRules{.name = "default"}}; }

TEST(QueueEngine, PriorityThenFifoWithinAUser) {
  LedgerHost host(gpu_nodes(1, 2));
  QueueEngine engine(Rules(), OneProject());
  engine.push(Entry(1, 1, 0));
  engine.push(Entry(2, 1, 5));
  engine.push(Entry(3, 1, 0));
  engine.pass(0, host);
  EXPECT_EQ(host.started(), (std::vector<uint64_t>{2, 1}));
  EXPECT_EQ(engine.reason(3), PendingReason::kResources);
  host.end(2, engine);
  engine.pass(1, host);
  EXPECT_EQ(host.started().back(), 3u);
  EXPECT_EQ(engine.size(), 0u);
}

TEST(QueueEngine, BackfillPassesAHeadUntilItsPatienceEnds) {
  LedgerHost host(gpu_nodes(1, 4));
  QueueEngine engine(Rules(/*patience_s=*/10), OneProject());
  engine.push(Entry(1, 3, 0, 0));  // takes 3 of 4 GPUs
  engine.pass(0, host);
  engine.push(Entry(2, 2, 0, 1 * kSecond));  // does not fit
  engine.push(Entry(3, 1, 0, 1 * kSecond));  // fits: backfilled past 2
  engine.pass(1 * kSecond, host);
  EXPECT_TRUE(host.running(3));
  EXPECT_EQ(engine.reason(2), PendingReason::kResources);
  host.end(3, engine);
  // Task 2 has now waited past its patience: task 4, which would fit, must not pass it.
  engine.push(Entry(4, 1, 0, 12 * kSecond));
  engine.pass(12 * kSecond, host);
  EXPECT_FALSE(host.running(4));
  EXPECT_EQ(engine.reason(4), PendingReason::kHeldForHead);
  host.end(1, engine);
  engine.pass(13 * kSecond, host);
  EXPECT_TRUE(host.running(2));
  EXPECT_TRUE(host.running(4));
}

TEST(QueueEngine, ABackfillWindowBoundsOnePass) {
  LedgerHost host(gpu_nodes(1, 1));
  QueueEngine engine({10 * kSecond, 0, /*backfill_window=*/3}, OneProject());
  engine.push(Entry(1, 1));
  engine.pass(0, host);
  for (uint64_t id = 2; id < 8; ++id) engine.push(Entry(id, 0.5 + 0.01 * double(id)));
  engine.pass(0, host);
  EXPECT_EQ(engine.reason(2), PendingReason::kResources);
  EXPECT_EQ(engine.reason(5), PendingReason::kResources);
  EXPECT_EQ(engine.reason(7), PendingReason::kPriority);  // past the window: not examined
}

// 8 GPUs, vision (share 3) and nlp (share 1): once both wait, GPUs go 6 to 2.
TEST(QueueEngine, ProjectsShareGpusByWeight) {
  LedgerHost host(gpu_nodes(1, 8));
  QueueEngine engine(Rules(), {{.name = "vision", .share = 3}, {.name = "nlp", .share = 1}});
  uint64_t id = 1;
  for (int i = 0; i < 40; ++i) engine.push(Entry(id++, 1, 0, 0, 0, "alice"));
  engine.pass(0, host);
  EXPECT_EQ(engine.shares().held_gpu_milli(0), 8000);
  for (int i = 0; i < 40; ++i) engine.push(Entry(id++, 1, 0, kSecond, 1, "bob"));
  for (int round = 0; round < 20; ++round) {
    // The oldest running task ends, one pass follows.
    host.end(host.started()[static_cast<size_t>(round)], engine);
    engine.pass(2 * kSecond + round, host);
  }
  EXPECT_EQ(engine.shares().held_gpu_milli(0), 6000);
  EXPECT_EQ(engine.shares().held_gpu_milli(1), 2000);
}

TEST(QueueEngine, UsersOfAProjectShareItEqually) {
  LedgerHost host(gpu_nodes(1, 4));
  QueueEngine engine(Rules(), OneProject());
  for (uint64_t id = 1; id <= 10; ++id) engine.push(Entry(id, 1, 0, 0, 0, "carol"));
  for (uint64_t id = 11; id <= 20; ++id) engine.push(Entry(id, 1, 0, 0, 0, "dan"));
  engine.pass(0, host);
  EXPECT_EQ(engine.shares().held_by_user(0, "carol"), 2000);
  EXPECT_EQ(engine.shares().held_by_user(0, "dan"), 2000);
}

TEST(QueueEngine, AProjectNeverHoldsMoreThanItsMaxGpus) {
  LedgerHost host(gpu_nodes(1, 8));
  QueueEngine engine(Rules(), {{.name = "capped", .max_gpu_milli = 2000}});
  for (uint64_t id = 1; id <= 5; ++id) engine.push(Entry(id, 1));
  engine.pass(0, host);
  EXPECT_EQ(engine.shares().held_gpu_milli(0), 2000);
  EXPECT_EQ(engine.reason(3), PendingReason::kQuota);
  EXPECT_EQ(engine.reason(5), PendingReason::kQuota);
}

TEST(QueueEngine, MaxRunningCountsTasks) {
  LedgerHost host(gpu_nodes(1, 8));
  QueueEngine engine(Rules(), {{.name = "few", .max_running = 3}});
  for (uint64_t id = 1; id <= 5; ++id) engine.push(Entry(id, 0.1));
  engine.pass(0, host);
  EXPECT_EQ(host.started().size(), 3u);
  EXPECT_EQ(engine.reason(4), PendingReason::kQuota);
}

TEST(QueueEngine, AnAgedTaskGoesFirstWhateverItsPriority) {
  LedgerHost host(gpu_nodes(1, 1));
  QueueEngine engine(Rules(/*patience_s=*/1000, /*aging_s=*/60), OneProject());
  engine.push(Entry(1, 1, 0, 0));
  engine.pass(0, host);                               // 1 runs
  engine.push(Entry(2, 1, /*priority=*/0, kSecond));  // low priority, waits
  // Higher-priority work keeps arriving; each time the GPU frees, it would win.
  uint64_t next = 3;
  for (int64_t t = 10; t < 60; t += 10) {
    engine.push(Entry(next++, 1, 5, t * kSecond));
    host.end(host.started().back(), engine);
    engine.pass(t * kSecond, host);
    EXPECT_NE(host.started().back(), 2u);
  }
  engine.push(Entry(next++, 1, 5, 61 * kSecond));
  host.end(host.started().back(), engine);
  engine.pass(61 * kSecond + 1, host);  // task 2 has waited 60 s: it goes first
  EXPECT_EQ(host.started().back(), 2u);
}

TEST(QueueEngine, PriorityPreemptionStopsOnlyVictimsThatMakeRoom) {
  // Node 0 has 1 GPU, node 1 has 2; a 2-GPU task must not preempt the task on node 0.
  std::vector<NodeSpec> nodes = gpu_nodes(1, 1);
  nodes.push_back(gpu_nodes(1, 2)[0]);
  LedgerHost host(nodes);
  QueueEngine engine(Rules(), OneProject());
  engine.push(Entry(1, 1, 0));
  engine.push(Entry(2, 1, 0));
  engine.push(Entry(3, 1, 0));
  engine.pass(0, host);
  ASSERT_EQ(host.started().size(), 3u);
  engine.push(Entry(4, 2, 10));
  engine.pass(1, host);
  ASSERT_EQ(host.preempted().size(), 2u);
  for (uint64_t victim : host.preempted()) {
    EXPECT_EQ(engine.shares().find(victim)->node, 1u) << victim;
  }
  EXPECT_EQ(engine.reason(4), PendingReason::kPreempting);
  host.end_preempted(engine);
  engine.pass(2, host);
  EXPECT_TRUE(host.running(4));
}

TEST(QueueEngine, RoomIsMadeForEachWaitingTaskOnceWithDistinctVictims) {
  LedgerHost host(gpu_nodes(1, 2));
  QueueEngine engine(Rules(), OneProject());
  engine.push(Entry(1, 1, 0));
  engine.push(Entry(2, 1, 0));
  engine.pass(0, host);
  engine.push(Entry(3, 1, 10));
  engine.push(Entry(4, 1, 10));
  engine.pass(1, host);
  EXPECT_EQ(host.preempted().size(), 2u);  // one victim each, in the same pass
  engine.pass(2, host);                    // victims still stopping: no more
  EXPECT_EQ(host.preempted().size(), 2u);
  EXPECT_EQ(engine.reason(4), PendingReason::kPreempting);
  host.end_preempted(engine);
  engine.pass(3, host);
  EXPECT_TRUE(host.running(3));
  EXPECT_TRUE(host.running(4));
}

// While victims stop, only their node is kept for the task they stop for: other tasks start on
// other nodes meanwhile, and none (not even one ordered ahead) takes the room being made.
TEST(QueueEngine, RoomBeingMadeFencesOnlyTheVictimsNode) {
  std::vector<NodeSpec> nodes = gpu_nodes(1, 2);  // node 0: 2 GPUs, node 1: 1 GPU
  nodes.push_back(gpu_nodes(1, 1)[0]);
  LedgerHost host(nodes);
  QueueEngine engine(Rules(), OneProject());
  for (uint64_t id : {1, 2, 3}) engine.push(Entry(id, 1, 0));
  engine.pass(0, host);
  ASSERT_EQ(host.started().size(), 3u);
  uint64_t on_small_node = 0;
  for (uint64_t id : {1, 2, 3}) {
    if (engine.shares().find(id)->node == 1) on_small_node = id;
  }
  engine.push(Entry(4, 2, 10));  // fits only on node 0, once both of its tasks stop
  engine.pass(1, host);
  ASSERT_EQ(host.preempted().size(), 2u);
  host.end(on_small_node, engine);  // node 1 frees up while the victims still stop
  engine.push(Entry(5, 1, 0));
  engine.pass(2, host);
  ASSERT_TRUE(host.running(5)) << "a task that fits elsewhere waited for the victims";
  EXPECT_EQ(engine.shares().find(5)->node, 1u);
  EXPECT_EQ(engine.reason(4), PendingReason::kPreempting);
  host.end_preempted(engine);    // the victims are gone: node 0 is free, and fenced for 4
  engine.push(Entry(6, 1, 20));  // ordered ahead of 4, and would fit on node 0
  engine.pass(3, host);
  ASSERT_TRUE(host.running(4));
  EXPECT_EQ(engine.shares().find(4)->node, 0u);
  EXPECT_FALSE(host.running(6));
  EXPECT_EQ(host.preempted().back(), 5u) << "6 makes room of its own, on node 1";
}

TEST(QueueEngine, ATaskStartedForItsAgeIsNotPreemptedByPriority) {
  LedgerHost host(gpu_nodes(1, 1));
  QueueEngine engine(Rules(/*patience_s=*/1000, /*aging_s=*/60), OneProject());
  engine.push(Entry(1, 1, 0, 0));
  engine.push(Entry(2, 1, 0, 0));
  engine.pass(0, host);  // 1 runs, 2 waits
  host.end(1, engine);
  engine.pass(61 * kSecond, host);  // 2 starts, aged
  engine.push(Entry(3, 1, 10, 61 * kSecond));
  engine.pass(62 * kSecond, host);
  EXPECT_TRUE(host.running(2));
  EXPECT_TRUE(host.preempted().empty());
}

TEST(QueueEngine, NoPreemptionAcrossProjectsByPriority) {
  LedgerHost host(gpu_nodes(1, 1));
  QueueEngine engine(Rules(), {{.name = "a"}, {.name = "b"}});
  engine.push(Entry(1, 1, 0, 0, /*project=*/1, "bob"));
  engine.pass(0, host);
  engine.push(Entry(2, 1, 1'000'000, 0, /*project=*/0, "alice"));
  engine.pass(1, host);
  EXPECT_TRUE(host.preempted().empty());  // bob's task is not preemptible
}

TEST(QueueEngine, AProjectBelowItsShareReclaimsPreemptibleTasks) {
  LedgerHost host(gpu_nodes(1, 8));
  QueueEngine engine(Rules(), {{.name = "vision", .share = 3}, {.name = "nlp", .share = 1}});
  for (uint64_t id = 1; id <= 8; ++id) {
    QueueEntry e = Entry(id, 1, 0, 0, 0, "alice");
    e.preemptible = true;
    engine.push(e);
  }
  engine.pass(0, host);
  for (uint64_t id = 11; id <= 14; ++id) engine.push(Entry(id, 1, 0, kSecond, 1, "bob"));
  for (int i = 0; i < 4; ++i) {
    engine.pass(kSecond + i, host);
    host.end_preempted(engine);
  }
  engine.pass(2 * kSecond, host);
  EXPECT_EQ(engine.shares().held_gpu_milli(1), 2000);  // its share, no more
  EXPECT_EQ(engine.shares().held_gpu_milli(0), 6000);
  EXPECT_EQ(host.preempted().size(), 2u);
  EXPECT_NE(host.last_preempt_reason().find("nlp"), std::string::npos);
  // The newest of alice's tasks went.
  EXPECT_EQ(host.preempted(), (std::vector<uint64_t>{8, 7}));
}

TEST(QueueEngine, AHeadOfAnotherProjectHoldsByFairShare) {
  LedgerHost host(gpu_nodes(1, 2));
  QueueEngine engine(Rules(/*patience_s=*/0), {{.name = "a"}, {.name = "b"}});
  engine.push(Entry(1, 1, 0, 0, /*project=*/1, "y"));
  EXPECT_EQ(engine.reason(1), PendingReason::kNone);  // no pass has seen it
  engine.pass(0, host);
  engine.push(Entry(2, 2, 0, 0, /*project=*/0, "x"));  // a holds nothing: its head goes first
  engine.push(Entry(3, 1, 0, 0, /*project=*/1, "y"));
  engine.push(Entry(4, 1, 0, 0, /*project=*/0, "x"));
  engine.pass(0, host);
  EXPECT_EQ(engine.reason(2), PendingReason::kResources);
  EXPECT_EQ(engine.reason(4), PendingReason::kHeldForHead);  // behind its own project's head
  EXPECT_EQ(engine.reason(3), PendingReason::kFairShare);    // behind a project below its share
  EXPECT_FALSE(host.running(3));
}

TEST(QueueEngine, RegroupingMovesHoldingsAndWaitingEntriesToTheNewProjects) {
  LedgerHost host(gpu_nodes(1, 2));
  const std::vector<ProjectRules> two = {ProjectRules{.name = "a"}, ProjectRules{.name = "b"}};
  QueueEngine engine(Rules(), two);
  engine.push(Entry(1, 2, 0, 0, /*project=*/0, "alice"));
  engine.pass(0, host);
  engine.push(Entry(2, 1, 0, 1, /*project=*/1, "bob"));
  engine.pass(1, host);
  ASSERT_EQ(engine.shares().held_gpu_milli(0), 2000);
  ASSERT_EQ(engine.queued_in(1), 1u);
  // The new file has a project "c" first and puts alice and bob together in "b".
  const std::vector<ProjectRules> three = {ProjectRules{.name = "c"}, ProjectRules{.name = "a"},
                                           ProjectRules{.name = "b", .max_gpu_milli = 2000}};
  engine.regroup(three, [](const std::string& user) { return user == "carol" ? 0 : 2; });
  EXPECT_EQ(engine.shares().project_count(), 3u);
  EXPECT_EQ(engine.shares().held_gpu_milli(2), 2000);
  EXPECT_EQ(engine.shares().held_gpu_milli(0), 0);
  EXPECT_EQ(engine.queued_in(2), 1u);
  EXPECT_EQ(engine.queued_in(1), 0u);
  // Alice's task ends: bob's may start, within b's new limit.
  host.end(1, engine);
  engine.pass(2, host);
  EXPECT_TRUE(host.running(2));
  EXPECT_EQ(engine.find(2), nullptr);
}

// Project 0 held all 4 GPUs for 100 s; then both projects wait with a task that needs every
// GPU. With a usage half-life the one that used less recently goes first; without, neither
// holds anything now and the tie goes to the first project.
uint64_t FirstStartedAfterPastUse(int64_t half_life_s) {
  LedgerHost host(gpu_nodes(1, 4));
  QueueRules rules = Rules();
  rules.usage_half_life_us = half_life_s * kSecond;
  QueueEngine engine(rules, {ProjectRules{.name = "a"}, ProjectRules{.name = "b"}});
  for (uint64_t id = 1; id <= 4; ++id) engine.push(Entry(id, 1, 0, 0, 0, "alice"));
  engine.pass(0, host);
  engine.pass(100 * kSecond, host);
  for (uint64_t id = 1; id <= 4; ++id) host.end(id, engine);
  engine.push(Entry(5, 4, 0, 100 * kSecond, 0, "alice"));
  engine.push(Entry(6, 4, 0, 100 * kSecond, 1, "bob"));
  engine.pass(101 * kSecond, host);
  EXPECT_EQ(host.started().size(), 5u);
  return host.started().back();
}

TEST(QueueEngine, WithAUsageHalfLifeRecentUseCountsInFairShare) {
  EXPECT_EQ(FirstStartedAfterPastUse(/*half_life_s=*/0), 5u);
  EXPECT_EQ(FirstStartedAfterPastUse(/*half_life_s=*/10), 6u);
}

TEST(QueueEngine, RecentUseDecaysWithItsHalfLife) {
  ShareBook book({ProjectRules{.name = "a"}});
  Holding held;
  held.id = 1;
  held.gpu_milli = 4000;
  book.hold(held);
  book.age_recent_use(10 * kSecond, 10 * kSecond);  // one half-life at 4 GPUs
  EXPECT_NEAR(book.recent_use(0), 2000, 1);
  book.release(1);
  book.age_recent_use(10 * kSecond, 10 * kSecond);  // one more with none
  EXPECT_NEAR(book.recent_use(0), 1000, 1);
  EXPECT_NEAR(book.load(0), 1000, 1);
}

// On one node of 4 GPUs and 64 cores, project a runs one GPU with `a_cores` cores, project b
// two GPUs with a core each; then each waits with a task of one GPU and a core, and one GPU is
// left. Returns who gets it.
uint64_t WhoGetsTheLastGpu(int64_t a_cores) {
  LedgerHost host(gpu_nodes(1, 4));
  QueueEngine engine(Rules(), {ProjectRules{.name = "a"}, ProjectRules{.name = "b"}});
  QueueEntry heavy = Entry(1, 1, 0, 0, 0, "alice");
  heavy.shape.cpu_milli = a_cores * 1000;
  engine.push(heavy);
  engine.push(Entry(2, 1, 0, 0, 1, "bob"));
  engine.push(Entry(3, 1, 0, 0, 1, "bob"));
  engine.pass(0, host);
  EXPECT_EQ(host.started().size(), 3u);
  engine.push(Entry(4, 1, 0, 1, 0, "alice"));
  engine.push(Entry(5, 1, 0, 1, 1, "bob"));
  engine.pass(1, host);
  EXPECT_EQ(host.started().size(), 4u);
  return host.started().back();
}

TEST(QueueEngine, WhenCpuBindsTheDominantShareDecides) {
  // CPU plentiful: a holds fewer GPUs, it goes first.
  EXPECT_EQ(WhoGetsTheLastGpu(10), 4u);
  // a holds 60 of 64 cores: CPU binds, a's dominant share (94% of the CPU) is above b's (half
  // the GPUs), so b goes first.
  EXPECT_EQ(WhoGetsTheLastGpu(60), 5u);
}

// CPU binds: r holds 1 GPU and 55 of 64 cores, v 7 GPUs with a core each (preemptible). By
// GPUs r is below its half and v above, but in dominant share r (0.86) is ahead of v (0.88 of
// the GPUs, 0.75 once one went): taking a GPU from v would only give v the lower load and the
// GPU back. Nothing is reclaimed.
TEST(QueueEngine, NoReclaimFromAProjectThatWouldThenComeFirst) {
  LedgerHost host(gpu_nodes(1, 8));
  QueueEngine engine(Rules(), {{.name = "r"}, {.name = "v"}});
  QueueEntry heavy = Entry(1, 1, 0, 0, 0, "rita");
  heavy.shape.cpu_milli = 55'000;
  engine.push(heavy);
  for (uint64_t id = 2; id <= 8; ++id) {
    QueueEntry e = Entry(id, 1, 0, 0, 1, "vic");
    e.preemptible = true;
    engine.push(e);
  }
  engine.pass(0, host);
  ASSERT_EQ(host.started().size(), 8u);
  engine.push(Entry(9, 1, 0, kSecond, 0, "rita"));
  engine.pass(kSecond, host);
  EXPECT_TRUE(host.preempted().empty());
  EXPECT_EQ(engine.reason(9), PendingReason::kResources);
}

}  // namespace
}  // namespace fastgpu
