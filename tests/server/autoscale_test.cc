// fastgpud's live autoscaler with the local provider, end to end on loopback: a burst that does
// not fit the daemon's one GPU adds agent nodes within about one period, they are removed after
// the cooldown, their agent processes are gone, and the cost account matches their lifetimes.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "agent_process.h"
#include "daemon_process.h"

namespace fastgpu::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr int kTasks = 8;
constexpr double kCooldown = 3;
constexpr double kPeriod = 1;

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::vector<std::string> daemon_flags() {
  return {"--simulate-gpus",    "1xA100-80GB",
          "--autoscale",        std::string(FASTGPU_TEST_DATA) + "/autoscale_small.toml",
          "--provider",         "local",
          "--autoscale-period", "1",
          "--cooldown",         "3",
          "--max-nodes",        "4",
          "--node-timeout",     "5"};
}

// The scale log's events of `action`.
std::vector<nlohmann::json> events_of(const DaemonProcess& daemon, const std::string& action) {
  std::vector<nlohmann::json> found;
  const Answer log = daemon.get("/v1/scale/log");
  for (const auto& event : log.json["events"]) {
    if (event["action"] == action) found.push_back(event);
  }
  return found;
}

// The autoscaled nodes of /v1/nodes, by host (agent) name.
std::map<std::string, nlohmann::json> autoscaled_nodes(const DaemonProcess& daemon) {
  std::map<std::string, nlohmann::json> nodes;
  const Answer answer = daemon.get("/v1/nodes");
  for (const auto& node : answer.json["nodes"]) {
    if (node.contains("type")) nodes[node["host"].get<std::string>()] = node;
  }
  return nodes;
}

// Submits `count` tasks with `body`; false (reported) unless each was accepted.
bool submit_all(const DaemonProcess& daemon, int count, const std::string& body) {
  for (int i = 0; i < count; ++i) {
    const Answer created = daemon.post("/v1/tasks", body);
    if (created.status != 201) {
      ADD_FAILURE() << created.body;
      return false;
    }
  }
  return true;
}

// Waits (long enough for a loaded machine) until the scale log holds a scale-up.
bool scaled_up(const DaemonProcess& daemon) {
  return eventually([&] { return !events_of(daemon, "scale-up").empty(); }, milliseconds(15000));
}

bool all_succeeded(const DaemonProcess& daemon, size_t tasks = kTasks) {
  const Answer page = daemon.get("/v1/tasks?state=succeeded&limit=100");
  return page.json["tasks"].size() == tasks;
}

TEST(Autoscale, BurstAddsNodesThatLeaveAfterTheCooldownAndAreBilledForTheirLifetime) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), daemon_flags());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const double burst = wall_now();
  ASSERT_TRUE(submit_all(daemon, kTasks, R"({"argv": ["sleep", "2"], "gpus": 1, "cpu": 0.25})"));

  // Nodes are asked for because tasks wait (how soon is a figure this test prints for
  // docs/BENCHMARKS.md, not a bound it asserts: a loaded machine may be slower).
  ASSERT_TRUE(scaled_up(daemon)) << daemon.log();
  const std::vector<nlohmann::json> ups = events_of(daemon, "scale-up");
  EXPECT_NE(ups.front()["reason"].get<std::string>().find("pending"), std::string::npos)
      << ups.front()["reason"];
  int64_t asked = 0;
  for (const auto& up : ups) asked += up["count"].get<int64_t>();
  EXPECT_GE(asked, 1);
  EXPECT_LE(asked, 4);  // --max-nodes

  // They join, the burst runs (partly on them), and every node's agent is known by its PID.
  std::map<std::string, pid_t> pids;
  double all_ready = 0;  // when the test first saw every asked-for node ready in /v1/nodes
  ASSERT_TRUE(eventually(
      [&] {
        int64_t ready = 0;
        for (const auto& [name, node] : autoscaled_nodes(daemon)) {
          if (node["pid"].is_number()) pids[name] = node["pid"].get<pid_t>();
          ready += node["ready"] == true;
        }
        if (ready == asked && all_ready == 0) all_ready = wall_now();
        return static_cast<int64_t>(events_of(daemon, "joined").size()) == asked;
      },
      milliseconds(20000)))
      << daemon.log();
  EXPECT_EQ(static_cast<int64_t>(pids.size()), asked);
  const CliRun nodes = fastgpu_cli(daemon, "nodes");
  EXPECT_NE(nodes.output.find("TYPE"), std::string::npos) << nodes.output;
  EXPECT_NE(nodes.output.find("2xA100 ("), std::string::npos) << nodes.output;
  ASSERT_TRUE(eventually([&] { return all_succeeded(daemon); }, milliseconds(30000)))
      << daemon.log();

  // Once idle for the cooldown, each node is retired and its agent stopped.
  ASSERT_TRUE(eventually(
      [&] { return static_cast<int64_t>(events_of(daemon, "scale-down").size()) == asked; },
      milliseconds(30000)))
      << daemon.log();
  const double all_gone = wall_now();
  double last_end = 0;
  const Answer tasks = daemon.get("/v1/tasks?limit=100");
  for (const auto& task : tasks.json["tasks"])
    last_end = std::max(last_end, task["ended_at"].get<double>());
  std::map<std::string, double> joined_at;
  for (const auto& e : events_of(daemon, "joined")) joined_at[e["node"]] = e["time"];
  for (const auto& down : events_of(daemon, "scale-down")) {
    const std::string node = down["node"];
    EXPECT_GE(down["time"].get<double>() - joined_at.at(node), kCooldown - 1.0) << node;
    EXPECT_NE(down["reason"].get<std::string>().find("idle"), std::string::npos) << down["reason"];
  }
  // The agents get SIGTERM at the scale-down (SIGKILL after a 3 s grace) and are reaped.
  for (const auto& [name, pid] : pids) {
    EXPECT_TRUE(eventually([pid] { return !alive(pid); }, milliseconds(10000)))
        << name << " pid " << pid;
  }
  EXPECT_TRUE(
      eventually([&] { return static_cast<int64_t>(events_of(daemon, "ended").size()) == asked; },
                 milliseconds(10000)))
      << daemon.log();
  // Removed nodes leave the pool: no phantom nodes or GPUs in the API, the CLI or the metrics.
  EXPECT_TRUE(autoscaled_nodes(daemon).empty()) << daemon.get("/v1/nodes").body;
  const Answer gpus = daemon.get("/v1/gpus");
  ASSERT_EQ(gpus.json["gpus"].size(), 1u) << gpus.body;  // the daemon's own A100
  EXPECT_TRUE(gpus.json["gpus"][0]["host"].is_null()) << gpus.body;
  const std::string metrics = daemon.get("/metrics").body;
  EXPECT_EQ(metrics.find("host=\"as-"), std::string::npos) << metrics;
  EXPECT_EQ(fastgpu_cli(daemon, "gpus").output.find("as-"), std::string::npos);

  const CliRun log = fastgpu_cli(daemon, "scale log");
  EXPECT_EQ(log.exit_code, 0) << log.output;
  EXPECT_NE(log.output.find("scale-down  2xA100"), std::string::npos) << log.output;
  const CliRun log_json = fastgpu_cli(daemon, "scale log -o json");
  const nlohmann::json parsed = nlohmann::json::parse(log_json.output, nullptr, false);
  EXPECT_EQ(parsed["events"].size(), daemon.get("/v1/scale/log").json["events"].size())
      << log_json.output;
  const CliRun cost_table = fastgpu_cli(daemon, "scale cost");
  EXPECT_NE(cost_table.output.find("total"), std::string::npos) << cost_table.output;

  // The account charges each node from its request to its removal, in whole seconds.
  const Answer cost = daemon.get("/v1/scale/cost");
  ASSERT_EQ(cost.status, 200) << cost.body;
  double lifetimes = 0;
  for (const auto& node : cost.json["nodes"]) {
    const double seconds = node["seconds"].get<double>();
    EXPECT_GE(seconds, kCooldown) << node;               // it idled for the cooldown at least
    EXPECT_LE(seconds, all_gone - burst + 0.5) << node;  // it lived within what we observed
    lifetimes += seconds;
  }
  EXPECT_EQ(static_cast<int64_t>(cost.json["nodes"].size()), asked);
  const int64_t node_seconds = cost.json["total"]["node_seconds"].get<int64_t>();
  EXPECT_LE(std::abs(static_cast<double>(node_seconds) - lifetimes), 0.5 * asked + 1e-6)
      << cost.body;
  double last_down = 0;
  for (const auto& down : events_of(daemon, "scale-down"))
    last_down = std::max(last_down, down["time"].get<double>());
  std::printf(
      "autoscale figures: nodes %lld; burst -> scale-up decision %.2f s; burst -> all "
      "nodes ready %.2f s; last task end -> last scale-down %.2f s (cooldown %.0f s, "
      "period %.0f s); node-seconds billed %lld, lifetimes summed %.3f s\n",
      static_cast<long long>(asked), ups.front()["time"].get<double>() - burst, all_ready - burst,
      last_down - last_end, kCooldown, kPeriod, static_cast<long long>(node_seconds), lifetimes);
  for (const auto& type : cost.json["types"]) {
    const double expected =
        type["node_seconds"].get<double>() * type["price_per_hour"].get<double>() / 3600;
    EXPECT_NEAR(type["cost"].get<double>(), expected, 1e-6) << type;
  }
}

TEST(Autoscale, TasksSizedInTflopsAreDemandToo) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), daemon_flags());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  // 300 TFLOPS: nearly all of an A100 (312), so one task per GPU; this host has one.
  ASSERT_TRUE(submit_all(daemon, 4, R"({"argv": ["sleep", "1"], "tflops": 300, "cpu": 0.25})"));
  ASSERT_TRUE(scaled_up(daemon)) << daemon.log();
  const nlohmann::json up = events_of(daemon, "scale-up").front();
  EXPECT_NE(up["reason"].get<std::string>().find("pending"), std::string::npos) << up;
  ASSERT_TRUE(eventually([&] { return all_succeeded(daemon, 4); }, milliseconds(30000)))
      << daemon.log();
}

// A vGPU waiting for a GPU is demand like a task: a node is started for it, and it is placed
// there once the node joins; given back, the node leaves after the cooldown.
TEST(Autoscale, APendingVgpuAddsANode) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), daemon_flags());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const Answer local = daemon.post("/v1/vgpus", R"({"gpu": 1})");  // this host's only GPU
  ASSERT_EQ(local.status, 201) << local.body;
  EXPECT_EQ(local.json["state"], "active");
  const double asked = wall_now();
  const Answer waiting = daemon.post("/v1/vgpus", R"({"gpu": 1})");
  ASSERT_EQ(waiting.status, 201) << waiting.body;
  EXPECT_EQ(waiting.json["state"], "pending");
  ASSERT_TRUE(scaled_up(daemon)) << daemon.log();
  const nlohmann::json up = events_of(daemon, "scale-up").front();
  const std::string vgpu = "/v1/vgpus/" + std::to_string(waiting.json["id"].get<int64_t>());
  ASSERT_TRUE(
      eventually([&] { return daemon.get(vgpu).json["state"] == "active"; }, milliseconds(20000)))
      << daemon.get(vgpu).body << daemon.log();
  EXPECT_FALSE(daemon.get(vgpu).json["host"].is_null()) << "placed on the new node";
  std::printf("autoscale figures: pending vGPU -> scale-up decision %.2f s (period %.0f s)\n",
              up["time"].get<double>() - asked, kPeriod);
  EXPECT_EQ(daemon.del(vgpu).status, 200);
  ASSERT_TRUE(
      eventually([&] { return !events_of(daemon, "scale-down").empty(); }, milliseconds(20000)))
      << daemon.log();
}

// Spot nodes taken back (simulated by the local provider at 3,600 reclaims per node-hour): each
// reclaimed node's tasks get their grace period and run again elsewhere without spending a
// retry (they have none to spend), and after two reclaims the pool falls back to on-demand.
TEST(Autoscale, ReclaimedSpotNodesRequeueTheirTasksAndThePoolFallsBackToOnDemand) {
  TempDir dir;
  DaemonProcess daemon(
      dir.path(), {"--simulate-gpus", "1xA100-80GB", "--autoscale",
                   std::string(FASTGPU_TEST_DATA) + "/autoscale_spot.toml", "--provider", "local",
                   "--spot-interruption-rate", "3600", "--autoscale-period", "1", "--cooldown", "3",
                   "--max-nodes", "2", "--node-timeout", "5", "--kill-grace-ms", "1000"});
  ASSERT_TRUE(daemon.started()) << daemon.log();
  ASSERT_TRUE(submit_all(daemon, 3,
                         R"({"argv": ["sh", "-c", "echo start; sleep 6"], "gpus": 1, "cpu": 0.25,
                             "max_retries": 0})"));
  ASSERT_TRUE(eventually([&] { return all_succeeded(daemon, 3); }, milliseconds(60000)))
      << daemon.get("/v1/scale/log").body << daemon.log();
  int interrupted_tasks = 0;
  const Answer tasks = daemon.get("/v1/tasks?limit=10");
  for (const auto& task : tasks.json["tasks"]) {
    EXPECT_EQ(task["retries_used"], 0) << task;
    if (task["attempts"].get<int>() < 2) continue;
    ++interrupted_tasks;
    const std::string log =
        daemon.get("/v1/tasks/" + std::to_string(task["id"].get<int64_t>()) + "/logs").body;
    EXPECT_NE(log.find("(attempt 1 ended: reclaimed: spot node"), std::string::npos) << log;
  }
  const std::vector<nlohmann::json> reclaims = events_of(daemon, "interrupted");
  const std::vector<nlohmann::json> fallbacks = events_of(daemon, "fallback");
  EXPECT_GE(reclaims.size(), 2u) << daemon.get("/v1/scale/log").body;
  EXPECT_GE(interrupted_tasks, 1) << daemon.get("/v1/scale/log").body;
  ASSERT_EQ(fallbacks.size(), 1u) << daemon.get("/v1/scale/log").body;
  EXPECT_EQ(fallbacks[0]["type"], "spot-2xA100");
  // Once fallen back, what is started is on-demand.
  const double fell_at = fallbacks[0]["time"];
  bool on_demand_after = false;
  for (const auto& up : events_of(daemon, "scale-up")) {
    if (up["time"].get<double>() < fell_at) continue;
    EXPECT_EQ(up["type"], "2xA100") << up;
    on_demand_after = true;
  }
  EXPECT_TRUE(on_demand_after) << daemon.get("/v1/scale/log").body;
  const Answer cost = daemon.get("/v1/scale/cost");
  EXPECT_EQ(cost.json["types"][0]["reclaims"].get<size_t>(), reclaims.size()) << cost.body;
  std::printf(
      "autoscale figures: %zu spot reclaims, %d task(s) run again elsewhere, no retry "
      "spent; fallback to on-demand after %d reclaims\n",
      reclaims.size(), interrupted_tasks, 2);
}

// Kills the agents whose pids the scale-up script wrote to DIR/*.pid, should the test end early.
struct KillRecordedAgents {
  std::string dir;
  ~KillRecordedAgents() {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      pid_t pid = 0;
      if (entry.path().extension() == ".pid" && std::ifstream(entry.path()) >> pid && alive(pid)) {
        ::kill(pid, SIGKILL);
      }
    }
  }
};

TEST(Autoscale, ExecProviderRunsTheScriptsAndTheirNodesJoin) {
  TempDir dir;
  const std::string nodes = dir.path() + "/nodes";
  const KillRecordedAgents cleanup{nodes};
  std::filesystem::create_directories(nodes);
  std::filesystem::create_directories(dir.path() + "/state");
  // The agents a script leaves running in the background outlive it.
  write_script(dir.path(), "scale-up",
               "for n in $FASTGPU_NODE_NAMES; do\n"
               "  " +
                   fastgpu_agent_path() +
                   " --server $FASTGPU_SERVER --name $n"
                   " --simulate-gpus 2xA100-80GB --work-dir " +
                   nodes + "/$n > " + nodes +
                   "/$n.log 2>&1 &\n"
                   "  echo $! > " +
                   nodes +
                   "/$n.pid\n"
                   "done\n"
                   "echo asked for $2 of $1: $FASTGPU_NODE_NAMES\n");
  write_script(dir.path(), "scale-down", "kill $(cat " + nodes + "/$1.pid) && echo stopped $1\n");
  DaemonProcess daemon(dir.path() + "/state",
                       {"--simulate-gpus", "1xA100-80GB", "--autoscale",
                        std::string(FASTGPU_TEST_DATA) + "/autoscale_small.toml", "--provider",
                        "exec", "--provider-exec-dir", dir.path(), "--autoscale-period", "1",
                        "--cooldown", "2", "--max-nodes", "1"});
  ASSERT_TRUE(daemon.started()) << daemon.log();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(
        daemon.post("/v1/tasks", R"({"argv": ["sleep", "1"], "gpus": 1, "cpu": 0.25})").status,
        201);
  }
  ASSERT_TRUE(eventually([&] { return !events_of(daemon, "joined").empty(); }, milliseconds(20000)))
      << daemon.log() << daemon.get("/v1/scale/log").body << read_file(nodes + "/as-2xa100-1.log");
  const nlohmann::json up = events_of(daemon, "scale-up").at(0);
  EXPECT_EQ(up["count"], 1);
  EXPECT_NE(up["reason"].get<std::string>().find("exited with code 0; output: asked for 1 of "
                                                 "2xA100: as-2xa100-1"),
            std::string::npos)
      << up;
  ASSERT_TRUE(eventually([&] { return all_succeeded(daemon, 3); }, milliseconds(30000)));
  ASSERT_TRUE(
      eventually([&] { return !events_of(daemon, "scale-down").empty(); }, milliseconds(20000)))
      << daemon.log();
  const nlohmann::json down = events_of(daemon, "scale-down").at(0);
  EXPECT_NE(down["reason"].get<std::string>().find("exited with code 0; output: stopped "
                                                   "as-2xa100-1"),
            std::string::npos)
      << down;
  pid_t pid = 0;
  std::ifstream(nodes + "/as-2xa100-1.pid") >> pid;
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(eventually([pid] { return !alive(pid); }, milliseconds(10000)));
}

TEST(Autoscale, ANodeThatNeverJoinsIsGivenUpAndAskedForAgain) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/state");
  write_script(dir.path(), "scale-up", "echo no node for $FASTGPU_NODE_NAMES\n");
  write_script(dir.path(), "scale-down", "echo nothing to stop for $1\n");
  DaemonProcess daemon(
      dir.path() + "/state",
      {"--simulate-gpus", "1xA100-80GB", "--autoscale",
       std::string(FASTGPU_TEST_DATA) + "/autoscale_instant.toml", "--provider", "exec",
       "--provider-exec-dir", dir.path(), "--autoscale-period", "0.5", "--max-nodes", "1"});
  ASSERT_TRUE(daemon.started()) << daemon.log();
  // Two GPUs: more than this host has, admitted because the catalog's type could hold it.
  const Answer created = daemon.post("/v1/tasks", R"({"argv": ["true"], "gpus": 2})");
  ASSERT_EQ(created.status, 201) << created.body;
  // Booting counts toward --max-nodes: nothing more is asked for until the node is given up
  // (2 x 0 s boot time + 10 s), and then it is asked for again.
  ASSERT_TRUE(
      eventually([&] { return events_of(daemon, "scale-up").size() == 2; }, milliseconds(25000)))
      << daemon.log();
  const std::vector<nlohmann::json> ups = events_of(daemon, "scale-up");
  const std::vector<nlohmann::json> lost = events_of(daemon, "lost");
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0]["node"], "as-2xa100-1");
  EXPECT_NE(lost[0]["reason"].get<std::string>().find("did not join within 10 s"),
            std::string::npos)
      << lost[0];
  const double waited = lost[0]["time"].get<double>() - ups[0]["time"].get<double>();
  EXPECT_GE(waited, 10.0);  // not given up before its time; when after is not a test's to time
  EXPECT_EQ(
      ups[1]["reason"].get<std::string>().find("no node for as-2xa100-2") != std::string::npos,
      true)
      << ups[1];
  const Answer cost = daemon.get("/v1/scale/cost");
  EXPECT_EQ(cost.json["nodes"][0]["state"], "lost");
  EXPECT_EQ(
      daemon.get("/v1/tasks/" + std::to_string(created.json["id"].get<int64_t>())).json["state"],
      "pending");
}

TEST(Autoscale, FlagsAreCheckedAtStart) {
  std::string log;
  EXPECT_EQ(run_fastgpud_to_exit({"--provider", "exec"}, &log), 1);
  EXPECT_NE(log.find("need --autoscale"), std::string::npos) << log;
  const std::string catalog = std::string(FASTGPU_TEST_DATA) + "/autoscale_small.toml";
  EXPECT_EQ(run_fastgpud_to_exit({"--autoscale", catalog, "--provider", "exec"}, &log), 1);
  EXPECT_NE(log.find("--provider-exec-dir"), std::string::npos) << log;
  EXPECT_EQ(
      run_fastgpud_to_exit({"--autoscale", catalog, "--min-nodes", "5", "--max-nodes", "2"}, &log),
      1);
  EXPECT_NE(log.find("exceeds --max-nodes"), std::string::npos) << log;
  EXPECT_EQ(run_fastgpud_to_exit({"--autoscale", "no-such-catalog.toml"}, &log), 1);
  EXPECT_NE(log.find("--autoscale"), std::string::npos) << log;
  EXPECT_EQ(run_fastgpud_to_exit({"--autoscale", catalog, "--provider", "exec",
                                  "--provider-exec-dir", ".", "--spot-interruption-rate", "2"},
                                 &log),
            1);
  EXPECT_NE(log.find("--spot-interruption-rate is for --provider local"), std::string::npos) << log;
  EXPECT_NE(run_fastgpud_to_exit({"--spot-interruption-rate", "-1"}, &log), 0);  // a usage error
  EXPECT_NE(log.find("--spot-interruption-rate"), std::string::npos) << log;
}

TEST(Autoscale, EndpointsSayWhenTheAutoscalerIsOff) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--simulate-gpus", "1xA100-80GB"});
  ASSERT_TRUE(daemon.started());
  EXPECT_EQ(daemon.get("/v1/scale/log").status, 404);
  EXPECT_EQ(daemon.get("/v1/scale/cost").status, 404);
  EXPECT_TRUE(daemon.get("/openapi.json").json["paths"].contains("/v1/scale/log"));
}

}  // namespace
}  // namespace fastgpu::testing
