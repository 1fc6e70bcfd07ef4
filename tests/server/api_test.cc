// The API's happy paths against a real fastgpud on loopback.

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "daemon_process.h"

namespace fastgpu::testing {
namespace {

class ApiTest : public ::testing::Test {
 protected:
  TempDir dir_;
  DaemonProcess daemon_{dir_.path(), {"--simulate-gpus", "2xA100-80GB"}};
};

TEST_F(ApiTest, HealthMetricsOpenApiAndGpus) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  EXPECT_EQ(daemon_.get("/healthz").json["status"], "ok");
  const Answer metrics = daemon_.get("/metrics");
  EXPECT_NE(metrics.body.find("fastgpu_queue_length"), std::string::npos);
  EXPECT_NE(metrics.body.find("fastgpu_schedule_latency_seconds_bucket"), std::string::npos);
  EXPECT_TRUE(daemon_.get("/openapi.json").json["paths"].contains("/v1/tasks"));
  const Answer gpus = daemon_.get("/v1/gpus");
  ASSERT_EQ(gpus.status, 200);
  ASSERT_EQ(gpus.json["gpus"].size(), 2u);
  EXPECT_EQ(gpus.json["gpus"][0]["model"], "A100-80GB");
  EXPECT_EQ(gpus.json["gpus"][0]["simulated"], true);
  EXPECT_EQ(gpus.json["source"], "simulated");
  const Answer nodes = daemon_.get("/v1/nodes");
  ASSERT_EQ(nodes.json["nodes"].size(), 1u) << nodes.body;
  EXPECT_EQ(nodes.json["nodes"][0]["gpu_indices"].size(), 2u);
  EXPECT_EQ(nodes.json["nodes"][0]["model"], "A100-80GB");
}

TEST_F(ApiTest, CommandTaskRunsWithItsSliceAndLogs) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const Answer submitted = daemon_.post("/v1/tasks", R"({"argv": ["sh", "-c",
      "echo $CUDA_VISIBLE_DEVICES $FASTGPU_TASK_ID $FASTGPU_VGPU_COMPUTE_SHARE $FASTGPU_VGPU_MEMORY_LIMIT; echo oops >&2"],
      "gpu": 0.5, "memory": "1GiB", "name": "hello"})");
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  const int64_t id = submitted.json["id"];
  EXPECT_EQ(submitted.json["state"], "pending");
  const Answer done = daemon_.get("/v1/tasks/" + std::to_string(id) + "/wait?timeout=30");
  ASSERT_EQ(done.json["state"], "succeeded") << done.body;
  EXPECT_EQ(done.json["exit_code"], 0);
  EXPECT_EQ(done.json["name"], "hello");
  const Answer out = daemon_.get("/v1/tasks/" + std::to_string(id) + "/logs");
  const std::string uuid = daemon_.get("/v1/gpus").json["gpus"][0]["uuid"];
  EXPECT_TRUE(uuid.starts_with("GPU-sim-")) << uuid;
  EXPECT_EQ(out.body, uuid + " " + std::to_string(id) + " 500 1073741824\n");
  EXPECT_EQ(daemon_.get("/v1/tasks/" + std::to_string(id) + "/logs?stream=stderr").body, "oops\n");
}

TEST_F(ApiTest, FailingCommandRecordsExitCode) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const Answer submitted = daemon_.post("/v1/tasks", R"({"argv": ["sh", "-c", "exit 3"]})");
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  const Answer done =
      daemon_.get("/v1/tasks/" + std::to_string(int64_t{submitted.json["id"]}) + "/wait");
  EXPECT_EQ(done.json["state"], "failed");
  EXPECT_EQ(done.json["exit_code"], 3);
  EXPECT_NE(std::string(done.json["failure_reason"]).find("exited with code 3"), std::string::npos);
}

TEST_F(ApiTest, CancelRunningAndPendingTasks) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  // Two whole-GPU tasks fill the host; the third waits.
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    const Answer a =
        daemon_.post("/v1/tasks", R"({"argv": ["sh", "-c", "echo up; exec sleep 30"], "gpus": 1})");
    ASSERT_EQ(a.status, 201) << a.body;
    ids.push_back(a.json["id"]);
  }
  for (int i = 0; i < 100 && daemon_.get("/v1/tasks?state=running").json["tasks"].size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(daemon_.get("/v1/tasks/" + std::to_string(ids[2])).json["state"], "pending");
  const Answer cancelled = daemon_.post("/v1/tasks/" + std::to_string(ids[0]) + "/cancel", "");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(cancelled.json["state"], "cancelled");
  // The freed GPU goes to the queued task once the cancelled process group is gone.
  const Answer third = daemon_.get("/v1/tasks/" + std::to_string(ids[2]) + "/wait?timeout=0");
  EXPECT_NE(third.json["state"], "cancelled");
  for (int64_t id : {ids[1], ids[2]}) {
    EXPECT_EQ(daemon_.post("/v1/tasks/" + std::to_string(id) + "/cancel", "").status, 200);
  }
  const Answer again = daemon_.post("/v1/tasks/" + std::to_string(ids[0]) + "/cancel", "");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.json["error"]["code"], "conflict");
  EXPECT_EQ(daemon_.get("/v1/tasks?state=cancelled").json["tasks"].size(), 3u);
}

// A cancelled task whose process ignores SIGTERM gives its GPU back when the SIGKILL after the
// grace ends it; /v1/gpus and /metrics show that at once, with nothing else happening.
TEST_F(ApiTest, AllocationIsShownFreeOnceACancelledProcessIsKilled) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const Answer a = daemon_.post(
      "/v1/tasks", R"({"argv": ["sh", "-c", "trap '' TERM; sleep 30 & wait"], "gpus": 1})");
  ASSERT_EQ(a.status, 201) << a.body;
  const std::string task = "/v1/tasks/" + std::to_string(int64_t{a.json["id"]});
  for (int i = 0; i < 200 && daemon_.get(task).json["state"] != "running"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_EQ(daemon_.post(task + "/cancel", "").status, 200);
  const auto allocated = [this] {
    return daemon_.get("/v1/gpus").json["gpus"][0]["allocated_milli"];
  };
  for (int i = 0; i < 200 && allocated() != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(allocated(), 0);
  EXPECT_NE(daemon_.get("/metrics").body.find("fastgpu_running_tasks 0"), std::string::npos);
}

TEST_F(ApiTest, ListFiltersAndPages) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(daemon_.post("/v1/tasks", R"({"seconds": 0.01, "gpu": 0.1})").status, 201);
  }
  const Answer page = daemon_.get("/v1/tasks?limit=2");
  ASSERT_EQ(page.json["tasks"].size(), 2u);
  const int64_t cursor = page.json["next_cursor"];
  const Answer rest = daemon_.get("/v1/tasks?limit=10&cursor=" + std::to_string(cursor));
  EXPECT_EQ(rest.json["tasks"].size(), 3u);
  EXPECT_EQ(rest.json["next_cursor"], 0);
}

TEST_F(ApiTest, AHigherPriorityTaskPreemptsALowerOne) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  std::vector<int64_t> low;
  for (int i = 0; i < 2; ++i) {  // both GPUs, priority 0
    const Answer a =
        daemon_.post("/v1/tasks", R"({"argv": ["sh", "-c", "echo up; exec sleep 30"], "gpus": 1})");
    ASSERT_EQ(a.status, 201) << a.body;
    low.push_back(a.json["id"]);
  }
  for (int i = 0; i < 100 && daemon_.get("/v1/tasks?state=running").json["tasks"].size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const int older_pid = daemon_.get("/v1/tasks/" + std::to_string(low[0])).json["pid"];
  const int first_pid = daemon_.get("/v1/tasks/" + std::to_string(low[1])).json["pid"];
  const Answer high = daemon_.post("/v1/tasks", R"({"seconds": 0.2, "gpus": 1, "priority": 10})");
  ASSERT_EQ(high.status, 201) << high.body;
  const Answer done =
      daemon_.get("/v1/tasks/" + std::to_string(int64_t{high.json["id"]}) + "/wait?timeout=30");
  EXPECT_EQ(done.json["state"], "succeeded") << done.body;
  // The newest low-priority task was the one preempted; it runs again with a new process.
  EXPECT_EQ(daemon_.get("/v1/tasks/" + std::to_string(low[0])).json["pid"], older_pid);
  nlohmann::json again;
  for (int i = 0; i < 100; ++i) {
    again = daemon_.get("/v1/tasks/" + std::to_string(low[1])).json;
    if (again["state"] == "running" && again["pid"] != first_pid) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(again["state"], "running");
  EXPECT_NE(again["pid"], first_pid);
  EXPECT_EQ(again["retries_used"], 0);
  EXPECT_EQ(again["failure_reason"], "") << "the running attempt is not the preempted one";
  EXPECT_EQ(again["attempts"], 2);
  // Its log marks where the second attempt begins.
  const std::string logs = "/v1/tasks/" + std::to_string(low[1]) + "/logs";
  std::string log;
  for (int i = 0; i < 250 && (log = daemon_.get(logs).body).rfind("up\n") < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string marker = "up\n--- fastgpu: attempt 2 of task " + std::to_string(low[1]) +
                             " (attempt 1 ended: preempted";
  EXPECT_EQ(log.substr(0, marker.size()), marker) << log;
  EXPECT_TRUE(log.ends_with(") ---\nup\n")) << log;
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 3) << log;
  for (int64_t id : low) daemon_.post("/v1/tasks/" + std::to_string(id) + "/cancel", "");
}

}  // namespace
}  // namespace fastgpu::testing
