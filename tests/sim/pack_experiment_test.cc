#include "sim/pack_experiment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

namespace fastgpu {
namespace {

NodeSpec Node(int gpus) {
  const GpuModelId v100 = *find_gpu_model("V100M16");
  return {"n", 64000, 262144, gpus, v100, gpus ? gpu_model_spec(v100).memory_mib : 0};
}
Task MakeTask(int i, int num_gpu, MilliGpu milli, MilliCpu cpu = 2000) {
  return {std::to_string(i), {cpu, 4096, num_gpu, milli, 0, kAnyGpuModel}};
}

// `n` tasks of half a GPU each.
std::vector<Task> HalfGpuTasks(int n) {
  std::vector<Task> tasks;
  for (int i = 0; i < n; ++i) tasks.push_back(MakeTask(i, 1, 500));
  return tasks;
}

// 24 tasks of every class: CPU-only, shares, one whole GPU, several GPUs.
std::vector<Task> MixedTasks() {
  std::vector<Task> tasks;
  for (int i = 0; i < 24; ++i) {
    const int kind = i % 6;
    if (kind == 0) tasks.push_back(MakeTask(i, 0, 0, 4000));
    if (kind == 1) tasks.push_back(MakeTask(i, 1, 250));
    if (kind == 2) tasks.push_back(MakeTask(i, 1, 600));
    if (kind == 3) tasks.push_back(MakeTask(i, 1, 1000));
    if (kind == 4) tasks.push_back(MakeTask(i, 2, 1000, 8000));
    if (kind == 5) tasks.push_back(MakeTask(i, 1, 100 + 50 * i));
  }
  return tasks;
}

std::vector<NodeSpec> SmallCluster() { return {Node(8), Node(4), Node(4), Node(2), Node(0)}; }

int64_t Demand(const std::vector<const Task*>& order) {
  int64_t sum = 0;
  for (const Task* t : order) sum += t->shape.total_gpu_milli();
  return sum;
}

TEST(PackArrivals, EveryTraceTaskOnceThenClonesUpToTarget) {
  const std::vector<Task> trace = HalfGpuTasks(10);  // 5,000 milli
  Rng rng(3);
  const std::vector<const Task*> order = pack_arrivals(trace, 20000, rng);
  ASSERT_EQ(order.size(), 40u);  // uniform tasks fill the target exactly
  EXPECT_EQ(Demand(order), 20000);
  std::vector<const Task*> head(order.begin(), order.begin() + 10);
  std::sort(head.begin(), head.end());
  for (size_t i = 0; i < trace.size(); ++i) EXPECT_EQ(head[i], &trace[i]);
  for (const Task* t : order) ASSERT_TRUE(t >= trace.data() && t < trace.data() + trace.size());
}

TEST(PackArrivals, NeverExceedsTheTargetWithMixedShapes) {
  const std::vector<Task> trace = MixedTasks();
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Rng rng(seed);
    const std::vector<const Task*> order = pack_arrivals(trace, 23'000, rng);
    EXPECT_LE(Demand(order), 23'000) << "seed " << seed;
    std::map<const Task*, int> seen;
    for (const Task* t : order) ++seen[t];
    EXPECT_EQ(seen.size(), trace.size()) << "seed " << seed;  // every task arrived
  }
}

TEST(PackArrivals, RemovesTasksWhenTheTraceExceedsTheTarget) {
  const std::vector<Task> trace = HalfGpuTasks(10);
  Rng rng(5);
  const std::vector<const Task*> order = pack_arrivals(trace, 2000, rng);
  ASSERT_EQ(order.size(), 4u);
  std::vector<const Task*> distinct(order);
  std::sort(distinct.begin(), distinct.end());
  EXPECT_EQ(std::unique(distinct.begin(), distinct.end()), distinct.end());
}

TEST(PackArrivals, SameSeedSameSequence) {
  const std::vector<Task> trace = MixedTasks();
  Rng a(9), b(9);
  EXPECT_EQ(pack_arrivals(trace, 30000, a), pack_arrivals(trace, 30000, b));
}

PackRun RunPack(const std::string& policy, uint64_t seed, int inflate = 130) {
  PackRun run;
  const Status s = run_pack(SmallCluster(), MixedTasks(), PackOptions{policy, seed, inflate}, &run);
  EXPECT_TRUE(s.is_ok()) << s.message();
  return run;
}

class PackCurve : public testing::TestWithParam<const char*> {};

TEST_P(PackCurve, RisesFromZeroNeverFallsAndStaysBelowArrivedDemand) {
  const PackRun run = RunPack(GetParam(), 42);
  ASSERT_EQ(run.alloc_percent.size(), 131u);
  ASSERT_EQ(run.frag_percent.size(), 131u);
  EXPECT_EQ(run.alloc_percent[0], 0.0);
  for (size_t i = 0; i < run.alloc_percent.size(); ++i) {
    if (i > 0) {  // means of sums in different orders: equal up to rounding
      EXPECT_GE(run.alloc_percent[i], run.alloc_percent[i - 1] - 1e-9) << "point " << i;
    }
    // A point is the mean of samples within ±0.5% of arrived demand (±1.5% when it borrows
    // from its neighbours); allocation cannot run ahead of arrivals nor past capacity.
    EXPECT_LE(run.alloc_percent[i], static_cast<double>(i) + 1.5) << "point " << i;
    EXPECT_LE(run.alloc_percent[i], 100.0) << "point " << i;
    EXPECT_GE(run.frag_percent[i], 0.0) << "point " << i;
    EXPECT_LE(run.frag_percent[i], 100.0) << "point " << i;
  }
  EXPECT_GT(run.alloc_percent.back(), 50.0);
  EXPECT_EQ(run.tasks_arrived, run.tasks_placed + run.tasks_failed);
  EXPECT_GT(run.tasks_failed, 0);  // 130% of capacity cannot all fit
  EXPECT_EQ(run.policy, GetParam());
  EXPECT_EQ(run.seed, 42u);
}

INSTANTIATE_TEST_SUITE_P(Policies, PackCurve,
                         testing::Values("random", "best-fit", "gpu-packing", "fgd"));

TEST(RunPack, PointsFollowInflate) {
  EXPECT_EQ(RunPack("best-fit", 1, 100).alloc_percent.size(), 101u);
  EXPECT_EQ(RunPack("best-fit", 1, 1).alloc_percent.size(), 2u);
}

TEST(RunPack, SameSeedReproducesTheRun) {
  for (const char* policy : {"random", "fgd"}) {
    const PackRun a = RunPack(policy, 7), b = RunPack(policy, 7);
    EXPECT_EQ(a.alloc_percent, b.alloc_percent) << policy;
    EXPECT_EQ(a.frag_percent, b.frag_percent) << policy;
    EXPECT_EQ(a.tasks_placed, b.tasks_placed) << policy;
    EXPECT_EQ(a.tasks_arrived, b.tasks_arrived) << policy;
  }
}

// Runs with one option broken and returns the error message ("" when it did not fail).
std::string PackError(std::span<const NodeSpec> nodes, std::span<const Task> trace,
                      const PackOptions& options) {
  PackRun run;
  const Status s = run_pack(nodes, trace, options, &run);
  EXPECT_EQ(s.is_ok() ? Status::Code::kInvalidArgument : s.code(), Status::Code::kInvalidArgument);
  return s.is_ok() ? "" : s.message();
}

TEST(RunPack, BadOptionsAreErrors) {
  const std::vector<NodeSpec> nodes = SmallCluster();
  const std::vector<Task> trace = MixedTasks();
  EXPECT_NE(PackError(nodes, trace, {"nope", 1, 130}).find("nope"), std::string::npos);
  EXPECT_NE(PackError(nodes, trace, {"fgd", 1, 0}).find("inflate"), std::string::npos);
  EXPECT_NE(PackError(nodes, trace, {"fgd", 1, 1001}).find("inflate"), std::string::npos);
  EXPECT_NE(PackError(nodes, {}, {"fgd", 1, 130}).find("empty"), std::string::npos);
  const std::vector<NodeSpec> cpu_only = {Node(0), Node(0)};
  EXPECT_NE(PackError(cpu_only, trace, {"fgd", 1, 130}).find("no GPU"), std::string::npos);
  EXPECT_NE(PackError({}, trace, {"fgd", 1, 130}).find("no GPU"), std::string::npos);
  const std::vector<Task> cpu_tasks = {MakeTask(0, 0, 0, 4000)};
  EXPECT_NE(PackError(nodes, cpu_tasks, {"fgd", 1, 130}).find("no GPU task"), std::string::npos);
}

TEST(PackArrivals, TraceWithoutGpuTasksArrivesOnceWithoutDraws) {
  const std::vector<Task> cpu_tasks = {MakeTask(0, 0, 0, 4000), MakeTask(1, 0, 0, 2000)};
  Rng rng(1);
  EXPECT_EQ(pack_arrivals(cpu_tasks, 10'000, rng).size(), 2u);
}

}  // namespace
}  // namespace fastgpu
