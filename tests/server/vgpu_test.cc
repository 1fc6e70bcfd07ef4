// vGPU semantics against a real fastgpud: tasks share a slice while their demands fit it.

#include <gtest/gtest.h>

#include <thread>

#include "daemon_process.h"

namespace fastgpu::testing {
namespace {

class VgpuTest : public ::testing::Test {
 protected:
  int64_t create_vgpu(const std::string& body) {
    const Answer a = daemon_.post("/v1/vgpus", body);
    EXPECT_EQ(a.status, 201) << a.body;
    return a.status == 201 ? int64_t{a.json["id"]} : 0;
  }
  int64_t submit(const std::string& body) {
    const Answer a = daemon_.post("/v1/tasks", body);
    EXPECT_EQ(a.status, 201) << a.body;
    return a.status == 201 ? int64_t{a.json["id"]} : 0;
  }
  nlohmann::json wait_vgpu(int64_t vgpu) {
    const Answer a = daemon_.get("/v1/vgpus/" + std::to_string(vgpu) + "/wait?timeout=60");
    EXPECT_EQ(a.json["done"], true) << a.body;
    return a.json["tasks"];
  }

  TempDir dir_;
  DaemonProcess daemon_{dir_.path()};  // the default inventory: one 40-TFLOPS GPU
};

TEST_F(VgpuTest, TasksThatDoNotFitTogetherRunOneAfterAnother) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const int64_t vgpu = create_vgpu(R"({"tflops": 20})");
  for (const char* body : {R"({"tflops": 20, "seconds": 0.3})", R"({"tflops": 15, "seconds": 0.2})",
                           R"({"tflops": 10, "seconds": 0.1})"}) {
    nlohmann::json request = nlohmann::json::parse(body);
    request["vgpu"] = vgpu;
    submit(request.dump());
  }
  const nlohmann::json tasks = wait_vgpu(vgpu);
  ASSERT_EQ(tasks.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(tasks[i]["state"], "succeeded");
  for (size_t i = 0; i + 1 < 3; ++i) {
    EXPECT_GE(double{tasks[i + 1]["started_at"]}, double{tasks[i]["ended_at"]}) << i;
  }
}

TEST_F(VgpuTest, TasksThatFitTogetherRunConcurrently) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const int64_t vgpu = create_vgpu(R"({"gpu": 0.5, "memory": "8GiB"})");
  const std::string body =
      R"({"gpu": 0.25, "memory": "4GiB", "seconds": 1, "vgpu": )" + std::to_string(vgpu) + "}";
  submit(body);
  submit(body);
  const nlohmann::json tasks = wait_vgpu(vgpu);
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_LT(double{tasks[1]["started_at"]}, double{tasks[0]["ended_at"]});
}

TEST_F(VgpuTest, ATaskWithoutComputeTakesTheWholeVgpu) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const int64_t vgpu = create_vgpu(R"({"tflops": 10})");
  const Answer a =
      daemon_.post("/v1/tasks", R"({"argv": ["true"], "vgpu": )" + std::to_string(vgpu) + "}");
  ASSERT_EQ(a.status, 201) << a.body;
  EXPECT_EQ(a.json["resources"]["tflops"], 10.0);
  EXPECT_EQ(a.json["resources"]["gpu"], 0.25);
}

TEST_F(VgpuTest, DeleteRefusedWhileBusyUnlessForced) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const int64_t vgpu = create_vgpu(R"({"gpu": 0.5})");
  const std::string path = "/v1/vgpus/" + std::to_string(vgpu);
  const int64_t task = submit(R"({"argv": ["sleep", "30"], "vgpu": )" + std::to_string(vgpu) + "}");
  const Answer refused = daemon_.del(path);
  EXPECT_EQ(refused.status, 409);
  EXPECT_NE(refused.json["error"]["message"].get<std::string>().find("force"), std::string::npos);
  EXPECT_EQ(daemon_.get(path).json["state"], "active");
  const Answer deleted = daemon_.del(path + "?force=true");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.json["state"], "deleted");
  EXPECT_EQ(daemon_.get("/v1/tasks/" + std::to_string(task)).json["state"], "cancelled");
  const Answer late =
      daemon_.post("/v1/tasks", R"({"argv": ["true"], "vgpu": )" + std::to_string(vgpu) + "}");
  EXPECT_EQ(late.status, 404) << late.body;
  EXPECT_EQ(daemon_.get("/v1/gpus").json["gpus"][0]["allocated_milli"], 0);
  EXPECT_EQ(daemon_.get("/v1/gpus").json["gpus"][0]["utilization_percent"], 0);
}

TEST_F(VgpuTest, AVgpuThatDoesNotFitNowWaitsForCapacity) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const int64_t big = create_vgpu(R"({"gpu": 0.75})");
  EXPECT_EQ(daemon_.get("/v1/gpus").json["gpus"][0]["utilization_percent"], 75);
  const Answer second = daemon_.post("/v1/vgpus", R"({"gpu": 0.5})");
  ASSERT_EQ(second.status, 201) << second.body;
  EXPECT_EQ(second.json["state"], "pending");
  const std::string path = "/v1/vgpus/" + std::to_string(int64_t{second.json["id"]});
  ASSERT_EQ(daemon_.del("/v1/vgpus/" + std::to_string(big)).status, 200);
  std::string state;
  for (int i = 0; i < 100 && state != "active"; ++i) {
    state = daemon_.get(path).json["state"];
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(state, "active");
  EXPECT_EQ(daemon_.post("/v1/vgpus", R"({"gpu": 1})").json["state"], "pending");
  EXPECT_EQ(daemon_.post("/v1/vgpus", R"({"tflops": 41})").status, 422);
}

// Deleting a vGPU activates a pending one; deleting that one at once (`fastgpu vgpu rm 1 2`)
// used to abort the daemon when both writes met in one commit.
TEST_F(VgpuTest, DeletingAVgpuJustActivatedKeepsTheDaemonAndTheLedgerWhole) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  for (int round = 0; round < 25; ++round) {
    const int64_t big = create_vgpu(R"({"gpu": 0.75})");
    const int64_t waiting = create_vgpu(R"({"gpu": 0.5})");
    std::thread first([&] { daemon_.del("/v1/vgpus/" + std::to_string(big)); });
    if (round % 2 == 1) first.join();  // in order on odd rounds, side by side on even ones
    const Answer second = daemon_.del("/v1/vgpus/" + std::to_string(waiting));
    if (first.joinable()) first.join();
    ASSERT_EQ(daemon_.get("/healthz").status, 200) << "round " << round << "\n" << daemon_.log();
    EXPECT_EQ(second.status, 200) << second.body;
    EXPECT_EQ(daemon_.get("/v1/gpus").json["gpus"][0]["allocated_milli"], 0) << "round " << round;
  }
  EXPECT_TRUE(daemon_.get("/v1/vgpus").json["vgpus"].empty());
}

// The owner lease, ttl and idle timeout: how a vGPU is given back without an explicit delete.
class VgpuLifetimeTest : public VgpuTest {
 protected:
  std::string path(int64_t vgpu) { return "/v1/vgpus/" + std::to_string(vgpu); }
  // Waits up to `limit` for the vGPU to be deleted; returns its last record.
  nlohmann::json deleted_within(int64_t vgpu, std::chrono::milliseconds limit) {
    nlohmann::json record;
    eventually(
        [&] {
          record = daemon_.get(path(vgpu)).json;
          return record["state"] == "deleted";
        },
        limit);
    return record;
  }
};

TEST_F(VgpuLifetimeTest, ALeaseNotRenewedIsReclaimedOnceItsTasksHaveEnded) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const int64_t vgpu = create_vgpu(R"({"gpu": 0.5, "lease": 0.3})");
  EXPECT_EQ(daemon_.get(path(vgpu)).json["lease_seconds"], 0.3);
  const int64_t task = submit(R"({"argv": ["sleep", "1"], "vgpu": )" + std::to_string(vgpu) + "}");
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // lapsed, but a task runs
  EXPECT_EQ(daemon_.get(path(vgpu)).json["state"], "active");
  const nlohmann::json record = deleted_within(vgpu, std::chrono::seconds(10));
  EXPECT_EQ(record["state"], "deleted") << record.dump();
  EXPECT_EQ(record["deleted_reason"], "its lease lapsed (not renewed for 0.3 s)");
  EXPECT_EQ(daemon_.get("/v1/tasks/" + std::to_string(task)).json["state"], "succeeded");
  EXPECT_EQ(daemon_.get("/v1/gpus").json["gpus"][0]["allocated_milli"], 0);
}

TEST_F(VgpuLifetimeTest, RenewingKeepsItAndReleasingGivesItBack) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const int64_t vgpu = create_vgpu(R"({"gpu": 0.5, "lease": 0.5})");
  for (int i = 0; i < 8; ++i) {  // 1.2 s, well past the lease period
    const Answer renewed = daemon_.post(path(vgpu) + "/renew", "{}");
    ASSERT_EQ(renewed.status, 200) << renewed.body;
    EXPECT_TRUE(renewed.json["lease_expires_at"].is_number());
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  EXPECT_EQ(daemon_.get(path(vgpu)).json["state"], "active");
  ASSERT_EQ(daemon_.post(path(vgpu) + "/release", "{}").status, 200);
  const nlohmann::json record = deleted_within(vgpu, std::chrono::seconds(5));
  EXPECT_EQ(record["deleted_reason"], "released by its owner") << record.dump();
  EXPECT_EQ(daemon_.post(path(vgpu) + "/renew", "{}").status, 404);
}

TEST_F(VgpuLifetimeTest, ATtlCancelsTheTasksAndAnIdleTimeoutWaitsForThem) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const int64_t timed = create_vgpu(R"({"gpu": 0.5, "ttl": 0.5})");
  const int64_t idle = create_vgpu(R"({"gpu": 0.25, "idle_timeout": 0.5})");
  const int64_t cut = submit(R"({"argv": ["sleep", "30"], "vgpu": )" + std::to_string(timed) + "}");
  const int64_t kept = submit(R"({"seconds": 1.2, "vgpu": )" + std::to_string(idle) + "}");
  const nlohmann::json ttl_record = deleted_within(timed, std::chrono::seconds(10));
  EXPECT_EQ(ttl_record["deleted_reason"], "its ttl of 0.5 s ran out") << ttl_record.dump();
  EXPECT_EQ(daemon_.get("/v1/tasks/" + std::to_string(cut)).json["state"], "cancelled");
  EXPECT_EQ(daemon_.get(path(idle)).json["state"], "active");  // its task still runs
  const nlohmann::json idle_record = deleted_within(idle, std::chrono::seconds(10));
  EXPECT_EQ(idle_record["deleted_reason"], "idle for 0.5 s") << idle_record.dump();
  EXPECT_EQ(daemon_.get("/v1/tasks/" + std::to_string(kept)).json["state"], "succeeded");
}

TEST_F(VgpuLifetimeTest, AnExplicitDeleteSaysWhoAndBadTimersAreRefused) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const int64_t vgpu = create_vgpu(R"({"gpu": 0.5})");
  const Answer deleted = daemon_.del(path(vgpu));
  ASSERT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.json["deleted_reason"].get<std::string>().rfind("deleted by ", 0), 0u)
      << deleted.body;
  for (const char* body :
       {R"({"gpu": 0.5, "lease": 0})", R"({"gpu": 0.5, "ttl": -1})",
        R"({"gpu": 0.5, "idle_timeout": 9e9})", R"({"gpu": 0.5, "lease": "x"})"}) {
    const Answer refused = daemon_.post("/v1/vgpus", body);
    EXPECT_EQ(refused.status, 400) << body << " " << refused.body;
  }
}

// A share without memory is held to its share of the GPU's memory, and reserves exactly that:
// on one 80 GB A100 a 0.5 slice (40 GB) and a 0.2 slice asking 60 GB are never both placed.
TEST(MemoryPromise, AShareWithoutMemoryReservesWhatItIsHeldTo) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--simulate-gpus", "1xA100-80GB"});
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const Answer half = daemon.post("/v1/vgpus", R"({"gpu": 0.5})");
  ASSERT_EQ(half.status, 201) << half.body;
  EXPECT_EQ(half.json["state"], "active");
  EXPECT_EQ(half.json["memory_bytes"], int64_t{40} << 30) << "vgpu ls shows the limit it holds";
  const Answer big = daemon.post("/v1/vgpus", R"({"gpu": 0.2, "memory": "60GiB"})");
  ASSERT_EQ(big.status, 201) << big.body;
  const std::string big_path = "/v1/vgpus/" + std::to_string(big.json["id"].get<int64_t>());
  EXPECT_EQ(daemon.get(big_path).json["state"], "pending") << "40 + 60 GiB promised on 80";
  // Pool tasks likewise: a 0.2 task asking 60 GiB waits while a 0.25 share (20 GiB) runs.
  const Answer quarter = daemon.post("/v1/tasks", R"({"argv": ["sleep", "30"], "gpu": 0.25})");
  ASSERT_EQ(quarter.status, 201) << quarter.body;
  const std::string quarter_path = "/v1/tasks/" + std::to_string(quarter.json["id"].get<int64_t>());
  ASSERT_TRUE(eventually([&] { return daemon.get(quarter_path).json["state"] == "running"; },
                         std::chrono::seconds(10)));
  const Answer wide =
      daemon.post("/v1/tasks", R"({"argv": ["true"], "gpu": 0.2, "memory": "30GiB"})");
  ASSERT_EQ(wide.status, 201) << wide.body;
  const std::string wide_path = "/v1/tasks/" + std::to_string(wide.json["id"].get<int64_t>());
  EXPECT_EQ(daemon.get(wide_path + "/wait?timeout=1").json["state"], "pending")
      << "40 + 20 + 30 GiB promised on 80";
  EXPECT_EQ(daemon.post(quarter_path + "/cancel", "{}").status, 200);
  EXPECT_EQ(daemon.get(wide_path + "/wait?timeout=30").json["state"], "succeeded");
  EXPECT_EQ(daemon.del("/v1/vgpus/" + std::to_string(half.json["id"].get<int64_t>())).status, 200);
  EXPECT_TRUE(eventually([&] { return daemon.get(big_path).json["state"] == "active"; },
                         std::chrono::seconds(10)));
}

}  // namespace
}  // namespace fastgpu::testing
