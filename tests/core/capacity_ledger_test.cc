#include "core/capacity_ledger.h"

#include <gtest/gtest.h>

#include "core/rng.h"

namespace fastgpu {
namespace {

NodeSpec node(int gpus, MilliCpu cpu = 32000, MemoryMib mem = 65536) {
  return {"n", cpu, mem, gpus, *find_gpu_model("V100M16"), 16384};
}
TaskShape share(MilliGpu milli, MilliCpu cpu = 1000) {
  return {cpu, 1024, 1, milli, 0, kAnyGpuModel};
}
TaskShape whole(int gpus) { return {1000, 1024, gpus, kMilliPerGpu, 0, kAnyGpuModel}; }

TEST(CapacityLedger, AllocateAndReleaseShare) {
  CapacityLedger ledger({node(2)});
  ASSERT_TRUE(ledger.allocate(share(300), {0, 0b01}).is_ok());
  EXPECT_EQ(ledger.state(0).free_milli[0], 700);
  EXPECT_EQ(ledger.state(0).free_cpu, 31000);
  EXPECT_EQ(ledger.allocated_gpu_milli(), 300);
  ASSERT_TRUE(ledger.release(share(300), {0, 0b01}).is_ok());
  EXPECT_EQ(ledger.state(0).free_milli[0], 1000);
  EXPECT_EQ(ledger.allocated_gpu_milli(), 0);
}

TEST(CapacityLedger, RefusesOverAllocationAndChangesNothing) {
  CapacityLedger ledger({node(1)});
  ASSERT_TRUE(ledger.allocate(share(600), {0, 0b1}).is_ok());
  const NodeState before = ledger.state(0);
  Status s = ledger.allocate(share(500), {0, 0b1});
  EXPECT_EQ(s.code(), Status::Code::kResourceExhausted);
  EXPECT_NE(s.message().find("GPU share"), std::string::npos);
  EXPECT_EQ(ledger.state(0).free_milli, before.free_milli);
  EXPECT_EQ(ledger.state(0).free_cpu, before.free_cpu);
  EXPECT_EQ(ledger.change_sequence(), 1u);
}

TEST(CapacityLedger, RefusesWrongGpuCountMissingGpuAndCpu) {
  CapacityLedger ledger({node(2, 2000)});
  EXPECT_FALSE(ledger.allocate(whole(2), {0, 0b01}).is_ok());         // names 1 GPU, needs 2
  EXPECT_FALSE(ledger.allocate(share(100), {0, 0b100}).is_ok());      // GPU 2 does not exist
  EXPECT_FALSE(ledger.allocate(share(100, 3000), {0, 0b1}).is_ok());  // CPU
  EXPECT_FALSE(ledger.allocate(share(100), {7, 0b1}).is_ok());        // node 7 does not exist
  EXPECT_EQ(ledger.allocated_gpu_milli(), 0);
}

TEST(CapacityLedger, RefusesDisallowedModel) {
  CapacityLedger ledger({node(1)});
  TaskShape t = share(100);
  t.allowed_models = model_bit(*find_gpu_model("T4"));
  EXPECT_EQ(ledger.allocate(t, {0, 0b1}).code(), Status::Code::kFailedPrecondition);
}

TEST(CapacityLedger, ReleaseOfWhatWasNotAllocatedFails) {
  CapacityLedger ledger({node(1)});
  EXPECT_FALSE(ledger.release(share(100), {0, 0b1}).is_ok());
  EXPECT_EQ(ledger.state(0).free_milli[0], 1000);
}

TEST(CapacityLedger, JournalNamesChangedNodes) {
  CapacityLedger ledger({node(1), node(1), node(1)});
  ASSERT_TRUE(ledger.allocate(share(100), {2, 0b1}).is_ok());
  ASSERT_TRUE(ledger.allocate(share(100), {0, 0b1}).is_ok());
  std::vector<NodeIndex> seen;
  EXPECT_TRUE(ledger.for_each_change_since(0, [&](NodeIndex n) { seen.push_back(n); }));
  EXPECT_EQ(seen, (std::vector<NodeIndex>{2, 0}));
}

// Property: a random stream of allocations and releases never over-allocates, and releasing
// everything restores the ledger exactly.
TEST(CapacityLedgerProperty, RandomStreamsNeverOverAllocateAndReleaseRestores) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Rng rng(seed);
    std::vector<NodeSpec> specs;
    for (int i = 0; i < 8; ++i) specs.push_back(node(1 + static_cast<int>(rng.below(8))));
    CapacityLedger ledger(specs);
    std::vector<std::pair<TaskShape, Placement>> held;
    for (int step = 0; step < 2000; ++step) {
      if (!held.empty() && rng.below(3) == 0) {
        size_t i = rng.below(held.size());
        ASSERT_TRUE(ledger.release(held[i].first, held[i].second).is_ok());
        held.erase(held.begin() + static_cast<long>(i));
        continue;
      }
      const int gpus = static_cast<int>(rng.below(3));
      TaskShape t =
          gpus == 0 ? TaskShape{static_cast<MilliCpu>(rng.below(4000)), 512, 0, 0, 0, kAnyGpuModel}
          : gpus == 1 ? share(static_cast<MilliGpu>(1 + rng.below(1000)),
                              static_cast<MilliCpu>(rng.below(4000)))
                      : whole(2);
      Placement p{static_cast<NodeIndex>(rng.below(specs.size())),
                  static_cast<GpuMask>(rng.below(256))};
      if (ledger.allocate(t, p).is_ok()) held.emplace_back(t, p);
      int64_t allocated = 0;
      for (NodeIndex n = 0; n < ledger.node_count(); ++n) {
        const NodeState& st = ledger.state(n);
        ASSERT_GE(st.free_cpu, 0);
        ASSERT_GE(st.free_memory, 0);
        for (int g = 0; g < kMaxGpusPerNode; ++g) {
          ASSERT_GE(st.free_milli[g], 0);
          ASSERT_LE(st.free_milli[g], g < specs[n].num_gpus ? kMilliPerGpu : 0);
          allocated += (g < specs[n].num_gpus ? kMilliPerGpu : 0) - st.free_milli[g];
        }
      }
      ASSERT_EQ(allocated, ledger.allocated_gpu_milli());
    }
    for (auto& [t, p] : held) ASSERT_TRUE(ledger.release(t, p).is_ok());
    for (NodeIndex n = 0; n < ledger.node_count(); ++n) {
      const NodeState empty = empty_node_state(specs[n]);
      EXPECT_EQ(ledger.state(n).free_cpu, empty.free_cpu);
      EXPECT_EQ(ledger.state(n).free_memory, empty.free_memory);
      EXPECT_EQ(ledger.state(n).free_milli, empty.free_milli);
      EXPECT_EQ(ledger.state(n).free_gpu_memory, empty.free_gpu_memory);
    }
    EXPECT_EQ(ledger.allocated_gpu_milli(), 0);
  }
}

TEST(CapacityLedger, AddNodeAppendsAnEmptyNode) {
  CapacityLedger ledger({node(2)});
  const uint64_t before = ledger.change_sequence();
  EXPECT_EQ(ledger.add_node(node(4, 8000)), 1u);
  EXPECT_EQ(ledger.node_count(), 2u);
  EXPECT_EQ(ledger.total_gpu_milli(), 6000);
  EXPECT_EQ(ledger.state(1).free_cpu, 8000);
  EXPECT_EQ(ledger.state(1).free_milli[3], kMilliPerGpu);
  EXPECT_GT(ledger.change_sequence(), before);
  EXPECT_TRUE(ledger.allocate(whole(4), {1, 0b1111}).is_ok());
}

TEST(CapacityLedger, FencedNodeTakesNothingUntilLifted) {
  CapacityLedger ledger({node(2), node(2)});
  ASSERT_TRUE(ledger.allocate(share(300), {0, 0b01}).is_ok());
  const NodeFence fence = ledger.fence_node(0);
  EXPECT_EQ(ledger.state(0).free_milli[0], 0);
  EXPECT_EQ(ledger.state(0).free_milli[1], 0);
  EXPECT_EQ(ledger.state(0).free_cpu, 0);
  EXPECT_FALSE(ledger.allocate(share(100), {0, 0b10}).is_ok());
  EXPECT_TRUE(ledger.allocate(share(100), {1, 0b10}).is_ok());  // other nodes are untouched
  // The task that held capacity before the fence gives exactly its own part back.
  ASSERT_TRUE(ledger.release(share(300), {0, 0b01}).is_ok());
  EXPECT_EQ(ledger.state(0).free_milli[0], 300);
  ledger.lift_fence(fence);
  EXPECT_EQ(ledger.state(0).free_milli[0], kMilliPerGpu);
  EXPECT_EQ(ledger.state(0).free_milli[1], kMilliPerGpu);
  EXPECT_EQ(ledger.state(0).free_cpu, 32000);
  EXPECT_EQ(ledger.state(0).free_memory, 65536);
  EXPECT_EQ(ledger.allocated_gpu_milli(), 100);
}

}  // namespace
}  // namespace fastgpu

namespace fastgpu {
namespace {

TEST(CapacityLedgerTotals, SumCpuAndMemoryAndSaturateOnAnUnlimitedNode) {
  const NodeSpec small{"a", 4000, 1024, 1, 0, 16384};
  CapacityLedger ledger({small});
  EXPECT_EQ(ledger.total_cpu_milli(), 4000);
  EXPECT_EQ(ledger.total_memory_mib(), 1024);
  NodeSpec unlimited = small;
  unlimited.memory_mib = INT64_MAX / 4;  // an agent that reports no memory limit
  for (int i = 0; i < 5; ++i) ledger.add_node(unlimited);
  EXPECT_EQ(ledger.total_memory_mib(), INT64_MAX);
  EXPECT_EQ(ledger.total_cpu_milli(), 24000);
}

}  // namespace
}  // namespace fastgpu
