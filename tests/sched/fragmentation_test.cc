#include "sched/fragmentation.h"

#include <gtest/gtest.h>

#include <vector>

namespace fastgpu {
namespace {

TaskShape Shape(MilliCpu cpu, int num_gpu, MilliGpu milli) {
  return {cpu, 1024, num_gpu, milli, 0, kAnyGpuModel};
}

// A 4-GPU V100 node with 10 cores free and GPUs free [1000, 600, 200, 0]: 1800 idle.
NodeSpec Spec() {
  const GpuModelId v100 = *find_gpu_model("V100M16");
  return {"n", 64000, 262144, 4, v100, gpu_model_spec(v100).memory_mib};
}
NodeState State(std::vector<MilliGpu> free = {1000, 600, 200, 0}) {
  NodeState s = empty_node_state(Spec());
  s.free_cpu = 10000;
  for (size_t g = 0; g < free.size(); ++g) s.free_milli[g] = free[g];
  return s;
}

// The model of a workload of `count` tasks of each shape.
FragmentationModel Model(const std::vector<std::pair<TaskShape, int>>& types) {
  std::vector<Task> tasks;
  for (const auto& [shape, count] : types) {
    for (int i = 0; i < count; ++i) tasks.push_back({std::to_string(tasks.size()), shape});
  }
  return FragmentationModel(TypicalWorkload::from_tasks(tasks));
}

// Fragment of the node for a workload of the one type `shape`.
int64_t FragmentFor(const TaskShape& shape, const NodeState& state = State()) {
  return Model({{shape, 1}}).weighted(Spec(), state);
}

TEST(Fragmentation, CpuOnlyTypeCountsAllIdleGpu) {
  EXPECT_EQ(FragmentFor(Shape(1000, 0, 0)), 1800);
}

TEST(Fragmentation, TypeThatDoesNotFitCountsAllIdleGpu) {
  EXPECT_EQ(FragmentFor(Shape(1000, 2, 1000)), 1800);  // only one GPU is whole
  EXPECT_EQ(FragmentFor(Shape(1000, 1, 700), State({600, 600, 200, 0})), 1400);
  EXPECT_EQ(FragmentFor(Shape(20000, 1, 100)), 1800);  // more CPU than is free
}

TEST(Fragmentation, TypeThatFitsCountsOnlyGpusTooSmall) {
  EXPECT_EQ(FragmentFor(Shape(1000, 1, 1000)), 600 + 200);
  EXPECT_EQ(FragmentFor(Shape(1000, 1, 500)), 200);
  EXPECT_EQ(FragmentFor(Shape(1000, 1, 200)), 0);
  EXPECT_EQ(FragmentFor(Shape(10000, 1, 100)), 0);  // exactly the free CPU still fits
}

TEST(Fragmentation, DisallowedModelCountsAllIdleGpu) {
  TaskShape on_t4 = Shape(1000, 1, 100);
  on_t4.allowed_models = model_bit(*find_gpu_model("T4"));
  EXPECT_EQ(FragmentFor(on_t4), 1800);
  on_t4.allowed_models |= model_bit(*find_gpu_model("V100M16"));
  EXPECT_EQ(FragmentFor(on_t4), 0);
}

TEST(Fragmentation, FullNodeHasNoFragment) {
  EXPECT_EQ(FragmentFor(Shape(1000, 0, 0), State({0, 0, 0, 0})), 0);
}

TEST(Fragmentation, WeightsByTypeCount) {
  const FragmentationModel m = Model({{Shape(1000, 1, 1000), 3}, {Shape(1000, 1, 500), 1}});
  EXPECT_EQ(m.total_weight(), 4);
  EXPECT_EQ(m.weighted(Spec(), State()), 3 * 800 + 1 * 200);
}

TEST(Fragmentation, EmptyWorkloadMeasuresNothing) {
  const FragmentationModel m{TypicalWorkload()};
  EXPECT_EQ(m.total_weight(), 0);
  EXPECT_EQ(m.weighted(Spec(), State()), 0);
}

}  // namespace
}  // namespace fastgpu
