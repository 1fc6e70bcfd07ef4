// Every placement policy on small hand-worked clusters, through the Placer and a ledger.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/capacity_ledger.h"
#include "core/rng.h"
#include "sched/placer.h"
#include "sched/policy_registry.h"

namespace fastgpu {
namespace {

NodeSpec Node(int gpus, MilliCpu cpu = 64000, std::string_view model = "V100M16") {
  const GpuModelId id = *find_gpu_model(model);
  return {"n", cpu, 262144, gpus, id, gpu_model_spec(id).memory_mib};
}
TaskShape Share(MilliGpu milli, MilliCpu cpu = 1000) {
  return {cpu, 1024, 1, milli, 0, kAnyGpuModel};
}
TaskShape Whole(int gpus, MilliCpu cpu = 1000) {
  return {cpu, 1024, gpus, kMilliPerGpu, 0, kAnyGpuModel};
}
TaskShape CpuOnly(MilliCpu cpu) { return {cpu, 1024, 0, 0, 0, kAnyGpuModel}; }
TaskShape OnlyOn(TaskShape shape, std::string_view model) {
  shape.allowed_models = model_bit(*find_gpu_model(model));
  return shape;
}

// A node and how much of each of its GPUs is already taken (one share task per used GPU).
struct NodeSetup {
  NodeSpec spec;
  std::vector<MilliGpu> used;
};
NodeSetup Busy(std::vector<MilliGpu> used, MilliCpu cpu = 64000) {
  return {Node(static_cast<int>(used.size()), cpu), std::move(used)};
}

CapacityLedger MakeLedger(const std::vector<NodeSetup>& setups) {
  std::vector<NodeSpec> specs;
  for (const NodeSetup& s : setups) specs.push_back(s.spec);
  CapacityLedger ledger(std::move(specs));
  for (NodeIndex n = 0; n < setups.size(); ++n) {
    for (size_t g = 0; g < setups[n].used.size(); ++g) {
      if (setups[n].used[g] == 0) continue;
      EXPECT_TRUE(ledger.allocate(Share(setups[n].used[g]), {n, GpuMask{1} << g}).is_ok());
    }
  }
  return ledger;
}

// A workload of `count` tasks of each given shape.
std::vector<Task> Workload(const std::vector<std::pair<TaskShape, int>>& types) {
  std::vector<Task> tasks;
  for (const auto& [shape, count] : types) {
    for (int i = 0; i < count; ++i) tasks.push_back({std::to_string(tasks.size()), shape});
  }
  return tasks;
}

std::unique_ptr<PlacementPolicy> Policy(std::string_view name,
                                        const std::vector<Task>& workload = {}) {
  std::string error;
  auto policy = make_policy(name, PolicyContext{TypicalWorkload::from_tasks(workload)}, &error);
  EXPECT_TRUE(policy) << error;
  return policy;
}

// A hand-worked case: on `cluster`, `policy` must put `shape` at `expected` whatever the seed.
struct HandWorked {
  const char* label;
  const char* policy;
  std::vector<NodeSetup> cluster;
  TaskShape shape;
  Placement expected;
  std::vector<std::pair<TaskShape, int>> workload;
};

void PrintTo(const HandWorked& c, std::ostream* os) { *os << c.label; }

class PolicyChoice : public testing::TestWithParam<HandWorked> {};

TEST_P(PolicyChoice, PicksTheHandWorkedNodeAndGpus) {
  const HandWorked& c = GetParam();
  const CapacityLedger ledger = MakeLedger(c.cluster);
  const std::vector<Task> workload = Workload(c.workload);
  for (uint64_t seed = 1; seed <= 8; ++seed) {  // a unique best: the tie-break order is moot
    Placer placer(ledger, Policy(c.policy, workload), seed);
    const PlaceDecision d = placer.decide(c.shape);
    ASSERT_EQ(d.outcome, PlaceOutcome::kPlaced) << "seed " << seed;
    EXPECT_EQ(d.placement.node, c.expected.node) << "seed " << seed;
    EXPECT_EQ(d.placement.gpus, c.expected.gpus) << "seed " << seed;
  }
}

const std::vector<std::pair<TaskShape, int>> kWholeGpuWorkload = {{Whole(1), 10}};
const std::vector<std::pair<TaskShape, int>> kHalfGpuWorkload = {{Share(500), 10}};

// Scores worked by hand are in the comments, node by node.
INSTANTIATE_TEST_SUITE_P(
    Policies, PolicyChoice,
    testing::Values(
        // best-fit: leftover ½·cpu/128 + ½·gpu/8 -> 53, 67 (node 2 cannot fit); GPU 2 has the
        // least free share (600) that holds 500.
        HandWorked{"BestFitFullerNodeTightestGpu",
                   "best-fit",
                   {Busy({0, 0, 0, 0}), Busy({1000, 700, 400, 0}), Busy({800})},
                   Share(500),
                   {1, 0b0100},
                   {}},
        // dot-product: idle 8-GPU node dot 1 -> 50; half-used node dot .73 -> 63.
        HandWorked{"DotProductLeastAlignedNode",
                   "dot-product",
                   {Busy({0, 0, 0, 0, 0, 0, 0, 0}, 128000),
                    Busy({1000, 1000, 1000, 1000, 0, 0, 0, 0}, 128000)},
                   Whole(4, 64000),
                   {1, 0xF0},
                   {}},
        // gpu-packing bands: idle node 29, idle GPU of a used node 49, partly used GPU 93.
        HandWorked{"GpuPackingPartlyUsedGpuFirst",
                   "gpu-packing",
                   {Busy({0, 0, 0, 0}), Busy({300, 0, 0, 0}), Busy({1000, 0, 0, 0})},
                   Share(500),
                   {1, 0b0001},
                   {}},
        HandWorked{"GpuPackingIdleGpuOfUsedNodeBeforeIdleNode",
                   "gpu-packing",
                   {Busy({0, 0, 0, 0}), Busy({1000, 0, 0, 0})},
                   Share(500),
                   {1, 0b0010},
                   {}},
        HandWorked{"GpuPackingWholeGpusOnUsedNode",
                   "gpu-packing",
                   {Busy({0, 0, 0, 0}), Busy({500, 0, 0, 0})},
                   Whole(2),
                   {1, 0b0110},
                   {}},
        // gpu-clustering: idle node 25; node of shares 1+75 for a share, 1 for a whole GPU;
        // node of whole GPUs 3 for a share, 3+75 for a whole GPU.
        HandWorked{"GpuClusteringShareJoinsShares",
                   "gpu-clustering",
                   {Busy({0, 0, 0, 0, 0, 0, 0, 0}), Busy({500, 0, 0, 0, 0, 0, 0, 0}),
                    Busy({1000, 0, 0, 0, 0, 0, 0, 0})},
                   Share(300),
                   {1, 0b0001},
                   {}},
        HandWorked{"GpuClusteringWholeJoinsWholes",
                   "gpu-clustering",
                   {Busy({0, 0, 0, 0, 0, 0, 0, 0}), Busy({500, 0, 0, 0, 0, 0, 0, 0}),
                    Busy({1000, 0, 0, 0, 0, 0, 0, 0})},
                   Whole(1),
                   {2, 0b0010},
                   {}},
        // Whole-GPU workload: breaking node 0's idle GPU adds 700 of fragment (score 33);
        // node 1's half-free GPU loses 300 of fragment (57). best-fit prefers the small node.
        HandWorked{"FgdKeepsIdleGpuWhole",
                   "fgd",
                   {Busy({0}, 8000), Busy({500, 1000, 1000, 1000})},
                   Share(300),
                   {1, 0b0001},
                   kWholeGpuWorkload},
        HandWorked{"BestFitBreaksIdleGpu",
                   "best-fit",
                   {Busy({0}, 8000), Busy({500, 1000, 1000, 1000})},
                   Share(300),
                   {0, 0b0001},
                   {}},
        // Half-GPU workload on free [700, 500]: 200 on GPU 0 leaves [500, 500], no fragment
        // (50); on GPU 1 it leaves an unusable 300 (42). best-fit takes the tighter GPU 1.
        HandWorked{"FgdLeavesNoUnusableRemainder",
                   "fgd",
                   {Busy({300, 500})},
                   Share(200),
                   {0, 0b01},
                   kHalfGpuWorkload},
        HandWorked{
            "BestFitTightestGpu", "best-fit", {Busy({300, 500})}, Share(200), {0, 0b10}, {}}),
    [](const testing::TestParamInfo<HandWorked>& info) { return info.param.label; });

TEST(RandomPolicy, PicksOnlyFeasibleNodesAndGpusAndCoversThemAll) {
  std::vector<NodeSetup> cluster = {
      Busy({0}), Busy({1000}), Busy({0, 800, 0, 400}), {Node(2, 64000, "T4"), {}}};
  const CapacityLedger ledger = MakeLedger(cluster);
  const TaskShape shape = OnlyOn(Share(500), "V100M16");
  Placer placer(ledger, Policy("random"), 7);
  std::set<std::pair<NodeIndex, GpuMask>> seen;
  for (int i = 0; i < 400; ++i) {
    const PlaceDecision d = placer.decide(shape);
    ASSERT_EQ(d.outcome, PlaceOutcome::kPlaced);
    ASSERT_TRUE(ledger.check(shape, d.placement).is_ok());
    seen.emplace(d.placement.node, d.placement.gpus);
  }
  const std::set<std::pair<NodeIndex, GpuMask>> feasible = {
      {0, 0b1}, {2, 0b0001}, {2, 0b0100}, {2, 0b1000}};
  EXPECT_EQ(seen, feasible);
}

TEST(Placer, InfeasibleWhenNoNodeCouldEverHoldTheTask) {
  const CapacityLedger ledger = MakeLedger({Busy({0, 0, 0, 0, 0, 0, 0, 0}), Busy({0, 0})});
  for (const TaskShape& shape :
       {Whole(9), OnlyOn(Share(100), "T4"), Share(100, 65000), CpuOnly(1'000'000)}) {
    Placer placer(ledger, Policy("best-fit"), 1);
    EXPECT_EQ(placer.decide(shape).outcome, PlaceOutcome::kInfeasible);
  }
}

TEST(Placer, NotNowWhileBusyThenPlacedAfterRelease) {
  CapacityLedger ledger = MakeLedger({Busy({1000, 0}), Busy({0, 600})});
  Placer placer(ledger, Policy("best-fit"), 1);
  EXPECT_EQ(placer.decide(Whole(2)).outcome, PlaceOutcome::kNotNow);
  ASSERT_TRUE(ledger.release(Share(600), {1, 0b10}).is_ok());
  const PlaceDecision d = placer.decide(Whole(2));
  EXPECT_EQ(d.outcome, PlaceOutcome::kPlaced);
  EXPECT_EQ(d.placement, (Placement{1, 0b11}));
}

// A mixed cluster and the shapes of a random stream over it.
std::vector<NodeSpec> MixedCluster() {
  return {Node(8, 96000),       Node(4, 32000), Node(2, 64000, "T4"), Node(1, 16000),
          Node(8, 64000, "T4"), Node(4, 96000), Node(0, 32000),       Node(2, 48000)};
}
std::vector<TaskShape> StreamShapes() {
  return {CpuOnly(4000), Share(250), OnlyOn(Share(600), "T4"), Share(500, 8000),
          Whole(1),      Whole(2),   Whole(4, 16000)};
}

// The best score over every node that fits, computed from scratch.
int64_t BestScoreFromScratch(const CapacityLedger& ledger, const PlacementPolicy& policy,
                             const TaskShape& shape) {
  int64_t best = INT64_MIN;
  for (NodeIndex n = 0; n < ledger.node_count(); ++n) {
    if (!fits_now(ledger.spec(n), ledger.state(n), shape)) continue;
    best = std::max(best, policy.score(ledger.spec(n), ledger.state(n), shape).score);
  }
  return best;
}

// Property: the cached Placer decides as a fresh Placer (same seed) on the same ledger state,
// through a random stream of allocations and releases, and its choice has the best score.
class PlacerCache : public testing::TestWithParam<std::string_view> {};

TEST_P(PlacerCache, MatchesAFreshPlacerThroughARandomStream) {
  const std::vector<TaskShape> shapes = StreamShapes();
  std::vector<Task> workload;
  for (const TaskShape& s : shapes) workload.push_back({std::to_string(workload.size()), s});
  CapacityLedger ledger(MixedCluster());
  const uint64_t seed = 11;
  Placer cached(ledger, Policy(GetParam(), workload), seed);
  const auto scorer = Policy(GetParam(), workload);
  const bool fixed_order = scorer->tie_break() == TieBreak::kFixedOrder;
  Rng rng(5);
  std::vector<std::pair<TaskShape, Placement>> held;
  for (int step = 0; step < 400; ++step) {
    if (!held.empty() && rng.below(3) == 0) {
      const size_t i = rng.below(held.size());
      ASSERT_TRUE(ledger.release(held[i].first, held[i].second).is_ok());
      held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    const TaskShape& shape = shapes[rng.below(shapes.size())];
    const PlaceDecision d = cached.decide(shape);
    const int64_t best = BestScoreFromScratch(ledger, *scorer, shape);
    ASSERT_EQ(d.outcome == PlaceOutcome::kPlaced, best != INT64_MIN) << "step " << step;
    if (fixed_order) {
      const PlaceDecision fresh = Placer(ledger, Policy(GetParam(), workload), seed).decide(shape);
      ASSERT_EQ(d.outcome, fresh.outcome) << "step " << step;
      ASSERT_EQ(d.placement, fresh.placement) << "step " << step;
    }
    if (d.outcome != PlaceOutcome::kPlaced) continue;
    const NodeIndex n = d.placement.node;
    ASSERT_TRUE(ledger.check(shape, d.placement).is_ok()) << "step " << step;
    ASSERT_EQ(scorer->score(ledger.spec(n), ledger.state(n), shape).score, best) << "step " << step;
    ASSERT_TRUE(ledger.allocate(shape, d.placement).is_ok());
    held.emplace_back(shape, d.placement);
  }
}

INSTANTIATE_TEST_SUITE_P(AllPolicies, PlacerCache, testing::ValuesIn(policy_names()),
                         [](const testing::TestParamInfo<std::string_view>& info) {
                           std::string name(info.param);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(PolicyRegistry, UnknownNameListsTheKnownOnes) {
  std::string error;
  EXPECT_EQ(make_policy("nope", PolicyContext{}, &error), nullptr);
  EXPECT_NE(error.find("nope"), std::string::npos) << error;
  EXPECT_NE(error.find("best-fit"), std::string::npos) << error;
}

}  // namespace
}  // namespace fastgpu
