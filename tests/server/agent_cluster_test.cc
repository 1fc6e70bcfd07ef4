// fastgpud with fastgpu-agent processes on loopback: registration, the join token, node failure
// (an agent killed -9 mid-run) and the rule that no task runs twice at once.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "agent_process.h"
#include "daemon_process.h"
#include "task_record.h"

namespace fastgpu::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// The daemon's own GPU is too small for the tasks below (20 TFLOPS), so they run on agents.
const std::vector<std::string> kDaemonFlags = {"--simulate-gpus", "1x10tflops", "--node-timeout",
                                               "2"};
const std::vector<std::string> kAgentGpus = {"--simulate-gpus", "4x400tflops"};

// Every task of the daemon, by id.
std::map<int64_t, nlohmann::json> all_tasks(const DaemonProcess& daemon) {
  std::map<int64_t, nlohmann::json> tasks;
  const Answer page = daemon.get("/v1/tasks?limit=10000");
  for (const auto& task : page.json["tasks"]) tasks[task["id"].get<int64_t>()] = task;
  return tasks;
}

// The attempts that have started, not ended and still run on the agent `agent_pid`: each task
// runs under a guard the agent forked, so the agent is the attempt's grandparent.
std::set<pid_t> attempts_running_on(const std::string& path, pid_t agent_pid) {
  std::set<pid_t> pids;
  for (pid_t pid : unended_attempts(path)) {
    if (alive(pid) && parent_of(parent_of(pid)) == agent_pid) pids.insert(pid);
  }
  return pids;
}

std::string recorded_task(const std::string& record, const std::string& seconds) {
  const std::string argv = "echo \\\"$FASTGPU_TASK_ID start $$\\\" >> " + record + "; sleep " +
                           seconds + "; echo \\\"$FASTGPU_TASK_ID end $$\\\" >> " + record;
  return R"({"argv": ["sh", "-c", ")" + argv + R"("], "tflops": 20, "max_retries": 3})";
}

TEST(AgentCluster, ThousandTasksSurviveAnAgentKilledMidRun) {
  TempDir dir;
  // A node timeout of 4 s: on a loaded machine (CI's other tests on 2 cores) a live agent's
  // syncs can fall 2 s behind, and its tasks would be lost and run again beside the killed ones.
  std::vector<std::string> flags = kDaemonFlags;
  flags.back() = "4";
  DaemonProcess daemon(dir.path(), flags);
  ASSERT_TRUE(daemon.started());
  std::vector<std::unique_ptr<AgentProcess>> agents;
  for (int i = 0; i < 3; ++i) {
    const std::string name = "host" + std::to_string(i);
    agents.push_back(
        std::make_unique<AgentProcess>(daemon.port(), name, dir.path() + "/" + name, kAgentGpus));
    ASSERT_TRUE(agents.back()->started());
  }
  ASSERT_TRUE(eventually([&] { return ready_agent_nodes(daemon) == 3; }, milliseconds(10000)));

  const std::string record = shared_dir(dir) + "/record";
  constexpr int kTasks = 1000;
  for (int i = 0; i < kTasks; ++i) {
    // 0.2 s each: long enough that the victim chosen below still runs some when it is killed
    // (with 0.05 s, under ASan on 2 cores, all of them could end in between).
    const Answer created = daemon.post("/v1/tasks", recorded_task(record, "0.2"));
    ASSERT_EQ(created.status, 201) << created.body;
  }
  // Kill one agent once about a fifth of the work is done, at a moment when it runs tasks that
  // have written their start (the records, not the daemon's view, say so: on a loaded machine
  // the daemon may count as running a task whose shell has not started yet).
  ASSERT_TRUE(eventually([&] { return count_lines(record) >= 400; }, milliseconds(30000)));
  size_t victim_index = 0;
  std::set<pid_t> victim_attempts;
  ASSERT_TRUE(eventually(
      [&] {
        for (victim_index = 0; victim_index < agents.size(); ++victim_index) {
          victim_attempts = attempts_running_on(record, agents[victim_index]->pid());
          if (!victim_attempts.empty()) return true;
        }
        return false;
      },
      milliseconds(10000)));
  const std::string victim = "host" + std::to_string(victim_index);
  // Attempts already gone without an end: on a loaded machine a live agent can miss its
  // heartbeats for the node timeout, be told to stop its tasks, and run them again later,
  // there or elsewhere. They are not the kill's.
  std::set<pid_t> stopped_before;
  for (pid_t pid : unended_attempts(record)) {
    if (!alive(pid)) stopped_before.insert(pid);
  }
  agents[victim_index]->kill_hard();
  const auto killed_at = steady_clock::now();
  // The task guard kills the agent's tasks with it. Within half the node timeout (before the
  // daemon may start any of them again) every attempt without an end is gone or still running
  // on a live agent; the gone ones never write their end.
  EXPECT_TRUE(eventually(
      [&] {
        return std::none_of(victim_attempts.begin(), victim_attempts.end(),
                            [](pid_t pid) { return alive(pid); });
      },
      milliseconds(900)))
      << "the killed agent's tasks outlived it";
  // The attempts that died without writing their end. A task on a live agent writes its end
  // and then exits: one found dead here may have written its end after the first read, so the
  // record is read again once the dead are known, and only those still without an end count.
  // An attempt the victim started as it was killed (after victim_attempts was read) dies a
  // moment later: the dead are read 600 ms after the kill, long before the node timeout (4 s)
  // lets the daemon start anything again.
  std::this_thread::sleep_until(killed_at + milliseconds(600));
  std::set<pid_t> dead;
  for (pid_t pid : unended_attempts(record)) {
    if (!alive(pid) && !stopped_before.contains(pid)) dead.insert(pid);
  }
  std::set<pid_t> killed;
  for (pid_t pid : unended_attempts(record)) {
    if (dead.contains(pid)) killed.insert(pid);
  }
  ASSERT_LT(steady_clock::now() - killed_at, milliseconds(1500)) << "too slow to tell";
  for (pid_t pid : killed) EXPECT_TRUE(unended_attempts(record).contains(pid));
  EXPECT_FALSE(killed.empty()) << "the killed agent ran no task";

  ASSERT_TRUE(eventually(
      [&] {
        const auto tasks = all_tasks(daemon);
        return std::all_of(tasks.begin(), tasks.end(), [](const auto& entry) {
          const std::string state = entry.second["state"];
          return state != "pending" && state != "running";
        });
      },
      milliseconds(60000)))
      << daemon.log();

  const auto tasks = all_tasks(daemon);
  ASSERT_EQ(tasks.size(), static_cast<size_t>(kTasks));
  // The tasks whose attempt died with the agent. (On a loaded machine a live agent can miss its
  // heartbeats too and have tasks retried that then run there again: retries alone say little.)
  std::set<int64_t> killed_tasks;
  for (const RecordLine& line : read_record(record)) {
    if (killed.contains(line.pid)) killed_tasks.insert(line.task);
  }
  for (const auto& [id, task] : tasks) {
    EXPECT_EQ(task["state"], "succeeded") << task.dump();
    if (killed_tasks.contains(id)) {
      EXPECT_GT(task["retries_used"].get<int>(), 0) << task.dump();
      EXPECT_NE(task["host"], victim) << "a task killed with its agent finished on it";
    }
  }
  std::set<pid_t> never_ended = killed;
  never_ended.insert(stopped_before.begin(), stopped_before.end());
  EXPECT_EQ(overlapping_tasks(record, never_ended), std::vector<int64_t>{});
  // One attempt per task ran to its end; the only others are those killed with their agent (or
  // stopped before it, above).
  // Every task ran to its end at least once. (A task that ended on the victim just before the
  // kill, unreported, ran again: at least once, never twice at once.)
  std::map<int64_t, int> ended;
  for (const RecordLine& line : read_record(record)) ended[line.task] += line.what == "end";
  EXPECT_EQ(ended.size(), static_cast<size_t>(kTasks));
  for (const auto& [task, ends] : ended) EXPECT_GE(ends, 1) << "task " << task;
  EXPECT_EQ(unended_attempts(record), never_ended);
  const Answer nodes = daemon.get("/v1/nodes");
  for (const auto& node : nodes.json["nodes"]) {
    if (node["host"] == victim) {
      EXPECT_FALSE(node["ready"].get<bool>());
    }
  }
}

TEST(AgentCluster, AgentSelfFencesWhenTheDaemonIsUnreachable) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), kDaemonFlags);
  ASSERT_TRUE(daemon.started());
  AgentProcess agent(daemon.port(), "lonely", dir.path() + "/lonely", kAgentGpus);
  ASSERT_TRUE(eventually([&] { return ready_agent_nodes(daemon) == 1; }, milliseconds(10000)));
  const std::string record = shared_dir(dir) + "/record";
  const Answer created = daemon.post("/v1/tasks", recorded_task(record, "30"));
  ASSERT_EQ(created.status, 201) << created.body;
  ASSERT_TRUE(eventually([&] { return count_lines(record) == 1; }, milliseconds(10000)));

  // The daemon freezes, so it can start nothing anywhere. The agent hears nothing for half the
  // node timeout (1 s) and kills its task: the first attempt is gone before the daemon thaws.
  const pid_t first_attempt = read_record(record).front().pid;
  ::kill(daemon.pid(), SIGSTOP);
  const bool killed_while_frozen =
      eventually([&] { return !alive(first_attempt); }, milliseconds(2500));  // gone or a zombie
  ::kill(daemon.pid(), SIGCONT);
  EXPECT_TRUE(killed_while_frozen) << "the agent did not fence itself";
  const int64_t id = created.json["id"];
  ASSERT_TRUE(eventually(
      [&] {
        const Answer task = daemon.get("/v1/tasks/" + std::to_string(id));
        return task.json["state"] == "running" && task.json["retries_used"] == 1;
      },
      milliseconds(10000)))
      << daemon.log();
  ASSERT_TRUE(eventually([&] { return count_lines(record) == 2; }, milliseconds(10000)));
  EXPECT_NE(read_record(record).back().pid, first_attempt);
  EXPECT_NE(daemon.log().find("task 1 lost"), std::string::npos) << daemon.log();
}

TEST(AgentCluster, CancelAndTimeoutStopTasksOnAgents) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), kDaemonFlags);
  ASSERT_TRUE(daemon.started());
  AgentProcess agent(daemon.port(), "worker", dir.path() + "/worker", kAgentGpus);
  ASSERT_TRUE(eventually([&] { return ready_agent_nodes(daemon) == 1; }, milliseconds(10000)));
  const std::string record = shared_dir(dir) + "/record";
  const Answer cancelled = daemon.post("/v1/tasks", recorded_task(record, "30"));
  const Answer timed_out =
      daemon.post("/v1/tasks", R"({"argv": ["sleep", "30"], "tflops": 20, "timeout": 0.5})");
  ASSERT_EQ(cancelled.status, 201) << cancelled.body;
  ASSERT_EQ(timed_out.status, 201) << timed_out.body;
  ASSERT_TRUE(eventually([&] { return count_lines(record) == 1; }, milliseconds(10000)));
  const pid_t process = read_record(record).front().pid;
  const std::string cancel_path =
      "/v1/tasks/" + std::to_string(cancelled.json["id"].get<int64_t>()) + "/cancel";
  EXPECT_EQ(daemon.post(cancel_path, "").json["state"], "cancelled");
  EXPECT_TRUE(eventually([&] { return !alive(process); }, milliseconds(5000)));
  const Answer ended = daemon.get(
      "/v1/tasks/" + std::to_string(timed_out.json["id"].get<int64_t>()) + "/wait?timeout=10");
  EXPECT_EQ(ended.json["state"], "failed") << ended.body;
  EXPECT_NE(ended.json["failure_reason"].get<std::string>().find("timed out"), std::string::npos)
      << ended.body;
  // Both slices are back: the node holds nothing.
  EXPECT_TRUE(eventually(
      [&] {
        const Answer nodes = daemon.get("/v1/nodes");
        return nodes.json["nodes"][1]["allocated_gpus"].get<double>() == 0.0;
      },
      milliseconds(5000)));
}

TEST(AgentCluster, AVgpuOnAnAgentsGpuSurvivesADaemonRestart) {
  TempDir dir;
  const std::string state = dir.path() + "/state";
  std::filesystem::create_directories(state);
  auto daemon = std::make_unique<DaemonProcess>(state, kDaemonFlags);
  ASSERT_TRUE(daemon->started());
  const int port = daemon->port();
  AgentProcess agent(port, "worker", dir.path() + "/worker", kAgentGpus);
  ASSERT_TRUE(eventually([&] { return ready_agent_nodes(*daemon) == 1; }, milliseconds(10000)));
  const Answer created = daemon->post("/v1/vgpus", R"({"tflops": 100})");  // only an agent's GPU
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string vgpu = "/v1/vgpus/" + std::to_string(created.json["id"].get<int64_t>());
  ASSERT_EQ(created.json["state"], "active") << created.body;

  // Restarted on the same port, the daemon does not know the agent's GPU until the agent
  // registers again: the vGPU waits, pending, and is placed again once it has.
  EXPECT_EQ(daemon->stop(), 0);
  std::vector<std::string> flags = kDaemonFlags;
  flags.insert(flags.end(), {"--listen", "127.0.0.1:" + std::to_string(port)});
  daemon = std::make_unique<DaemonProcess>(state, flags);
  ASSERT_TRUE(daemon->started()) << daemon->log();
  EXPECT_NE(daemon->log().find("it waits to be placed again"), std::string::npos) << daemon->log();
  ASSERT_TRUE(
      eventually([&] { return daemon->get(vgpu).json["state"] == "active"; }, milliseconds(15000)))
      << daemon->get(vgpu).body << daemon->log();
  const Answer task =
      daemon->post("/v1/tasks", R"({"argv": ["true"], "tflops": 50, "vgpu": )" +
                                    std::to_string(created.json["id"].get<int64_t>()) + "}");
  ASSERT_EQ(task.status, 201) << task.body;
  EXPECT_EQ(
      daemon
          ->get("/v1/tasks/" + std::to_string(task.json["id"].get<int64_t>()) + "/wait?timeout=30")
          .json["state"],
      "succeeded");
}

// Two hosts simulated on one machine: their GPUs are told apart by host and UUID everywhere,
// and vGPUs on "GPU 0" of each are given different GPUs (so the vGPU library, which keys its
// per-GPU board by the first UUID in CUDA_VISIBLE_DEVICES, gives them different boards).
TEST(AgentCluster, TwoSimulatedHostsOnOneMachineHaveDistinctGpuNames) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), kDaemonFlags);
  ASSERT_TRUE(daemon.started());
  AgentProcess east(daemon.port(), "east", dir.path() + "/east",
                    {"--simulate-gpus", "1x400tflops"});
  AgentProcess west(daemon.port(), "west", dir.path() + "/west",
                    {"--simulate-gpus", "1x400tflops"});
  ASSERT_TRUE(eventually([&] { return ready_agent_nodes(daemon) == 2; }, milliseconds(10000)));
  std::map<std::string, std::string> uuid_of_host;
  const Answer listed = daemon.get("/v1/gpus");
  for (const auto& gpu : listed.json["gpus"]) {
    if (gpu["host"].is_null()) continue;  // the daemon's own
    EXPECT_EQ(gpu["index"], 0) << gpu;
    uuid_of_host[gpu["host"]] = gpu["uuid"];
  }
  ASSERT_EQ(uuid_of_host.size(), 2u) << listed.body;
  EXPECT_NE(uuid_of_host["east"], uuid_of_host["west"]);
  const CliRun gpus = fastgpu_cli(daemon, "gpus");
  EXPECT_NE(gpus.output.find("HOST"), std::string::npos) << gpus.output;
  for (const auto& [host, uuid] : uuid_of_host) {
    EXPECT_NE(gpus.output.find(host), std::string::npos) << gpus.output;
    EXPECT_NE(gpus.output.find(uuid), std::string::npos) << gpus.output;
    EXPECT_NE(daemon.get("/metrics").body.find("host=\"" + host + "\",index=\"0\",uuid=\"" + uuid),
              std::string::npos);
  }
  // A vGPU of 300 TFLOPS fits only a whole agent GPU: one lands on each host's GPU 0.
  std::set<std::string> seen;
  for (int i = 0; i < 2; ++i) {
    const Answer vgpu = daemon.post("/v1/vgpus", R"({"tflops": 300})");
    ASSERT_EQ(vgpu.status, 201) << vgpu.body;
    const Answer task = daemon.post(
        "/v1/tasks",
        R"({"argv": ["sh", "-c", "echo $CUDA_VISIBLE_DEVICES"], "tflops": 300, "vgpu": )" +
            std::to_string(vgpu.json["id"].get<int64_t>()) + "}");
    ASSERT_EQ(task.status, 201) << task.body;
    const std::string id = std::to_string(task.json["id"].get<int64_t>());
    const nlohmann::json done = daemon.get("/v1/tasks/" + id + "/wait?timeout=30").json;
    ASSERT_EQ(done["state"], "succeeded") << done;
    EXPECT_EQ(done["gpu_uuids"][0], uuid_of_host[done["host"]]) << done;
    std::string out = daemon.get("/v1/tasks/" + id + "/logs").body;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    EXPECT_EQ(out, uuid_of_host[done["host"]]);
    seen.insert(out);
  }
  EXPECT_EQ(seen.size(), 2u) << "the two vGPUs' tasks saw the same GPU";
}

// An admin removes a dead agent's node: it leaves the nodes, the GPUs and the metrics.
TEST(AgentCluster, ARemovedDeadNodeLeavesTheApiCliAndMetrics) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), kDaemonFlags);
  ASSERT_TRUE(daemon.started());
  AgentProcess agent(daemon.port(), "gone", dir.path() + "/gone", kAgentGpus);
  ASSERT_TRUE(eventually([&] { return ready_agent_nodes(daemon) == 1; }, milliseconds(10000)));
  agent.kill_hard();
  ASSERT_TRUE(eventually([&] { return ready_agent_nodes(daemon) == 0; }, milliseconds(10000)));
  EXPECT_EQ(daemon.get("/v1/gpus").json["gpus"].size(), 5u);  // listed while it may return
  const CliRun removed = fastgpu_cli(daemon, "nodes rm gone");
  EXPECT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_EQ(daemon.get("/v1/nodes").json["nodes"].size(), 1u);
  const nlohmann::json gpus = daemon.get("/v1/gpus").json["gpus"];
  ASSERT_EQ(gpus.size(), 1u);
  EXPECT_TRUE(gpus[0]["host"].is_null());
  EXPECT_EQ(daemon.get("/metrics").body.find("host=\"gone\""), std::string::npos);
  EXPECT_EQ(fastgpu_cli(daemon, "gpus").output.find("gone"), std::string::npos);
  // A task only its GPUs could hold is refused now, not left waiting for a node that left.
  EXPECT_EQ(daemon.post("/v1/tasks", R"({"argv": ["true"], "tflops": 300})").status, 422);
}

TEST(AgentCluster, JoinTokenIsRequiredWhenConfigured) {
  TempDir dir;
  const std::string token_file =
      write_private_file(dir.path() + "/join-token", "s3cret-join-token-0123456789\n");
  DaemonProcess daemon(dir.path(),
                       {"--simulate-gpus", "1x10tflops", "--join-token-file", token_file});
  ASSERT_TRUE(daemon.started());
  const std::string body =
      R"({"name": "h", "cpu_milli": 1000, "devices": [{"index": 0, "uuid": "GPU-x",
          "model": "A100-80GB", "memory_bytes": 85899345920}]})";
  const Answer refused = daemon.post("/v1/agents/register", body);
  EXPECT_EQ(refused.status, 401) << refused.body;
  AgentProcess stranger(daemon.port(), "stranger", dir.path() + "/stranger", kAgentGpus);
  AgentProcess member(daemon.port(), "member", dir.path() + "/member",
                      {"--simulate-gpus", "4x400tflops", "--join-token-file", token_file});
  ASSERT_TRUE(eventually([&] { return ready_agent_nodes(daemon) == 1; }, milliseconds(10000)));
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(ready_agent_nodes(daemon), 1);  // the member only
}

TEST(AgentCluster, RefusesMalformedAgentMessagesNamingTheField) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--simulate-gpus", "1x10tflops"});
  ASSERT_TRUE(daemon.started());
  const Answer no_devices =
      daemon.post("/v1/agents/register", R"({"name": "h", "cpu_milli": 1000, "devices": []})");
  EXPECT_EQ(no_devices.status, 400);
  EXPECT_NE(no_devices.body.find("devices"), std::string::npos) << no_devices.body;
  const Answer bad_device = daemon.post(
      "/v1/agents/register",
      R"({"name": "h", "cpu_milli": 1000, "devices": [{"model": "A100-80GB", "memory_bytes": -1}]})");
  EXPECT_EQ(bad_device.status, 400);
  EXPECT_NE(bad_device.body.find("devices[0]"), std::string::npos) << bad_device.body;
  const Answer bad_sync =
      daemon.post("/v1/agents/sync", R"({"agent_id": 1, "epoch": 1, "running": ["x"]})");
  EXPECT_EQ(bad_sync.status, 400);
  EXPECT_NE(bad_sync.body.find("running"), std::string::npos) << bad_sync.body;
  const Answer unknown =
      daemon.post("/v1/agents/sync", R"({"agent_id": 7, "epoch": 3, "running": []})");
  EXPECT_EQ(unknown.status, 409) << unknown.body;
}

}  // namespace
}  // namespace fastgpu::testing
