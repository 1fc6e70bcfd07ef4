// What a tenant's task can and cannot do, tried as a hostile tenant would against a real
// fastgpud with user tokens.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "daemon_process.h"

namespace fastgpu::testing {
namespace {

constexpr const char* kAlice = "alice-token-0123456789";
constexpr const char* kBob = "bob-token-0123456789ab";
constexpr const char* kAdmin = "admin-token-0123456789";

class ConfinementTest : public ::testing::Test {
 protected:
  static std::string tokens_file(const TempDir& dir) {
    const std::string path = dir.path() + "/tokens";
    std::ofstream(path) << kAlice << " alice\n" << kBob << " bob\n" << kAdmin << " root admin\n";
    ::chmod(path.c_str(), 0600);  // as a careful operator keeps it
    return path;
  }
  // Submits `body` as `token`'s user; returns the task's path.
  std::string submit(const nlohmann::json& body, const char* token = kAlice) {
    const Answer a = daemon_.post("/v1/tasks", body.dump(), token);
    EXPECT_EQ(a.status, 201) << a.body;
    return "/v1/tasks/" + std::to_string(a.json.value("id", int64_t{0}));
  }
  nlohmann::json wait(const std::string& path) {
    return daemon_.get(path + "/wait?timeout=60", kAdmin).json;
  }
  // Runs `argv` as `token`'s user and returns its stdout once it ended.
  std::string output_of_as(const nlohmann::json& argv, const char* token) {
    const Answer a = daemon_.post("/v1/tasks", nlohmann::json{{"argv", argv}}.dump(), token);
    EXPECT_EQ(a.status, 201) << a.body;
    const std::string path = "/v1/tasks/" + std::to_string(a.json.value("id", int64_t{0}));
    daemon_.get(path + "/wait?timeout=60", token);
    return daemon_.get(path + "/logs", token).body;
  }
  std::string output_of(const nlohmann::json& argv) { return output_of_as(argv, kAlice); }

  TempDir dir_;
  // The daemon's environment holds a secret its tasks must not see.
  bool secret_set_ = ::setenv("FASTGPU_TEST_DAEMON_SECRET", "only-the-daemon-knows", 1) == 0;
  DaemonProcess daemon_{dir_.path(), {"--tokens-file", tokens_file(dir_)}};
};

TEST_F(ConfinementTest, ATaskSeesAMinimalEnvironmentAndNoneOfTheDaemons) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  ::unsetenv("FASTGPU_TEST_DAEMON_SECRET");
  const std::string env = output_of({"env"});
  EXPECT_EQ(env.find("only-the-daemon-knows"), std::string::npos) << env;
  EXPECT_NE(env.find("USER=alice\n"), std::string::npos) << env;
  EXPECT_NE(env.find("PATH=/usr/local/sbin:"), std::string::npos) << env;
  EXPECT_NE(env.find("FASTGPU_TASK_ID="), std::string::npos) << env;
}

TEST_F(ConfinementTest, VariablesFastGpuOwnsCannotBeSet) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  for (const char* name : {"FASTGPU_VGPU_BURST", "FASTGPU_VGPU_MEMORY_LIMIT", "LD_PRELOAD",
                           "LD_AUDIT", "CUDA_VISIBLE_DEVICES"}) {
    const nlohmann::json task = {{"argv", {"true"}}, {"env", {{name, "1"}}}};
    const Answer refused = daemon_.post("/v1/tasks", task.dump(), kAlice);
    EXPECT_EQ(refused.status, 400) << name << " " << refused.body;
    EXPECT_NE(refused.body.find(name), std::string::npos) << refused.body;
  }
}

TEST_F(ConfinementTest, OnlyAnAdminMayTurnEnforcementOffForAFractionalSlice) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const std::string fractional = R"({"argv": ["true"], "gpu": 0.5, "enforce": false})";
  const Answer refused = daemon_.post("/v1/tasks", fractional, kAlice);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(refused.body.find("enforce"), std::string::npos) << refused.body;
  EXPECT_EQ(daemon_.post("/v1/tasks", fractional, kAdmin).status, 201);
  // Whole GPUs are not sliced: anyone may opt out there.
  EXPECT_EQ(daemon_.post("/v1/tasks", R"({"argv": ["true"], "gpus": 1, "enforce": false})", kAlice)
                .status,
            201);
}

// The rest needs a root daemon: only root can give tasks identities and cgroups.
class RootConfinementTest : public ConfinementTest {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "fastgpud confines tasks only when it runs as root";
  }
};

TEST_F(RootConfinementTest, ATaskRunsAsItsUsersOwnUidAndCannotReachTheDaemonsSecrets) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  std::string bob =
      output_of_as({"sh", "-c", "echo secret-of-bob > bob-notes; chmod 600 bob-notes; pwd"}, kBob);
  ASSERT_FALSE(bob.empty());
  bob.pop_back();  // pwd's newline
  const std::string script =
      "id -u; id -G; "
      "cat " +
      dir_.path() +
      "/tokens || echo tokens-refused; "
      "cat " +
      dir_.path() +
      "/fastgpu.db >/dev/null || echo db-refused; "
      "ls " +
      dir_.path() +
      "/logs || echo logs-refused; "
      "cat " +
      bob +
      "/bob-notes || echo notes-refused; "
      "kill -0 $PPID || echo daemon-refused; "
      "tr '\\0' ' ' < /proc/$PPID/environ || echo environ-refused";
  const std::string out = output_of({"sh", "-c", script});
  std::istringstream lines(out);
  std::string uid;
  std::string groups;
  std::getline(lines, uid);
  std::getline(lines, groups);
  EXPECT_NE(uid, "0") << out;
  EXPECT_GE(std::stoll(uid), 1900000000) << out;
  EXPECT_EQ(groups, uid) << "no supplementary group: " << out;
  for (const char* refused : {"tokens-refused", "db-refused", "logs-refused", "notes-refused",
                              "daemon-refused", "environ-refused"}) {
    EXPECT_NE(out.find(refused), std::string::npos) << refused << " missing in\n" << out;
  }
  EXPECT_EQ(out.find(kAdmin), std::string::npos) << out;
  EXPECT_EQ(out.find("secret-of-bob"), std::string::npos) << out;
  const std::string bob_uid = output_of_as({"id", "-u"}, kBob);
  EXPECT_NE(bob_uid, uid + "\n") << "alice and bob share a uid";
}

TEST_F(ConfinementTest, AnotherUsersVgpuCannotBeRenewedReleasedOrDeleted) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const Answer made = daemon_.post("/v1/vgpus", R"({"gpu": 0.5, "lease": 60})", kAlice);
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string path = "/v1/vgpus/" + std::to_string(int64_t{made.json["id"]});
  EXPECT_EQ(daemon_.post(path + "/renew", "{}", kBob).status, 404);
  EXPECT_EQ(daemon_.post(path + "/release", "{}", kBob).status, 404);
  EXPECT_EQ(daemon_.del(path, kBob).status, 404);
  EXPECT_EQ(daemon_.get(path, kAlice).json["state"], "active");
  EXPECT_EQ(daemon_.post(path + "/renew", "{}", kAlice).status, 200);
}

TEST_F(ConfinementTest, HealthSaysWhatIsEnforced) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const std::string said = daemon_.get("/healthz").json["confinement"];
  EXPECT_NE(said.find(::geteuid() == 0 ? "own uids, in cgroups" : "not root"), std::string::npos)
      << said;
}

TEST_F(RootConfinementTest, ASetsidChildDoesNotSurviveCancel) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const std::string path =
      submit({{"argv", {"sh", "-c", "setsid sleep 300 & echo $!; sleep 300"}}});
  std::string out;
  ASSERT_TRUE(eventually([&] { return !(out = daemon_.get(path + "/logs", kAlice).body).empty(); },
                         std::chrono::seconds(20)));
  const pid_t escaped = std::stoi(out);
  ASSERT_TRUE(alive(escaped));
  ASSERT_EQ(daemon_.post(path + "/cancel", "", kAlice).status, 200);
  EXPECT_TRUE(eventually([&] { return !alive(escaped); }, std::chrono::seconds(10)))
      << "the setsid child " << escaped << " outlived its cancelled task";
}

TEST_F(RootConfinementTest, ATaskAboveItsMemoryIsKilledAndSaysSo) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const std::string path =
      submit({{"argv", {"python3", "-c", "b = b'x' * (1 << 30)"}}, {"host_memory", "256MiB"}});
  const nlohmann::json task = wait(path);
  EXPECT_EQ(task["state"], "failed") << task.dump();
  EXPECT_NE(task["failure_reason"].get<std::string>().find("out of memory"), std::string::npos)
      << task.dump();
  EXPECT_LE(task["usage"]["peak_memory_bytes"].get<int64_t>(), int64_t{256} << 20);
}

TEST_F(RootConfinementTest, ATaskGetsNoMoreCpuThanItAsked) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const std::string path =
      submit({{"argv", {"timeout", "2", "sh", "-c", "while :; do :; done"}}, {"cpu", 0.5}});
  const nlohmann::json task = wait(path);
  const double wall = task["ended_at"].get<double>() - task["started_at"].get<double>();
  const double cpu = task["usage"]["cpu_seconds"].get<double>();
  EXPECT_GT(cpu, 0.0) << task.dump();
  // The quota's side: at most half a core. The floor depends on how busy this host is; the
  // figure is measured in docs/BENCHMARKS.md.
  EXPECT_LE(cpu / wall, 0.6) << cpu << " s of CPU in " << wall << " s";
}

TEST_F(RootConfinementTest, ATenantCannotMakeReadOrChangeAnotherVgpusLedger) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  // Bob learns where ledgers live from his own fractional task's slice file.
  const Answer mine = daemon_.post(
      "/v1/tasks",
      R"({"argv": ["sed", "-n", "s/^FASTGPU_VGPU_LEDGER_DIR=//p", "/run/fastgpu-vgpu/slice.env"],
          "gpu": 0.25})",
      kBob);
  ASSERT_EQ(mine.status, 201) << mine.body;
  const std::string bobs = "/v1/tasks/" + std::to_string(mine.json["id"].get<int64_t>());
  wait(bobs);
  std::string bob_ledger = daemon_.get(bobs + "/logs", kBob).body;
  ASSERT_FALSE(bob_ledger.empty()) << "a confined fractional task has a ledger directory";
  bob_ledger.pop_back();
  const std::string base = bob_ledger.substr(0, bob_ledger.rfind('/'));
  const std::string prefix =
      bob_ledger.substr(base.size() + 8, bob_ledger.rfind("-t") - base.size() - 8);
  // Alice's vGPU and a task in it: its ledger directory exists, hers alone.
  const Answer vgpu = daemon_.post("/v1/vgpus", R"({"gpu": 0.5, "memory": "4GiB"})", kAlice);
  ASSERT_EQ(vgpu.status, 201) << vgpu.body;
  const int64_t vgpu_id = vgpu.json["id"];
  wait(submit({{"argv", {"true"}}, {"gpu", 0.25}, {"vgpu", vgpu_id}}));
  const std::string hers = base + "/ledger-" + prefix + "-v" + std::to_string(vgpu_id);
  const std::string next = base + "/ledger-" + prefix + "-v" + std::to_string(vgpu_id + 1);
  const std::string attack = "ls " + hers + " || echo list-refused; touch " + hers +
                             "/ledger || echo write-refused; mkdir " + next +
                             " || echo make-refused";
  const std::string out = output_of_as({"sh", "-c", attack}, kBob);
  for (const char* refused : {"list-refused", "write-refused", "make-refused"}) {
    EXPECT_NE(out.find(refused), std::string::npos) << refused << " missing in\n" << out;
  }
  struct stat st {};
  ASSERT_EQ(::stat(hers.c_str(), &st), 0) << hers;
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_NE(st.st_uid, 0u);
  EXPECT_EQ(::stat(next.c_str(), &st), -1) << "bob made the next vGPU's ledger directory";
  EXPECT_EQ(daemon_.del("/v1/vgpus/" + std::to_string(vgpu_id), kAlice).status, 200);
  EXPECT_NE(::stat(hers.c_str(), &st), 0) << "the ledger directory outlived its vGPU";
}

// The device fence, tried on files standing for two simulated GPUs' nodes: a confined task
// opens its own GPU's node and no other's; a task given no GPU opens neither.
TEST(GpuFenceTest, AConfinedTaskOpensOnlyItsOwnGpusDeviceNode) {
  if (::geteuid() != 0) GTEST_SKIP() << "fastgpud confines tasks only when it runs as root";
  TempDir dir;
  const std::string nodes = shared_dir(dir) + "/nvidia";
  for (const char* index : {"0", "1"}) {
    std::ofstream(nodes + index) << "device " << index << "\n";
    ::chmod((nodes + index).c_str(), 0666);  // as /dev/nvidia* are
  }
  DaemonProcess daemon(dir.path(),
                       {"--simulate-gpus", "2x40tflops", "--simulated-gpu-nodes", nodes});
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const std::string script =
      "cat " + nodes + "0 || echo 0-refused; cat " + nodes + "1 || echo 1-refused";
  const auto run = [&](nlohmann::json task) {
    task["argv"] = {"sh", "-c", script};
    const Answer a = daemon.post("/v1/tasks", task.dump());
    EXPECT_EQ(a.status, 201) << a.body;
    const std::string path = "/v1/tasks/" + std::to_string(a.json.value("id", int64_t{0}));
    daemon.get(path + "/wait?timeout=60");
    return daemon.get(path + "/logs").body;
  };
  const std::string one = run({{"gpu", 1}});
  const bool has_0 = one.find("device 0") != std::string::npos;
  const bool has_1 = one.find("device 1") != std::string::npos;
  EXPECT_NE(has_0, has_1) << "exactly its own GPU's node: " << one;
  EXPECT_NE(one.find(has_0 ? "1-refused" : "0-refused"), std::string::npos) << one;
  const std::string none = run(nlohmann::json::object());
  EXPECT_NE(none.find("0-refused"), std::string::npos) << none;
  EXPECT_NE(none.find("1-refused"), std::string::npos) << none;
  std::ifstream host(nodes + "0");
  std::string line;
  std::getline(host, line);
  EXPECT_EQ(line, "device 0") << "the mask reached the host";
}

// Not only for root: the cap and the floor bound the daemon's own disk whoever runs it.
TEST_F(ConfinementTest, ATaskPrintingAGibibyteLeavesALogAtTheCapAndOthersGoOn) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const std::string flood = submit({{"argv", {"head", "-c", "1073741824", "/dev/zero"}}});
  const std::string others = submit({{"argv", {"echo", "still here"}}}, kBob);
  const nlohmann::json flooded = wait(flood);
  EXPECT_EQ(flooded["state"], "failed") << flooded;
  EXPECT_NE(flooded.value("failure_reason", "").find("log cap"), std::string::npos) << flooded;
  const std::string log = dir_.path() + "/logs/task-" + flood.substr(flood.rfind('/') + 1) + ".out";
  struct stat st {};
  ASSERT_EQ(::stat(log.c_str(), &st), 0) << log;
  EXPECT_LE(st.st_size, int64_t{100} << 20) << "the default cap is 100 MiB";
  EXPECT_GE(st.st_size, int64_t{99} << 20);
  EXPECT_EQ(wait(others)["state"], "succeeded");
  EXPECT_EQ(daemon_.post("/v1/tasks", R"({"argv": ["true"]})", kBob).status, 201);
}

TEST(DiskFloorTest, BelowTheFloorNoTaskStartsAndHealthzSaysWhy) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--min-free-disk", "1000TiB"});
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const Answer submitted = daemon.post("/v1/tasks", R"({"argv": ["true"]})");
  ASSERT_EQ(submitted.status, 201) << submitted.body;  // accepted, and waits
  const std::string task = "/v1/tasks/" + std::to_string(submitted.json["id"].get<int64_t>());
  EXPECT_EQ(daemon.get(task + "/wait?timeout=1").json["state"], "pending");
  const nlohmann::json health = daemon.get("/healthz").json;
  EXPECT_NE(health.value("placements_paused", "").find("--min-free-disk"), std::string::npos)
      << health;
}

}  // namespace
}  // namespace fastgpu::testing
