#include "sched/typical_workload.h"

#include <gtest/gtest.h>

#include <vector>

namespace fastgpu {
namespace {

TaskShape Shape(MilliCpu cpu, int num_gpu, MilliGpu milli, MemoryMib memory = 1024) {
  return {cpu, memory, num_gpu, milli, 0, kAnyGpuModel};
}

// `count` tasks of each shape, in the order given.
std::vector<Task> Tasks(const std::vector<std::pair<TaskShape, int>>& types) {
  std::vector<Task> tasks;
  for (const auto& [shape, count] : types) {
    for (int i = 0; i < count; ++i) tasks.push_back({std::to_string(tasks.size()), shape});
  }
  return tasks;
}

const TaskShape kA = Shape(1000, 1, 500);
const TaskShape kB = Shape(2000, 1, 1000);
const TaskShape kC = Shape(4000, 0, 0);
// kA, kB, kC with 5, 3 and 2 tasks, deliberately listed out of order.
const std::vector<Task> kTen = Tasks({{kC, 2}, {kA, 5}, {kB, 3}});

std::vector<int64_t> Weights(const TypicalWorkload& w) {
  std::vector<int64_t> out;
  for (const auto& e : w.entries()) out.push_back(e.weight);
  return out;
}

TEST(TypicalWorkload, CountsTypesAndSortsByCountDescending) {
  const TypicalWorkload w = TypicalWorkload::from_tasks(kTen);
  ASSERT_EQ(w.entries().size(), 3u);
  EXPECT_EQ(w.entries()[0].shape, Shape(1000, 1, 500, 0));
  EXPECT_EQ(w.entries()[1].shape, Shape(2000, 1, 1000, 0));
  EXPECT_EQ(w.entries()[2].shape, Shape(4000, 0, 0, 0));  // CPU-only types are kept
  EXPECT_EQ(Weights(w), (std::vector<int64_t>{5, 3, 2}));
  EXPECT_EQ(w.total_weight(), 10);
}

TEST(TypicalWorkload, IgnoresHostAndGpuMemory) {
  TaskShape with_gpu_memory = Shape(1000, 1, 500, 4096);
  with_gpu_memory.gpu_memory_mib = 2048;
  const TypicalWorkload w =
      TypicalWorkload::from_tasks(Tasks({{Shape(1000, 1, 500, 1), 1}, {with_gpu_memory, 2}}));
  ASSERT_EQ(w.entries().size(), 1u);
  EXPECT_EQ(w.entries()[0].weight, 3);
  EXPECT_EQ(w.entries()[0].shape.memory_mib, 0);
  EXPECT_EQ(w.entries()[0].shape.gpu_memory_mib, 0);
}

TEST(TypicalWorkload, DistinguishesModelConstraints) {
  TaskShape on_t4 = kA;
  on_t4.allowed_models = model_bit(*find_gpu_model("T4"));
  const TypicalWorkload w = TypicalWorkload::from_tasks(Tasks({{kA, 1}, {on_t4, 1}}));
  ASSERT_EQ(w.entries().size(), 2u);
  EXPECT_EQ(w.entries()[0].shape.allowed_models, kAnyGpuModel);  // the larger mask first
}

TEST(TypicalWorkload, BreaksCountTiesByCpuThenGpuMilliThenGpuCount) {
  const TaskShape small_cpu = Shape(1000, 1, 1000);
  const TaskShape big_cpu = Shape(8000, 1, 200);
  const TaskShape big_share = Shape(1000, 1, 900);
  const TaskShape two_gpus = Shape(1000, 2, 1000);
  const TypicalWorkload w = TypicalWorkload::from_tasks(
      Tasks({{big_share, 1}, {small_cpu, 1}, {two_gpus, 1}, {big_cpu, 1}}));
  ASSERT_EQ(w.entries().size(), 4u);
  EXPECT_EQ(w.entries()[0].shape.cpu_milli, 8000);
  EXPECT_EQ(w.entries()[1].shape.num_gpu, 2);
  EXPECT_EQ(w.entries()[2].shape.gpu_milli, 1000);
  EXPECT_EQ(w.entries()[2].shape.num_gpu, 1);
  EXPECT_EQ(w.entries()[3].shape.gpu_milli, 900);
}

TEST(TypicalWorkload, CoverageKeepsTheMostPopularTypesUntilCovered) {
  struct Cut {
    int percent;
    std::vector<int64_t> weights;
  };
  for (const Cut& c : {Cut{1, {5}}, Cut{50, {5}}, Cut{51, {5, 3}}, Cut{80, {5, 3}},
                       Cut{81, {5, 3, 2}}, Cut{95, {5, 3, 2}}, Cut{100, {5, 3, 2}}}) {
    const TypicalWorkload w = TypicalWorkload::from_tasks(kTen, c.percent);
    EXPECT_EQ(Weights(w), c.weights) << c.percent << "%";
  }
}

TEST(TypicalWorkload, EmptyTasksGiveAnEmptyWorkload) {
  const TypicalWorkload w = TypicalWorkload::from_tasks({});
  EXPECT_TRUE(w.entries().empty());
  EXPECT_EQ(w.total_weight(), 0);
}

}  // namespace
}  // namespace fastgpu
