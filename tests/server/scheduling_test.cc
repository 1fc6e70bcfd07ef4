// Queue order on a real fastgpud: backfill of smaller tasks, bounded by the head's patience.

#include <gtest/gtest.h>

#include "daemon_process.h"

namespace fastgpu {
namespace {

using testing::Answer;
using testing::DaemonProcess;
using testing::TempDir;

// On one GPU: a blocker holding 0.6, then a head asking 0.6 (does not fit) and a small task
// asking 0.3 (fits beside the blocker). Returns the start times of head and small.
std::pair<double, double> head_and_small_starts(const std::string& patience_ms) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--backfill-patience-ms", patience_ms});
  EXPECT_TRUE(daemon.started()) << daemon.log();
  std::vector<int64_t> ids;
  for (const char* body : {R"({"seconds": 0.5, "gpu": 0.6})", R"({"seconds": 0.1, "gpu": 0.6})",
                           R"({"seconds": 0.1, "gpu": 0.3})"}) {
    const Answer a = daemon.post("/v1/tasks", body);
    EXPECT_EQ(a.status, 201) << a.body;
    ids.push_back(a.json["id"]);
  }
  const auto started = [&daemon](int64_t id) -> double {
    return daemon.get("/v1/tasks/" + std::to_string(id) + "/wait?timeout=30").json["started_at"];
  };
  return {started(ids[1]), started(ids[2])};
}

TEST(SchedulingTest, SmallTasksBackfillPastAHeadThatDoesNotFit) {
  const auto [head, small] = head_and_small_starts("10000");
  EXPECT_LT(small, head);
}

TEST(SchedulingTest, AHeadPastItsPatienceIsNotPassedOver) {
  const auto [head, small] = head_and_small_starts("0");
  EXPECT_GE(small, head);
}

// A head that waits for GPUs holds the GPUs, not the CPUs: a task asking no GPU still runs,
// while a GPU task behind the head still waits.
TEST(SchedulingTest, ATaskAskingNoGpuPassesAHeadThatWaitsForGpus) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--backfill-patience-ms", "0"});
  ASSERT_TRUE(daemon.started()) << daemon.log();
  ASSERT_EQ(daemon.post("/v1/vgpus", R"({"gpu": 1})").status, 201);  // the whole GPU
  const Answer head = daemon.post("/v1/tasks", R"({"seconds": 0.1, "gpu": 0.5})");
  const Answer gpu_task = daemon.post("/v1/tasks", R"({"seconds": 0.1, "gpu": 0.1})");
  const Answer cpu_task = daemon.post("/v1/tasks", R"({"argv": ["true"]})");
  ASSERT_EQ(cpu_task.status, 201) << cpu_task.body;
  const nlohmann::json done =
      daemon.get("/v1/tasks/" + std::to_string(int64_t{cpu_task.json["id"]}) + "/wait?timeout=10")
          .json;
  EXPECT_EQ(done["state"], "succeeded");
  for (const Answer* waiting : {&head, &gpu_task}) {
    const int64_t id = waiting->json["id"];
    EXPECT_EQ(daemon.get("/v1/tasks/" + std::to_string(id)).json["state"], "pending");
  }
}

}  // namespace
}  // namespace fastgpu
