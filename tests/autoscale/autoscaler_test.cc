#include "autoscale/autoscaler.h"

#include <gtest/gtest.h>

#include <map>

#include "sched/policy_registry.h"

namespace fastgpu {
namespace {

NodeType Type(std::string name, int gpus, MicroDollars price) {
  NodeType t;
  t.name = std::move(name);
  t.gpu_count = gpus;
  t.gpu_model = *find_gpu_model("V100M32");
  t.cpu_milli = 8000 * gpus;
  t.memory_mib = 65536 * gpus;
  t.price_per_hour = price;
  t.boot_seconds = 60;
  return t;
}

// "big": 8 GPUs for $20/h ($2.50 a GPU); "small": 1 GPU for $3/h.
NodeCatalog BigAndSmall() {
  NodeCatalog c;
  c.types = {Type("big", 8, 20'000'000), Type("small", 1, 3'000'000)};
  return c;
}

PolicyFactory BestFit() {
  return [] {
    std::string error;
    return make_policy("best-fit", PolicyContext{}, &error);
  };
}

std::vector<TaskShape> OneGpuTasks(int n) {
  return std::vector<TaskShape>(n, TaskShape{4000, 16384, 1, kMilliPerGpu, 0, kAnyGpuModel});
}

PoolLimits Limits(int64_t min_nodes = 0, int64_t max_nodes = 100, MicroDollars budget = 0) {
  PoolLimits l;
  l.min_nodes = min_nodes;
  l.max_nodes = max_nodes;
  l.budget_per_hour = budget;
  l.cooldown_seconds = 600;
  return l;
}

// Nodes asked for, by type name.
std::map<std::string, int64_t> Asked(const NodeCatalog& c, const AutoscaleDecisions& d) {
  std::map<std::string, int64_t> asked;
  for (const ScaleUp& u : d.up) asked[c.types[u.type].name] += u.count;
  return asked;
}

using Asks = std::map<std::string, int64_t>;

TEST(AutoscalerTest, CoversDemandAtLeastCost) {
  const NodeCatalog c = BigAndSmall();
  const Autoscaler a(c, Limits(), BestFit());
  // 8 GPUs: one big ($20) beats eight small ($24).
  EXPECT_EQ(Asked(c, a.decide(0, OneGpuTasks(8), {})), (Asks{{"big", 1}}));
  // 2 GPUs: two small ($6) beat one big ($20).
  EXPECT_EQ(Asked(c, a.decide(0, OneGpuTasks(2), {})), (Asks{{"small", 2}}));
  // 9 GPUs: one big and one small ($23), the least cost of any mix.
  EXPECT_EQ(Asked(c, a.decide(0, OneGpuTasks(9), {})), (Asks{{"big", 1}, {"small", 1}}));
}

TEST(AutoscalerTest, ASpotTypeIsPricedByItsReclaimsAndAWithheldTypeIsNotStarted) {
  NodeCatalog c = BigAndSmall();
  c.types[0].market = Market::kSpot;  // big: $20/h, 8 GPUs
  PoolLimits limits = Limits();
  const Autoscaler calm(c, limits, BestFit());
  EXPECT_EQ(Asked(c, calm.decide(0, OneGpuTasks(8), {})), (Asks{{"big", 1}}));
  // Reclaimed 4 times an hour, at 60 s boot + 600 s lost each: $20 x (1 + 4 x 660 / 3600) =
  // $34.67 for 8 GPUs, more than eight small ($24).
  c.types[0].interruptions_per_hour = 4;
  const Autoscaler stormy(c, limits, BestFit());
  const AutoscaleDecisions d = stormy.decide(0, OneGpuTasks(8), {});
  EXPECT_EQ(Asked(c, d), (Asks{{"small", 8}}));
  c.types[0].interruptions_per_hour = 0;
  const Autoscaler fallen(c, limits, BestFit());
  EXPECT_EQ(Asked(c, fallen.decide(0, OneGpuTasks(8), {}, {true, false})), (Asks{{"small", 8}}));
}

TEST(AutoscalerTest, ReasonsNameTheDemandAndTheType) {
  const NodeCatalog c = BigAndSmall();
  const Autoscaler a(c, Limits(), BestFit());
  const AutoscaleDecisions d = a.decide(0, OneGpuTasks(8), {});
  ASSERT_EQ(d.up.size(), 1u);
  EXPECT_NE(d.up[0].reason.find("8 pending tasks"), std::string::npos) << d.up[0].reason;
  EXPECT_NE(d.up[0].reason.find("big"), std::string::npos) << d.up[0].reason;
  EXPECT_NE(d.up[0].reason.find("$20.00"), std::string::npos) << d.up[0].reason;
}

TEST(AutoscalerTest, PacksSharesOntoOneGpu) {
  const NodeCatalog c = BigAndSmall();
  const Autoscaler a(c, Limits(), BestFit());
  // Four quarter-GPU tasks fit one small node.
  std::vector<TaskShape> shares(4, TaskShape{1000, 4096, 1, 250, 0, kAnyGpuModel});
  EXPECT_EQ(Asked(c, a.decide(0, shares, {})), (Asks{{"small", 1}}));
}

TEST(AutoscalerTest, BootingNodesAbsorbDemand) {
  const NodeCatalog c = BigAndSmall();
  const Autoscaler a(c, Limits(), BestFit());
  const std::vector<PoolNode> nodes = {{7, 0, PoolNodeState::kBooting, false, 0}};
  EXPECT_TRUE(a.decide(0, OneGpuTasks(8), nodes).up.empty());
  EXPECT_EQ(Asked(c, a.decide(0, OneGpuTasks(9), nodes)), (Asks{{"small", 1}}));
}

TEST(AutoscalerTest, RespectsMaxNodes) {
  const NodeCatalog c = BigAndSmall();
  const Autoscaler a(c, Limits(0, 2), BestFit());
  const std::vector<PoolNode> nodes = {{1, 0, PoolNodeState::kReady, false, 0}};
  const AutoscaleDecisions d = a.decide(0, OneGpuTasks(16), nodes);
  EXPECT_EQ(Asked(c, d), (Asks{{"big", 1}}));
  ASSERT_EQ(d.held_back.size(), 1u);
  EXPECT_NE(d.held_back[0].find("8 pending tasks"), std::string::npos) << d.held_back[0];
  EXPECT_NE(d.held_back[0].find("max_nodes 2"), std::string::npos) << d.held_back[0];
}

TEST(AutoscalerTest, RespectsTheHourlyBudget) {
  const NodeCatalog c = BigAndSmall();
  // $25/h: one big ($20) leaves $5, enough for one small ($3) but not two.
  const Autoscaler a(c, Limits(0, 100, 25'000'000), BestFit());
  const AutoscaleDecisions d = a.decide(0, OneGpuTasks(16), {});
  EXPECT_EQ(Asked(c, d), (Asks{{"big", 1}, {"small", 1}}));
  ASSERT_EQ(d.held_back.size(), 1u);
  EXPECT_NE(d.held_back[0].find("budget $25.00"), std::string::npos) << d.held_back[0];
  // Nodes already running count against the budget.
  const std::vector<PoolNode> running = {{1, 0, PoolNodeState::kReady, false, 0}};
  EXPECT_EQ(Asked(c, a.decide(0, OneGpuTasks(16), running)), (Asks{{"small", 1}}));
}

TEST(AutoscalerTest, ScalesDownOnlyAfterTheCooldownAndNotBelowMin) {
  const NodeCatalog c = BigAndSmall();
  const Autoscaler a(c, Limits(1, 100), BestFit());
  const std::vector<PoolNode> nodes = {
      {1, 0, PoolNodeState::kReady, true, 100},    // idle since 100
      {2, 1, PoolNodeState::kReady, true, 50},     // idle since 50: the longest
      {3, 1, PoolNodeState::kReady, false, 0},     // busy
      {4, 1, PoolNodeState::kBooting, false, 0}};  // booting
  EXPECT_TRUE(a.decide(649, {}, nodes).down.empty());
  AutoscaleDecisions d = a.decide(650, {}, nodes);
  ASSERT_EQ(d.down.size(), 1u);
  EXPECT_EQ(d.down[0].node, 2u);
  EXPECT_NE(d.down[0].reason.find("idle for 600 s"), std::string::npos) << d.down[0].reason;
  d = a.decide(10'000, {}, nodes);
  ASSERT_EQ(d.down.size(), 2u);
  // With min_nodes 3 only one of the four may go.
  const Autoscaler keep3(c, Limits(3, 100), BestFit());
  EXPECT_EQ(keep3.decide(10'000, {}, nodes).down.size(), 1u);
  // Draining nodes do not count toward the minimum.
  std::vector<PoolNode> draining = nodes;
  draining[3].state = PoolNodeState::kDraining;
  EXPECT_EQ(keep3.decide(10'000, {}, draining).down.size(), 0u);
}

TEST(AutoscalerTest, TopsUpToMinNodesWithTheBaseType) {
  const NodeCatalog c = BigAndSmall();
  PoolLimits l = Limits(3, 100);
  l.base_type = 1;
  const Autoscaler a(c, l, BestFit());
  const AutoscaleDecisions d = a.decide(0, {}, {});
  EXPECT_EQ(Asked(c, d), (Asks{{"small", 3}}));
  EXPECT_NE(d.up[0].reason.find("min_nodes 3"), std::string::npos) << d.up[0].reason;
  // The top-up nodes absorb demand: one more GPU task needs nothing else.
  EXPECT_EQ(Asked(c, a.decide(0, OneGpuTasks(3), {})), (Asks{{"small", 3}}));
}

TEST(AutoscalerTest, IgnoresInfeasibleTasks) {
  const NodeCatalog c = BigAndSmall();
  const Autoscaler a(c, Limits(), BestFit());
  std::vector<TaskShape> pending = {TaskShape{1000, 1024, 16, kMilliPerGpu, 0, kAnyGpuModel}};
  TaskShape t4_only{1000, 1024, 1, kMilliPerGpu, 0, model_bit(*find_gpu_model("T4"))};
  pending.push_back(t4_only);
  EXPECT_FALSE(a.feasible(pending[0]));
  EXPECT_FALSE(a.feasible(t4_only));
  const AutoscaleDecisions d = a.decide(0, pending, {});
  EXPECT_TRUE(d.up.empty());
  EXPECT_TRUE(d.held_back.empty());
  EXPECT_EQ(d.ignored_infeasible, 2);
}

TEST(AutoscalerTest, ChoosesAModelTheTaskAllows) {
  NodeCatalog c = BigAndSmall();
  NodeType t4 = Type("t4", 1, 1'000'000);
  t4.gpu_model = *find_gpu_model("T4");
  c.types.push_back(t4);
  const Autoscaler a(c, Limits(), BestFit());
  const TaskShape v100_only{1000, 1024, 1, kMilliPerGpu, 0, model_bit(*find_gpu_model("V100M32"))};
  EXPECT_EQ(Asked(c, a.decide(0, std::vector<TaskShape>{v100_only}, {})), (Asks{{"small", 1}}));
  EXPECT_EQ(Asked(c, a.decide(0, OneGpuTasks(1), {})), (Asks{{"t4", 1}}));
}

}  // namespace
}  // namespace fastgpu

namespace fastgpu {
namespace {

TEST(AutoscalerTest, ATflopsTaskTakesTheShareOfTheFirstModelThatHoldsIt) {
  NodeCatalog c;
  c.types = {Type("v100", 1, 3'000'000), Type("a100", 1, 5'000'000)};
  c.types[1].gpu_model = *find_gpu_model("A100-80GB");
  const Autoscaler autoscaler(c, Limits(), BestFit());
  const TaskShape shape{1000, 1024, 1, 0, 0, kAnyGpuModel};
  const GpuModelId v100 = c.types[0].gpu_model;
  const GpuModelId a100 = c.types[1].gpu_model;

  // A small share of the first type's GPU.
  const std::optional<TaskShape> small = autoscaler.tflops_shape(shape, 1000);
  ASSERT_TRUE(small.has_value());
  EXPECT_EQ(small->gpu_milli, milli_tflops_to_milli_gpu(1000, v100));
  EXPECT_EQ(small->allowed_models, model_bit(v100));
  EXPECT_TRUE(autoscaler.feasible(*small));

  // More than a V100 has: an A100's share.
  const int64_t beyond_v100 = gpu_model_spec(v100).milli_tflops + 1000;
  const std::optional<TaskShape> large = autoscaler.tflops_shape(shape, beyond_v100);
  ASSERT_TRUE(large.has_value());
  EXPECT_EQ(large->gpu_milli, milli_tflops_to_milli_gpu(beyond_v100, a100));
  EXPECT_EQ(large->allowed_models, model_bit(a100));

  // More than any GPU of the catalog has.
  EXPECT_FALSE(autoscaler.tflops_shape(shape, gpu_model_spec(a100).milli_tflops + 1).has_value());
}

}  // namespace
}  // namespace fastgpu
