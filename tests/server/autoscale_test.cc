// fastgpud's live autoscaler with the local provider, end to end on loopback: a burst that does
// not fit the daemon's one GPU adds agent nodes within about one period, they are removed after
// the cooldown, their agent processes are gone, and the cost account matches their lifetimes.

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <string>

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

bool all_succeeded(const DaemonProcess& daemon) {
  const Answer page = daemon.get("/v1/tasks?state=succeeded&limit=100");
  return page.json["tasks"].size() == kTasks;
}

TEST(Autoscale, BurstAddsNodesThatLeaveAfterTheCooldownAndAreBilledForTheirLifetime) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), daemon_flags());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const double burst = wall_now();
  for (int i = 0; i < kTasks; ++i) {
    const Answer created =
        daemon.post("/v1/tasks", R"({"argv": ["sleep", "2"], "gpus": 1, "cpu": 0.25})");
    ASSERT_EQ(created.status, 201) << created.body;
  }

  // Nodes are asked for within about one period (slack for a loaded machine).
  ASSERT_TRUE(
      eventually([&] { return !events_of(daemon, "scale-up").empty(); }, milliseconds(15000)))
      << daemon.log();
  const std::vector<nlohmann::json> ups = events_of(daemon, "scale-up");
  EXPECT_LE(ups.front()["time"].get<double>() - burst, kPeriod + 2.0);
  EXPECT_NE(ups.front()["reason"].get<std::string>().find("pending"), std::string::npos)
      << ups.front()["reason"];
  int64_t asked = 0;
  for (const auto& up : ups) asked += up["count"].get<int64_t>();
  EXPECT_GE(asked, 1);
  EXPECT_LE(asked, 4);  // --max-nodes

  // They join, the burst runs (partly on them), and every node's agent is known by its PID.
  std::map<std::string, pid_t> pids;
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& [name, node] : autoscaled_nodes(daemon)) {
          if (node["pid"].is_number()) pids[name] = node["pid"].get<pid_t>();
        }
        return static_cast<int64_t>(events_of(daemon, "joined").size()) == asked;
      },
      milliseconds(20000)))
      << daemon.log();
  EXPECT_EQ(static_cast<int64_t>(pids.size()), asked);
  ASSERT_TRUE(eventually([&] { return all_succeeded(daemon); }, milliseconds(30000)))
      << daemon.log();

  // Once idle for the cooldown, each node is retired and its agent stopped.
  ASSERT_TRUE(eventually(
      [&] { return static_cast<int64_t>(events_of(daemon, "scale-down").size()) == asked; },
      milliseconds(30000)))
      << daemon.log();
  const double all_gone = wall_now();
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
  for (const auto& [name, node] : autoscaled_nodes(daemon)) {
    EXPECT_EQ(node["autoscale_state"], "removed") << name;
    EXPECT_FALSE(node["ready"].get<bool>()) << name;
  }

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
  for (const auto& type : cost.json["types"]) {
    const double expected =
        type["node_seconds"].get<double>() * type["price_per_hour"].get<double>() / 3600;
    EXPECT_NEAR(type["cost"].get<double>(), expected, 1e-6) << type;
  }
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
}

TEST(Autoscale, EndpointsSayWhenTheAutoscalerIsOff) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--simulate-gpus", "1xA100-80GB"});
  ASSERT_TRUE(daemon.started());
  EXPECT_EQ(daemon.get("/v1/scale/log").status, 404);
  EXPECT_EQ(daemon.get("/v1/scale/cost").status, 404);
}

}  // namespace
}  // namespace fastgpu::testing
