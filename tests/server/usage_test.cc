// Usage accounting on a real fastgpud: GET /v1/usage per user and project, priced, with running
// work counted so far; what each token may see; the ledger across a restart; the per-project
// Prometheus series; `fastgpu usage`.

#include <gtest/gtest.h>

#include "daemon_process.h"
#include "project_watch.h"

namespace fastgpu::testing {
namespace {

// The projects of three_project_flags(), with a price of 3.6 per A100 GPU-hour (0.001 per
// GPU-second) and 0 for other models.
std::vector<std::string> priced_flags(const TempDir& dir) {
  std::vector<std::string> flags = three_project_flags(dir);
  const std::string accounts = write_private_file(dir.path() + "/priced.toml", R"(
[projects.vision]
share = 3
users = ["alice"]
[projects.nlp]
users = ["bob"]
[projects.capped]
max_gpus = 2
users = ["carol"]
[prices]
"A100-80GB" = 3.6
)");
  flags.back() = accounts;  // the value of --accounts
  return flags;
}

void Submit(const DaemonProcess& daemon, const std::string& user, const std::string& body) {
  const Answer a = daemon.post("/v1/tasks", body, token_of(user));
  ASSERT_EQ(a.status, 201) << a.body;
}

bool AllSucceeded(const DaemonProcess& daemon, size_t count) {
  return eventually(
      [&] {
        return daemon.get("/v1/tasks?state=succeeded", kAdminToken).json["tasks"].size() == count;
      },
      std::chrono::seconds(20));
}

// The row of `key` == `name` in the report's `list` ("users" or "projects"), or null.
nlohmann::json RowOf(const nlohmann::json& report, const char* list, const char* key,
                     const std::string& name) {
  for (const nlohmann::json& row : report.value(list, nlohmann::json::array())) {
    if (row[key] == name) return row;
  }
  return nullptr;
}

TEST(Usage, EndedAndRunningWorkIsChargedToItsUserAndProjectAndPriced) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), priced_flags(dir));
  ASSERT_TRUE(daemon.started()) << daemon.log();
  Submit(daemon, "alice", R"({"gpus": 1, "seconds": 1})");
  Submit(daemon, "alice", R"({"gpus": 1, "seconds": 1})");
  Submit(daemon, "bob", R"({"gpus": 2, "seconds": 1})");
  Submit(daemon, "carol", R"({"gpus": 1, "argv": ["sleep", "600"]})");
  ASSERT_TRUE(AllSucceeded(daemon, 3));

  const Answer answer = daemon.get("/v1/usage", kAdminToken);
  ASSERT_EQ(answer.status, 200) << answer.body;
  const nlohmann::json& report = answer.json;
  const nlohmann::json alice = RowOf(report, "users", "user", "alice");
  ASSERT_FALSE(alice.is_null()) << report.dump();
  EXPECT_EQ(alice["project"], "vision");
  EXPECT_NEAR(alice["gpu_seconds"].get<double>(), 2.0, 0.3) << report.dump();
  EXPECT_NEAR(alice["gpu_seconds_by_model"]["A100-80GB"].get<double>(), 2.0, 0.3);
  EXPECT_EQ(alice["task_ends"]["succeeded"], 2);
  EXPECT_NEAR(alice["cost"].get<double>(), alice["gpu_seconds"].get<double>() * 0.001, 1e-9);
  const nlohmann::json bob = RowOf(report, "users", "user", "bob");
  EXPECT_NEAR(bob["gpu_seconds"].get<double>(), 2.0, 0.3) << "two GPUs for one second";
  // carol's task still runs: its time so far counts, no end yet.
  const nlohmann::json carol = RowOf(report, "users", "user", "carol");
  ASSERT_FALSE(carol.is_null()) << report.dump();
  EXPECT_GT(carol["gpu_seconds"].get<double>(), 0);
  EXPECT_TRUE(carol["task_ends"].empty());
  const nlohmann::json nlp = RowOf(report, "projects", "project", "nlp");
  ASSERT_FALSE(nlp.is_null()) << report.dump();
  EXPECT_EQ(nlp["task_ends"]["succeeded"], 1);

  const std::string metrics = daemon.get("/metrics").body;
  EXPECT_NE(
      metrics.find("fastgpu_project_task_ends_total{project=\"vision\",state=\"succeeded\"} 2"),
      std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("fastgpu_project_gpu_seconds_total{project=\"nlp\"} "), std::string::npos);
  EXPECT_NE(metrics.find("fastgpu_project_gpus_held{project=\"capped\"} 1"), std::string::npos);
  cancel_unfinished(daemon, kAdminToken);  // carol's sleep
}

TEST(Usage, UsersSeeOnlyTheirOwnAndTheLedgerOutlivesARestart) {
  TempDir dir;
  const std::vector<std::string> flags = priced_flags(dir);
  auto daemon = std::make_unique<DaemonProcess>(dir.path(), flags);
  ASSERT_TRUE(daemon->started()) << daemon->log();
  Submit(*daemon, "alice", R"({"gpus": 1, "seconds": 0.5})");
  Submit(*daemon, "bob", R"({"gpus": 1, "seconds": 0.5})");
  ASSERT_TRUE(AllSucceeded(*daemon, 2));

  const Answer own = daemon->get("/v1/usage", token_of("alice"));
  ASSERT_EQ(own.status, 200) << own.body;
  ASSERT_EQ(own.json["users"].size(), 1u) << own.body;
  EXPECT_EQ(own.json["users"][0]["user"], "alice");
  EXPECT_FALSE(own.json.contains("projects")) << "a user sees no project totals";
  const Answer other = daemon->get("/v1/usage?user=bob", token_of("alice"));
  EXPECT_EQ(other.status, 403) << other.body;
  const Answer bad = daemon->get("/v1/usage?since=yesterday", token_of("alice"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("since"), std::string::npos) << bad.body;
  const Answer later = daemon->get("/v1/usage?since=99999999999", kAdminToken);
  EXPECT_TRUE(later.json["users"].empty()) << later.body;

  ASSERT_EQ(daemon->stop(), 0);
  daemon = std::make_unique<DaemonProcess>(dir.path(), flags);
  ASSERT_TRUE(daemon->started()) << daemon->log();
  const Answer after = daemon->get("/v1/usage?user=bob", kAdminToken);
  ASSERT_EQ(after.json["users"].size(), 1u) << after.body;
  EXPECT_EQ(after.json["users"][0]["task_ends"]["succeeded"], 1);
  EXPECT_NEAR(after.json["users"][0]["gpu_seconds"].get<double>(), 0.5, 0.3);
}

TEST(Usage, TheCliShowsUsersAndProjects) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), priced_flags(dir));
  ASSERT_TRUE(daemon.started()) << daemon.log();
  Submit(daemon, "bob", R"({"gpus": 1, "seconds": 0.2})");
  ASSERT_TRUE(AllSucceeded(daemon, 1));
  // A vGPU is charged its slice from its creation to its deletion, its task not again.
  const Answer vgpu = daemon.post("/v1/vgpus", R"({"gpu": 0.5})", token_of("bob"));
  ASSERT_EQ(vgpu.status, 201) << vgpu.body;
  const std::string id = std::to_string(vgpu.json["id"].get<int>());
  Submit(daemon, "bob", R"({"vgpu": )" + id + R"(, "seconds": 0.2})");
  ASSERT_TRUE(AllSucceeded(daemon, 2));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(daemon.del("/v1/vgpus/" + id, token_of("bob")).status, 200);
  const nlohmann::json bob =
      RowOf(daemon.get("/v1/usage", token_of("bob")).json, "users", "user", "bob");
  EXPECT_EQ(bob["vgpus_ended"], 1) << bob.dump();
  EXPECT_EQ(bob["task_ends"]["succeeded"], 2) << bob.dump();
  // 0.2 s on one GPU, then 0.5 GPU for the vGPU's life (> 0.5 s): the task inside not again.
  EXPECT_GT(bob["gpu_seconds"].get<double>(), 0.2 + 0.25) << bob.dump();
  EXPECT_LT(bob["gpu_seconds"].get<double>(), 0.2 + 0.5 * 5) << bob.dump();

  const CliRun run = fastgpu_cli(daemon, "usage --since 1h --token " + std::string(kAdminToken));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("USER"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("succeeded 2"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("PROJECT"), std::string::npos) << run.output;
  const CliRun refused = fastgpu_cli(daemon, "usage --since lastweek");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("--since"), std::string::npos) << refused.output;
}

}  // namespace
}  // namespace fastgpu::testing
