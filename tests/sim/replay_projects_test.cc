// The replay with projects: the queue engine's fair share and reclaim, on small clusters.

#include <gtest/gtest.h>

#include "sim/replay.h"

namespace fastgpu {
namespace {

NodeSpec Node(int gpus) {
  const GpuModelId v100 = *find_gpu_model("V100M16");
  return {"n", 64000, 262144, gpus, v100, gpu_model_spec(v100).memory_mib};
}

Task OneGpu(int64_t created, int64_t seconds) {
  Task t{"t", {2000, 4096, 1, kMilliPerGpu, 0, kAnyGpuModel}};
  t.creation_time = created;
  t.deletion_time = created + seconds;
  return t;
}

std::vector<NodeSpec> Cluster() { return {Node(8)}; }

// A CPU-only task that keeps the trace going until `end` (the replay stops at the trace's end).
Task KeepGoing(int64_t end) {
  Task t{"keep", {1000, 1024, 0, 0, 0, kAnyGpuModel}};
  t.creation_time = 0;
  t.deletion_time = end;
  return t;
}
std::vector<Task> Tasks(int n) { return std::vector<Task>(static_cast<size_t>(n), OneGpu(0, 1)); }

ReplayOptions TwoProjects(bool preemptible) {
  ReplayOptions options;
  options.policy = "best-fit";
  options.accounts.projects = {{.name = "vision", .share = 3}, {.name = "nlp", .share = 1}};
  options.preemptible = preemptible;
  return options;
}

// Adds `count` ten-second one-GPU tasks arriving at `created`, of project `project`.
void AddOneGpuTasks(int count, int64_t created, int32_t project, std::vector<Task>* trace,
                    ReplayOptions* options) {
  for (int i = 0; i < count; ++i) {
    trace->push_back(OneGpu(created, 10));
    options->project_of_task.push_back(project);
  }
}

// 8 GPUs; vision's 40 ten-second tasks arrive first, nlp's 40 a second later: once vision's
// first wave ends, GPUs go 6 to vision and 2 to nlp while both wait.
TEST(ReplayProjects, ProjectsShareTheClusterByWeight) {
  std::vector<Task> trace = {KeepGoing(1000)};
  ReplayOptions options = TwoProjects(false);
  options.project_of_task.push_back(0);
  AddOneGpuTasks(40, 0, 0, &trace, &options);
  AddOneGpuTasks(40, 1, 1, &trace, &options);
  ReplayRun run;
  ASSERT_TRUE(run_replay(Cluster(), trace, options, &run).is_ok());
  ASSERT_EQ(run.projects.size(), 2u);
  EXPECT_EQ(run.projects[0].tasks, 41);
  EXPECT_DOUBLE_EQ(run.projects[0].weight_percent, 75);
  // Contended from 1 s; the first 9 s vision holds all 8 (it came first, nothing preempts).
  EXPECT_GT(run.projects[0].contended_gpu_percent, 70);
  EXPECT_LT(run.projects[0].contended_gpu_percent, 85);
  EXPECT_GT(run.saturated_seconds, 0) << "both want more than their parts";
  EXPECT_NEAR(run.projects[0].saturated_gpu_percent, run.projects[0].contended_gpu_percent, 5);
}

// nlp waits with one task only: it wants less than its part (2 of 8 GPUs), so the time counts
// as contended but not as saturated, when the weights alone would decide.
TEST(ReplayProjects, SaturatedTimeNeedsEveryProjectToWantItsPart) {
  std::vector<Task> trace = {KeepGoing(1000)};
  ReplayOptions options = TwoProjects(false);
  options.project_of_task.push_back(0);
  AddOneGpuTasks(40, 0, 0, &trace, &options);
  AddOneGpuTasks(1, 1, 1, &trace, &options);
  ReplayRun run;
  ASSERT_TRUE(run_replay(Cluster(), trace, options, &run).is_ok());
  EXPECT_GT(run.contended_seconds, 0);
  EXPECT_EQ(run.saturated_seconds, 0);
  EXPECT_EQ(run.projects[0].saturated_gpu_percent, 0);
}

// With preemptible tasks, nlp reclaims its 2 GPUs at once instead of waiting 9 s.
TEST(ReplayProjects, ReclaimBringsAProjectToItsShareAtOnce) {
  std::vector<Task> trace = {KeepGoing(1000)};
  ReplayOptions options = TwoProjects(true);
  options.project_of_task.push_back(0);
  for (int i = 0; i < 8; ++i) {
    trace.push_back(OneGpu(0, 100));
    options.project_of_task.push_back(0);
  }
  for (int i = 0; i < 4; ++i) {
    trace.push_back(OneGpu(1, 10));
    options.project_of_task.push_back(1);
  }
  ReplayRun run;
  ASSERT_TRUE(run_replay(Cluster(), trace, options, &run).is_ok());
  EXPECT_EQ(run.tasks_reclaimed, 2);         // its share (2 of 8), no more
  EXPECT_EQ(run.projects[1].delay.p50, 0);   // two started at once by reclaim
  EXPECT_EQ(run.projects[1].delay.max, 10);  // the other two after them
  EXPECT_EQ(run.tasks_placed, 13);
}

TEST(ReplayProjects, RefusesProjectsThatDoNotMatch) {
  ReplayOptions options = TwoProjects(false);
  options.project_of_task = {0, 2};
  ReplayRun run;
  const Status s = run_replay(Cluster(), Tasks(2), options, &run);
  EXPECT_FALSE(s.is_ok());
  options.project_of_task = {0};
  EXPECT_FALSE(run_replay(Cluster(), Tasks(2), options, &run).is_ok());
  options.project_of_task.clear();
  options.compress = 0.5;
  EXPECT_FALSE(run_replay(Cluster(), Tasks(1), options, &run).is_ok());
}

}  // namespace
}  // namespace fastgpu
