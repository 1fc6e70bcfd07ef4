// The preemption choice against brute force on small random clusters: only victims whose
// release lets the waiting task fit, the fewest, then the least important.

#include "sched/queue/victim_choice.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "core/capacity_ledger.h"
#include "core/rng.h"
#include "ledger_host.h"

namespace fastgpu {
namespace {

struct Cluster {
  std::vector<NodeSpec> nodes;
  std::vector<VictimCandidate> candidates;
  std::map<uint64_t, std::pair<TaskShape, Placement>> running;
  TaskShape waiting;
};

// Random nodes of 1 to 4 GPUs, filled with random whole and fractional tasks.
Cluster RandomCluster(Rng& rng) {
  Cluster c;
  const int nodes = 1 + static_cast<int>(rng.next() % 3);
  for (int n = 0; n < nodes; ++n) {
    c.nodes.push_back(gpu_nodes(1, 1 + static_cast<int>(rng.next() % 4))[0]);
  }
  CapacityLedger ledger(c.nodes);
  uint64_t id = 1;
  for (int tries = 0; tries < 40 && c.candidates.size() < 10; ++tries) {
    const NodeIndex n = static_cast<NodeIndex>(rng.next() % c.nodes.size());
    const int gpu = static_cast<int>(rng.next() % static_cast<uint64_t>(c.nodes[n].num_gpus));
    const TaskShape shape =
        rng.next() % 2 ? gpu_shape(1) : gpu_shape(0.25 * double(1 + rng.next() % 3));
    const Placement placement{n, GpuMask{1} << gpu};
    if (!ledger.allocate(shape, placement).is_ok()) continue;
    c.running[id] = {shape, placement};
    c.candidates.push_back({id, static_cast<int32_t>(rng.next() % 3), n});
    ++id;
  }
  const uint64_t pick = rng.next() % 3;
  c.waiting = pick == 0 ? gpu_shape(0.5) : pick == 1 ? gpu_shape(1) : gpu_shape(2);
  return c;
}

bool Fits(const Cluster& c, NodeIndex node, std::span<const uint64_t> victims) {
  CapacityLedger ledger(c.nodes);
  for (const auto& [id, run] : c.running) (void)ledger.allocate(run.first, run.second);
  for (uint64_t v : victims) {
    const auto& run = c.running.at(v);
    EXPECT_EQ(run.second.node, node);
    (void)ledger.release(run.first, run.second);
  }
  return fits_now(ledger.spec(node), ledger.state(node), c.waiting);
}

// Every subset of the candidates: valid when all on one node and the task then fits there.
std::vector<size_t> BruteForce(const Cluster& c, const std::vector<VictimCandidate>& ranked) {
  std::vector<size_t> best;
  bool found = false;
  for (uint64_t mask = 1; mask < (uint64_t{1} << ranked.size()); ++mask) {
    std::vector<size_t> set;
    std::vector<uint64_t> ids;
    for (size_t r = 0; r < ranked.size(); ++r) {
      if (mask >> r & 1) {
        set.push_back(r);
        ids.push_back(ranked[r].id);
      }
    }
    const NodeIndex node = ranked[set[0]].node;
    if (!std::all_of(set.begin(), set.end(), [&](size_t r) { return ranked[r].node == node; })) {
      continue;
    }
    if (!Fits(c, node, ids)) continue;
    std::sort(set.rbegin(), set.rend());
    if (!found || better_victim_set(set, best)) best = set;
    found = true;
  }
  return best;
}

TEST(VictimChoice, MatchesBruteForceOnRandomClusters) {
  Rng rng(20261207);
  int with_victims = 0;
  for (int round = 0; round < 400; ++round) {
    const Cluster c = RandomCluster(rng);
    const std::vector<VictimCandidate> ranked = ranked_victims(c.candidates);
    const VictimChoice choice = choose_victims(
        c.candidates, [&](NodeIndex n, std::span<const uint64_t> v) { return Fits(c, n, v); });
    ASSERT_TRUE(choice.exact);
    std::vector<size_t> chosen;
    for (uint64_t id : choice.victims) {
      chosen.push_back(static_cast<size_t>(
          std::find_if(ranked.begin(), ranked.end(), [&](auto& v) { return v.id == id; }) -
          ranked.begin()));
    }
    std::sort(chosen.rbegin(), chosen.rend());
    ASSERT_EQ(chosen, BruteForce(c, ranked)) << "round " << round;
    with_victims += !chosen.empty();
  }
  EXPECT_GT(with_victims, 100);  // the rounds exercised real choices
}

TEST(VictimChoice, PrefersLowerPriorityThenNewer) {
  Cluster c;
  c.nodes = gpu_nodes(1, 2);
  c.running[1] = {gpu_shape(1), {0, 1}};
  c.running[2] = {gpu_shape(1), {0, 2}};
  c.candidates = {{1, /*priority=*/0, 0}, {2, /*priority=*/1, 0}};
  c.waiting = gpu_shape(1);
  auto fits = [&](NodeIndex n, std::span<const uint64_t> v) { return Fits(c, n, v); };
  EXPECT_EQ(choose_victims(c.candidates, fits).victims, (std::vector<uint64_t>{1}));
  c.candidates = {{1, 0, 0}, {2, 0, 0}};
  EXPECT_EQ(choose_victims(c.candidates, fits).victims, (std::vector<uint64_t>{2}));
}

TEST(VictimChoice, PastItsBudgetASearchTakesAGreedySetThatStillFits) {
  Cluster c;
  c.nodes = gpu_nodes(1, 4);
  for (uint64_t id = 1; id <= 16; ++id) {
    c.running[id] = {gpu_shape(0.25), {0, GpuMask{1} << ((id - 1) / 4)}};
    c.candidates.push_back({id, 0, 0});
  }
  c.waiting = gpu_shape(2);
  const VictimChoice choice = choose_victims(
      c.candidates, [&](NodeIndex n, std::span<const uint64_t> v) { return Fits(c, n, v); }, 50);
  EXPECT_FALSE(choice.exact);
  EXPECT_TRUE(Fits(c, 0, choice.victims));
  EXPECT_EQ(choice.victims.size(), 8u);
}

}  // namespace
}  // namespace fastgpu
