// Projects sharing a real fastgpud (--accounts): GPUs by weight, caps, priority limits,
// reclaim of preemptible tasks, and why waiting tasks wait.

#include <gtest/gtest.h>

#include "daemon_process.h"
#include "project_watch.h"

namespace fastgpu::testing {
namespace {

void Submit(const DaemonProcess& daemon, const std::string& user, const std::string& body,
            int times = 1) {
  for (int i = 0; i < times; ++i) {
    const Answer a = daemon.post("/v1/tasks", body, token_of(user));
    ASSERT_EQ(a.status, 201) << a.body;
  }
}

TEST(FairShare, ProjectsShareGpusByTheirWeights) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), three_project_flags(dir));
  ASSERT_TRUE(daemon.started()) << daemon.log();
  Submit(daemon, "alice", R"({"gpus": 1, "seconds": 1})", 24);
  Submit(daemon, "bob", R"({"gpus": 1, "seconds": 1})", 24);
  // Once the first wave ends, GPUs go 6 to alice (share 3) and 2 to bob (share 1) until
  // alice's backlog ends; FIFO would give bob none.
  // A sample may fall between a task's end and the start of the one that replaces it (longer on
  // a loaded machine), so the split is judged on the mean of the samples, and on the order the
  // weights give, which no such gap reverses.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  int samples = 0;
  double alice_sum = 0, bob_sum = 0;
  for (;;) {
    auto loads = loads_by_owner(daemon, kAdminToken);
    if (loads["alice"].pending == 0) break;
    EXPECT_GE(loads["alice"].gpus_held, loads["bob"].gpus_held);
    alice_sum += loads["alice"].gpus_held;
    bob_sum += loads["bob"].gpus_held;
    samples += 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GT(samples, 3);
  EXPECT_NEAR(alice_sum / samples, 6, 0.75);
  EXPECT_NEAR(bob_sum / samples, 2, 0.75);
}

TEST(FairShare, AProjectStaysWithinItsCapsAndPriorityLimit) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), three_project_flags(dir));
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const Answer high =
      daemon.post("/v1/tasks", R"({"gpus": 1, "seconds": 1, "priority": 101})", token_of("carol"));
  EXPECT_EQ(high.status, 403);
  EXPECT_NE(high.body.find("max_priority"), std::string::npos) << high.body;
  EXPECT_NE(high.body.find("at most 100"), std::string::npos) << high.body;
  Submit(daemon, "carol", R"({"gpus": 1, "seconds": 0.3, "priority": 100})", 8);
  int most = 0;
  bool saw_quota = false;
  ASSERT_TRUE(eventually(
      [&] {
        const Answer page = daemon.get("/v1/tasks?limit=100", token_of("carol"));
        int held = 0, left = 0;
        for (const auto& t : page.json["tasks"]) {
          if (t["state"] == "running") held += 1;
          if (t["state"] == "pending" || t["state"] == "running") left += 1;
          saw_quota = saw_quota || t.value("pending_reason", "") == "quota";
          EXPECT_EQ(t["project"], "capped");
        }
        most = std::max(most, held);
        return left == 0;
      },
      std::chrono::seconds(30)));
  EXPECT_EQ(most, 2);  // 8 GPUs free, max_gpus = 2
  EXPECT_TRUE(saw_quota);
}

TEST(FairShare, AProjectsVgpusCountInItsQuotaAndWaitSayingWhy) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), three_project_flags(dir));
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const auto create = [&](const char* body) {
    const Answer a = daemon.post("/v1/vgpus", body, token_of("carol"));
    EXPECT_EQ(a.status, 201) << a.body;
    return a.json;
  };
  const nlohmann::json first = create(R"({"gpu": 1})");
  EXPECT_EQ(create(R"({"gpu": 1})")["state"], "active");
  // capped may hold 2 GPUs: its vGPUs hold them all.
  const nlohmann::json third = create(R"({"gpu": 0.5})");
  EXPECT_EQ(third["state"], "pending");
  EXPECT_EQ(third["pending_reason"], "quota") << third.dump();
  EXPECT_EQ(third["project"], "capped");
  Submit(daemon, "carol", R"({"gpus": 1, "seconds": 1})");
  ASSERT_TRUE(eventually(
      [&] {
        return daemon.get("/v1/tasks", token_of("carol"))
                   .json["tasks"][0]
                   .value("pending_reason", "") == "quota";
      },
      std::chrono::seconds(10)));
  EXPECT_NE(daemon.get("/metrics").body.find("fastgpu_project_gpus_held{project=\"capped\"} 2"),
            std::string::npos);
  // Deleting one gives the room back: the waiting vGPU takes its GPU.
  const std::string first_id = std::to_string(first["id"].get<int>());
  ASSERT_EQ(daemon.del("/v1/vgpus/" + first_id, token_of("carol")).status, 200);
  const std::string third_id = std::to_string(third["id"].get<int>());
  EXPECT_TRUE(eventually(
      [&] {
        return daemon.get("/v1/vgpus/" + third_id, token_of("carol")).json["state"] == "active";
      },
      std::chrono::seconds(10)));
}

TEST(FairShare, AProjectBelowItsShareReclaimsPreemptibleTasks) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), three_project_flags(dir));
  ASSERT_TRUE(daemon.started()) << daemon.log();
  Submit(daemon, "alice", R"({"gpus": 1, "preemptible": true, "argv": ["sleep", "600"]})", 8);
  ASSERT_TRUE(
      eventually([&] { return loads_by_owner(daemon, kAdminToken)["alice"].gpus_held == 8; },
                 std::chrono::seconds(20)));
  Submit(daemon, "bob", R"({"gpus": 1, "argv": ["sleep", "600"]})", 3);
  ASSERT_TRUE(eventually([&] { return loads_by_owner(daemon, kAdminToken)["bob"].gpus_held == 2; },
                         std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(700));  // a kill grace and then some
  auto loads = loads_by_owner(daemon, kAdminToken);
  EXPECT_EQ(loads["bob"].gpus_held, 2);  // its share, no more: the third waits
  EXPECT_EQ(loads["alice"].gpus_held, 6);
  EXPECT_EQ(loads["alice"].pending, 2);  // the reclaimed tasks queue again
  const Answer tasks = daemon.get("/v1/tasks?state=pending&limit=100", kAdminToken);
  bool reclaimed_reason = false;
  for (const auto& t : tasks.json["tasks"]) {
    if (t["owner"] == "alice") {
      EXPECT_NE(t["failure_reason"].get<std::string>().find("reclaimed for project nlp"),
                std::string::npos);
      reclaimed_reason = true;
    }
  }
  EXPECT_TRUE(reclaimed_reason);
  cancel_unfinished(daemon, kAdminToken);
}

std::string ReasonOf(const DaemonProcess& daemon, int64_t id, const std::string& token = "") {
  return daemon.get("/v1/tasks/" + std::to_string(id), token).json.value("pending_reason", "");
}

int64_t SubmitOne(const DaemonProcess& daemon, const std::string& body) {
  const Answer a = daemon.post("/v1/tasks", body);
  EXPECT_EQ(a.status, 201) << a.body;
  return a.json.value("id", int64_t{0});
}

TEST(FairShare, WaitingTasksSayWhyOnTheApiAndInPs) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--simulate-gpus", "1xA100-80GB"});
  ASSERT_TRUE(daemon.started()) << daemon.log();
  // A vGPU of half the GPU, filled by one task: the next in it waits for the vGPU.
  const Answer vgpu = daemon.post("/v1/vgpus", R"({"gpu": 0.5})");
  ASSERT_EQ(vgpu.status, 201) << vgpu.body;
  const std::string v = std::to_string(int64_t{vgpu.json["id"]});
  SubmitOne(daemon, R"({"seconds": 60, "vgpu": )" + v + "}");
  const int64_t in_vgpu = SubmitOne(daemon, R"({"seconds": 60, "vgpu": )" + v + "}");
  // The pool's other half, taken: a whole-GPU task waits for resources.
  SubmitOne(daemon, R"({"seconds": 60, "gpu": 0.5})");
  const int64_t whole = SubmitOne(daemon, R"({"seconds": 60, "gpus": 1})");
  // A vGPU that cannot be placed yet, and a task in it: what would hold it is not ready.
  const Answer later = daemon.post("/v1/vgpus", R"({"gpu": 0.5})");
  ASSERT_EQ(later.status, 201) << later.body;
  EXPECT_EQ(later.json["state"], "pending");
  const int64_t in_pending = SubmitOne(
      daemon, R"({"seconds": 1, "vgpu": )" + std::to_string(int64_t{later.json["id"]}) + "}");
  EXPECT_TRUE(eventually([&] { return ReasonOf(daemon, in_vgpu) == "vgpu_busy"; },
                         std::chrono::seconds(5)));
  EXPECT_TRUE(
      eventually([&] { return ReasonOf(daemon, whole) == "resources"; }, std::chrono::seconds(5)));
  EXPECT_TRUE(eventually([&] { return ReasonOf(daemon, in_pending) == "node_not_ready"; },
                         std::chrono::seconds(5)));
  const Answer task = daemon.get("/v1/tasks/" + std::to_string(whole));
  EXPECT_NE(task.json["pending_reason_text"].get<std::string>().find("free now"),
            std::string::npos);
  EXPECT_EQ(task.json["project"], "default");
  const CliRun ps = fastgpu_cli(daemon, "ps");
  EXPECT_NE(ps.output.find("vgpu_busy"), std::string::npos) << ps.output;
  EXPECT_NE(ps.output.find("node_not_ready"), std::string::npos) << ps.output;
}

TEST(FairShare, ABadAccountsFileIsRefusedAtStartNamingFileKeyAndLine) {
  TempDir dir;
  const std::string path =
      write_private_file(dir.path() + "/acc.toml", "[projects.a]\nshare = 1\nmax_gpu = 2\n");
  std::string log;
  EXPECT_EQ(run_fastgpud_to_exit({"--data-dir", dir.path() + "/state", "--accounts", path}, &log),
            1);
  EXPECT_NE(log.find("acc.toml: project 'a': field 'max_gpu' (line 3): unknown field"),
            std::string::npos)
      << log;
}

}  // namespace
}  // namespace fastgpu::testing
