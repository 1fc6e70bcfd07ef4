#include "sim/autoscale_replay.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/autoscale_report.h"
#include "sim/trace_reader.h"

namespace fastgpu {
namespace {

const std::string kData = FASTGPU_TEST_DATA_DIR;

struct Golden {
  std::vector<NodeSpec> nodes;
  std::vector<Task> tasks;
  NodeCatalog catalog;
};

Golden LoadGolden() {
  Golden g;
  Status s =
      read_trace(kData + "/golden_nodes.csv", kData + "/golden_pods.csv", &g.nodes, &g.tasks);
  EXPECT_TRUE(s.is_ok()) << s.message();
  s = read_node_catalog(kData + "/golden_node_types.toml", &g.catalog);
  EXPECT_TRUE(s.is_ok()) << s.message();
  return g;
}

AutoscaleReplayOptions Options(const NodeCatalog& catalog) {
  AutoscaleReplayOptions o;
  o.replay.policy = "fgd-balanced";
  o.period = 60;
  o.limits = catalog.limits;
  return o;
}

AutoscaleReplayRun Autoscale(const Golden& g, const AutoscaleReplayOptions& o) {
  AutoscaleReplayRun run;
  const Status s = run_autoscale_replay(g.catalog, g.nodes, g.tasks, o, &run);
  EXPECT_TRUE(s.is_ok()) << s.message();
  return run;
}

// The golden: checked by hand against the decision log (node-seconds are request to removal or
// to the end at 17874; cost is node-seconds × price / 3600).
TEST(AutoscaleReplayTest, GoldenAddsAndRemovesNodes) {
  const Golden g = LoadGolden();
  const AutoscaleReplayRun run = Autoscale(g, Options(g.catalog));

  struct Expected {
    int64_t time;
    std::string action, type, node;
  };
  const std::vector<Expected> expected = {
      {312, "scale-up", "2xT4", ""},  // min_nodes at the first arrival
      {432, "scale-up", "4xV100M32", ""},
      {1992, "scale-up", "2xT4", ""},
      {3972, "scale-up", "4xV100M32", ""},
      {4692, "scale-up", "4xV100M32", ""},
      {8112, "scale-up", "2xT4", ""},
      {12972, "scale-down", "4xV100M32", "4xV100M32-2"},
      {13152, "scale-down", "4xV100M32", "4xV100M32-0"},
      {16632, "scale-down", "2xT4", "2xT4-1"},
      {17652, "scale-down", "2xT4", "2xT4-2"},
  };
  ASSERT_EQ(run.events.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(run.events[i].time, expected[i].time) << i;
    EXPECT_EQ(run.events[i].action, expected[i].action) << i;
    EXPECT_EQ(run.events[i].node_type, expected[i].type) << i;
    EXPECT_EQ(run.events[i].node, expected[i].node) << i;
    EXPECT_FALSE(run.events[i].reason.empty()) << i;
  }
  EXPECT_EQ(run.nodes_started, 6);
  EXPECT_EQ(run.nodes_removed, 4);
  EXPECT_EQ(run.nodes_max, 6);  // max_nodes

  ASSERT_EQ(run.types.size(), 2u);
  EXPECT_EQ(run.types[0].node_seconds, 12720 + 13902 + 8280);
  EXPECT_EQ(run.types[1].node_seconds, 17562 + 14640 + 9540);
  EXPECT_EQ(run.types[0].cost, 151'242'000);  // 34902 s × $15.60/h
  EXPECT_EQ(run.types[1].cost, 20'871'000);   // 41742 s × $1.80/h
  EXPECT_EQ(run.cost, 172'113'000);
  EXPECT_EQ(run.gpu_seconds, 34902 * 4 + 41742 * 2);

  EXPECT_EQ(run.elastic.tasks_placed, 49);
  EXPECT_EQ(run.elastic.tasks_infeasible, 1);  // a shape no catalog type holds
  EXPECT_EQ(run.elastic.tasks_still_queued, 0);
  EXPECT_EQ(run.elastic.delay.p99, 147);
  EXPECT_EQ(run.elastic.end_time, 17874);

  // The fixed pool beside it: the plain replay, untouched.
  ReplayRun fixed;
  ASSERT_TRUE(run_replay(g.nodes, g.tasks, Options(g.catalog).replay, &fixed).is_ok());
  EXPECT_EQ(run.fixed.tasks_placed, fixed.tasks_placed);
  EXPECT_EQ(run.fixed.delay.p99, fixed.delay.p99);
  EXPECT_EQ(run.fixed_nodes, 8);
  EXPECT_EQ(run.fixed_gpus, 29);
  EXPECT_FALSE(run.fixed_cost.has_value());  // the catalog prices no G2, G3 or P100 node
}

TEST(AutoscaleReplayTest, BudgetAndMaxNodesHoldDemandBack) {
  const Golden g = LoadGolden();
  AutoscaleReplayOptions o = Options(g.catalog);
  o.limits.max_nodes = 1;
  const AutoscaleReplayRun run = Autoscale(g, o);
  EXPECT_EQ(run.nodes_max, 1);
  EXPECT_EQ(run.nodes_started, 1);
  bool held_back = false;
  for (const AutoscaleEvent& e : run.events) held_back |= e.action == "held-back";
  EXPECT_TRUE(held_back);
  EXPECT_GT(run.elastic.delay.p99, 147);
}

// Without backfill only a prefix of the queue can start: when the budget cannot cover the head
// ($15.60 V100 node beside the $1.80 base node, cap $16), no node is bought for the tasks
// behind it, where it would only sit idle until the cooldown and be bought again.
TEST(AutoscaleReplayTest, StrictFifoCoversOnlyWhatCanStart) {
  const Golden g = LoadGolden();
  AutoscaleReplayOptions o = Options(g.catalog);
  o.limits.budget_per_hour = 16'000'000;
  const AutoscaleReplayRun backfill = Autoscale(g, o);
  EXPECT_GT(backfill.nodes_started, 1);  // T4 nodes for the tasks behind the V100 ones
  o.replay.backfill = false;
  const AutoscaleReplayRun fifo = Autoscale(g, o);
  EXPECT_EQ(fifo.nodes_started, 1);  // the min_nodes base node only
  EXPECT_EQ(fifo.nodes_removed, 0);
  ASSERT_FALSE(fifo.events.empty());
  EXPECT_NE(fifo.events.back().reason.find("strict FIFO"), std::string::npos)
      << fifo.events.back().reason;
}

// Spot nodes (the golden's 2xT4) taken back at 2 per node-hour: their tasks run again (work
// lost), the nodes leave and are counted, the run is reproducible, and the on-demand-only pool is
// replayed beside it; at rate 0 nothing is reclaimed and the replay is the plain one.
TEST(AutoscaleReplayTest, ReclaimedSpotNodesLoseWorkAndAreReplayedBesideOnDemandOnly) {
  const Golden g = LoadGolden();
  AutoscaleReplayOptions o = Options(g.catalog);
  const AutoscaleReplayRun plain = Autoscale(g, o);
  EXPECT_FALSE(plain.on_demand_only.has_value());
  o.reclaim_rate = 0;
  const AutoscaleReplayRun calm = Autoscale(g, o);
  EXPECT_EQ(calm.nodes_reclaimed, 0);
  EXPECT_EQ(calm.cost, plain.cost);
  ASSERT_TRUE(calm.on_demand_only.has_value());
  o.reclaim_rate = 2;
  const AutoscaleReplayRun stormy = Autoscale(g, o);
  EXPECT_GT(stormy.nodes_reclaimed, 0);
  EXPECT_GT(stormy.elastic.work_lost_gpu_seconds, 0);
  EXPECT_GT(stormy.elastic.tasks_reclaimed, 0);
  int64_t reclaimed_events = 0;
  for (const AutoscaleEvent& e : stormy.events) reclaimed_events += e.action == "reclaimed";
  EXPECT_EQ(reclaimed_events, stormy.nodes_reclaimed);
  const AutoscaleReplayRun again = Autoscale(g, o);
  EXPECT_EQ(again.nodes_reclaimed, stormy.nodes_reclaimed);
  EXPECT_EQ(again.cost, stormy.cost);
  ASSERT_TRUE(stormy.on_demand_only.has_value());
  EXPECT_EQ(stormy.on_demand_only->cost, calm.on_demand_only->cost) << "the rate spares it";
  EXPECT_NE(autoscale_table(stormy).find("on-demand only"), std::string::npos);
  EXPECT_NE(autoscale_json(stormy).find("\"work_lost_gpu_hours\""), std::string::npos);
}

TEST(AutoscaleReplayTest, ReportsRender) {
  const Golden g = LoadGolden();
  const AutoscaleReplayRun run = Autoscale(g, Options(g.catalog));
  const std::string table = autoscale_table(run);
  EXPECT_NE(table.find("autoscaled"), std::string::npos);
  EXPECT_NE(table.find("4xV100M32"), std::string::npos);
  EXPECT_NE(autoscale_json(run).find("\"decisions\""), std::string::npos);
  EXPECT_EQ(autoscale_csv(run).rfind("time,nodes,gpus\n312,1,2\n", 0), 0u);
}

TEST(AutoscaleReplayTest, RefusesBadOptions) {
  const Golden g = LoadGolden();
  AutoscaleReplayOptions o = Options(g.catalog);
  AutoscaleReplayRun run;
  o.period = 0;
  EXPECT_FALSE(run_autoscale_replay(g.catalog, g.nodes, g.tasks, o, &run).is_ok());
  o = Options(g.catalog);
  o.limits.min_nodes = 7;
  EXPECT_FALSE(run_autoscale_replay(g.catalog, g.nodes, g.tasks, o, &run).is_ok());
  o = Options(g.catalog);
  o.replay.policy = "nope";
  EXPECT_FALSE(run_autoscale_replay(g.catalog, g.nodes, g.tasks, o, &run).is_ok());
  EXPECT_TRUE(run.events.empty());
}

}  // namespace
}  // namespace fastgpu
