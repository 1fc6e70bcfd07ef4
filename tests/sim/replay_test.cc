#include "sim/replay.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sched/policy_registry.h"
#include "sim/replay_report.h"

namespace fastgpu {
namespace {

NodeSpec Node(int gpus) {
  const GpuModelId v100 = *find_gpu_model("V100M16");
  return {"n", 64000, 262144, gpus, v100, gpu_model_spec(v100).memory_mib};
}

// A task of `num_gpu` GPUs (or a share `milli` of one) living from `created` to `deleted`.
Task MakeTask(std::string name, int num_gpu, MilliGpu milli, int64_t created, int64_t deleted) {
  Task t{std::move(name), {2000, 4096, num_gpu, milli, 0, kAnyGpuModel}};
  t.creation_time = created;
  t.deletion_time = deleted;
  return t;
}
Task Gpus(std::string name, int num_gpu, int64_t created, int64_t deleted) {
  return MakeTask(std::move(name), num_gpu, kMilliPerGpu, created, deleted);
}

ReplayRun Replay(const std::vector<NodeSpec>& nodes, const std::vector<Task>& trace,
                 std::string policy = "best-fit", bool backfill = true, int64_t interval = 3600,
                 uint64_t seed = 42) {
  ReplayRun run;
  const Status s = run_replay(nodes, trace, {std::move(policy), seed, interval, backfill}, &run);
  EXPECT_TRUE(s.is_ok()) << s.message();
  return run;
}

// Two nodes of one GPU. A and B fill them from 0; C arrives at 10 and waits for B (gone at 50).
std::vector<Task> WaitForB() {
  return {Gpus("A", 1, 0, 100), Gpus("B", 1, 0, 50), Gpus("C", 1, 10, 40)};
}

TEST(Replay, TaskWaitsForADepartureWithTheExactDelay) {
  for (std::string_view policy : policy_names()) {
    SCOPED_TRACE(policy);
    const ReplayRun run = Replay({Node(1), Node(1)}, WaitForB(), std::string(policy));
    EXPECT_EQ(run.tasks_placed, 3);
    EXPECT_EQ(run.tasks_infeasible, 0);
    EXPECT_EQ(run.tasks_still_queued, 0);
    EXPECT_EQ(run.delay.max, 40);  // C: arrived 10, started 50
    EXPECT_DOUBLE_EQ(run.delay.mean, 40.0 / 3);
    EXPECT_EQ(run.delay.p50, 0);
    EXPECT_EQ(run.delay.p99, 40);
    EXPECT_EQ(run.start_time, 0);
    EXPECT_EQ(run.end_time, 100);  // C ran 50..80, A until 100
    EXPECT_EQ(run.makespan(), 100);
    // 2 GPUs busy over 0..80, 1 over 80..100.
    EXPECT_DOUBLE_EQ(run.mean_alloc_percent, 90.0);
  }
}

TEST(Replay, SeriesShowsStateAfterTheEventsAtEachSample) {
  const ReplayRun run = Replay({Node(1), Node(1)}, WaitForB(), "best-fit", true, 25);
  ASSERT_EQ(run.series.size(), 5u);  // 0, 25, 50, 75, 100
  const int64_t queued[] = {0, 1, 0, 0, 0}, running[] = {2, 2, 2, 2, 0};
  const double alloc[] = {100, 100, 100, 100, 0};
  for (size_t i = 0; i < run.series.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(run.series[i].time, static_cast<int64_t>(25 * i));
    EXPECT_EQ(run.series[i].queued, queued[i]);
    EXPECT_EQ(run.series[i].running, running[i]);
    EXPECT_DOUBLE_EQ(run.series[i].alloc_percent, alloc[i]);
  }
}

// Two nodes of two GPUs. A takes a node, B one GPU of the other. C (2 GPUs) arrives at 10 and
// cannot fit until B leaves at 50; D (1 GPU) arrives at 20 and fits B's neighbour at once.
std::vector<Task> BlockedHead() {
  return {Gpus("A", 2, 0, 100), Gpus("B", 1, 0, 50), Gpus("C", 2, 10, 20), Gpus("D", 1, 20, 30)};
}

TEST(Replay, BackfillStartsTasksBehindABlockedHead) {
  for (std::string_view policy : policy_names()) {
    SCOPED_TRACE(policy);
    const ReplayRun run = Replay({Node(2), Node(2)}, BlockedHead(), std::string(policy), true, 10);
    EXPECT_EQ(run.tasks_placed, 4);
    EXPECT_DOUBLE_EQ(run.delay.mean, 10.0);  // C waits 40 (10 -> 50), D none
    EXPECT_EQ(run.delay.max, 40);
    EXPECT_EQ(run.series[2].queued, 1);  // t = 20: D started, C still waits
    EXPECT_EQ(run.series[2].running, 3);
  }
}

TEST(Replay, StrictFifoKeepsTasksBehindTheBlockedHead) {
  for (std::string_view policy : policy_names()) {
    SCOPED_TRACE(policy);
    const ReplayRun run = Replay({Node(2), Node(2)}, BlockedHead(), std::string(policy), false, 10);
    EXPECT_EQ(run.tasks_placed, 4);
    // C starts at 50 on B's node; D then waits for C to leave at 60: both wait 40.
    EXPECT_DOUBLE_EQ(run.delay.mean, 20.0);
    EXPECT_EQ(run.delay.p50, 0);
    EXPECT_EQ(run.delay.max, 40);
    EXPECT_EQ(run.series[2].queued, 2);
    EXPECT_EQ(run.series[5].queued, 1);  // t = 50: C started, D blocked on capacity now
    EXPECT_EQ(run.series[6].queued, 0);  // t = 60: C left, D started
    EXPECT_EQ(run.end_time, 100);
  }
}

TEST(Replay, InfeasibleTasksAreCountedAndDropped) {
  for (bool backfill : {true, false}) {
    SCOPED_TRACE(backfill);
    std::vector<Task> trace = BlockedHead();
    trace.push_back(Gpus("too-wide", 4, 15, 25));  // no node has 4 GPUs
    Task wrong_model = Gpus("wrong-model", 1, 15, 25);
    wrong_model.shape.allowed_models = model_bit(*find_gpu_model("T4"));
    trace.push_back(wrong_model);
    const ReplayRun run = Replay({Node(2), Node(2)}, trace, "best-fit", backfill);
    EXPECT_EQ(run.tasks_total, 6);
    EXPECT_EQ(run.tasks_placed, 4);
    EXPECT_EQ(run.tasks_infeasible, 2);  // even behind a blocked head
    EXPECT_EQ(run.tasks_still_queued, 0);
  }
}

TEST(Replay, UtilizationIsWeightedByTime) {
  // Half a GPU over 0..30, a whole GPU over 10..40, on 2 GPUs:
  // (500·10 + 1500·20 + 1000·10) / (2000·40) = 56.25%.
  const std::vector<Task> trace = {MakeTask("X", 1, 500, 0, 30), Gpus("Y", 1, 10, 40)};
  const ReplayRun run = Replay({Node(1), Node(1)}, trace);
  EXPECT_DOUBLE_EQ(run.mean_alloc_percent, 56.25);
  EXPECT_EQ(run.makespan(), 40);
  EXPECT_EQ(run.delay.max, 0);
}

TEST(Replay, TasksStillWaitingWhenTheTraceEndsAreNeverPlaced) {
  // Both nodes busy until 100; B, C, D (2 GPUs each) wait. The trace ends at 105 (B's
  // deletion): at 100 B and C start, D is still queued when the next event (110) is past it.
  const std::vector<Task> trace = {Gpus("A1", 2, 0, 100), Gpus("A2", 2, 0, 100),
                                   Gpus("B", 2, 10, 105), Gpus("C", 2, 20, 30),
                                   Gpus("D", 2, 20, 30)};
  const ReplayRun run = Replay({Node(2), Node(2)}, trace);
  EXPECT_EQ(run.tasks_placed, 4);
  EXPECT_EQ(run.tasks_still_queued, 1);
  EXPECT_EQ(run.tasks_infeasible, 0);
  EXPECT_EQ(run.end_time, 195);  // B runs 100..195, past the trace's end
  EXPECT_EQ(run.delay.max, 90);
  EXPECT_DOUBLE_EQ(run.delay.mean, 42.5);
}

TEST(Replay, ZeroDurationTaskIsPlacedAndHoldsNothing) {
  const std::vector<Task> trace = {Gpus("A", 1, 0, 10), Gpus("Z", 1, 5, 5)};
  const ReplayRun run = Replay({Node(1), Node(1)}, trace, "best-fit", true, 5);
  EXPECT_EQ(run.tasks_placed, 2);
  EXPECT_EQ(run.series[1].running, 1);
  EXPECT_DOUBLE_EQ(run.mean_alloc_percent, 50.0);
}

// 60 tasks of mixed shapes arriving over time on a small cluster, so that many queue.
std::vector<Task> BusyTrace() {
  std::vector<Task> trace;
  for (int i = 0; i < 60; ++i) {
    const int kind = i % 4;
    const int64_t created = 7 * i, deleted = created + 50 + 13 * (i % 5);
    if (kind == 0) trace.push_back(MakeTask(std::to_string(i), 1, 300, created, deleted));
    if (kind == 1) trace.push_back(Gpus(std::to_string(i), 1, created, deleted));
    if (kind == 2) trace.push_back(Gpus(std::to_string(i), 2, created, deleted));
    if (kind == 3) trace.push_back(MakeTask(std::to_string(i), 1, 700, created, deleted));
  }
  return trace;
}

TEST(Replay, ReproducibleForASeed) {
  const std::vector<NodeSpec> nodes = {Node(2), Node(2)};
  for (std::string_view policy : {"random", "fgd", "best-fit"}) {
    SCOPED_TRACE(policy);
    const ReplayRun a = Replay(nodes, BusyTrace(), std::string(policy), true, 10, 7);
    const ReplayRun b = Replay(nodes, BusyTrace(), std::string(policy), true, 10, 7);
    EXPECT_GT(a.delay.max, 0);  // the trace does queue
    EXPECT_EQ(a.tasks_placed, b.tasks_placed);
    EXPECT_EQ(a.end_time, b.end_time);
    EXPECT_EQ(a.delay.mean, b.delay.mean);
    EXPECT_EQ(a.mean_alloc_percent, b.mean_alloc_percent);
    EXPECT_EQ(replay_csv({a}), replay_csv({b}));
  }
}

TEST(Replay, EveryFeasibleTaskIsPlacedWhenTheQueueCanDrain) {
  for (bool backfill : {true, false}) {
    const std::vector<Task> trace = BusyTrace();
    const ReplayRun run = Replay({Node(2), Node(2)}, trace, "fgd-balanced", backfill);
    EXPECT_EQ(run.tasks_placed + run.tasks_still_queued, 60);
    EXPECT_GE(run.end_time, trace.back().deletion_time);
  }
}

TEST(Replay, RefusesTracesWithoutTimesAndBadOptions) {
  const std::vector<NodeSpec> nodes = {Node(1), Node(1)};
  ReplayRun run;
  std::vector<Task> no_times = {Gpus("A", 1, -1, -1)};
  Status s = run_replay(nodes, no_times, {"best-fit"}, &run);
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("11-column"), std::string::npos) << s.message();
  EXPECT_FALSE(run_replay(nodes, {}, {"best-fit"}, &run).is_ok());
  EXPECT_FALSE(run_replay(nodes, WaitForB(), {"nope"}, &run).is_ok());
  EXPECT_FALSE(run_replay(nodes, WaitForB(), {"best-fit", 42, 0}, &run).is_ok());
  EXPECT_EQ(run.tasks_total, 0);  // untouched
}

TEST(SummarizeDelays, NearestRank) {
  std::vector<int64_t> delays;
  for (int64_t d = 100; d >= 1; --d) delays.push_back(d);
  const DelayStats s = summarize_delays(delays);
  EXPECT_DOUBLE_EQ(s.mean, 50.5);
  EXPECT_EQ(s.p50, 50);
  EXPECT_EQ(s.p99, 99);
  EXPECT_EQ(s.max, 100);
  const DelayStats none = summarize_delays({});
  EXPECT_EQ(none.max, 0);
  EXPECT_EQ(summarize_delays({7}).p99, 7);
}

}  // namespace
}  // namespace fastgpu
