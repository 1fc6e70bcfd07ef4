// Sharing among projects on a real fastgpud (issue 14's figures), on a simulated 8-GPU host:
//   shares  - vision (share 3, alice) and nlp (share 1, bob): alice queues N one-GPU tasks of
//             D seconds, then bob N; from 2 s after bob's first submission until alice's
//             backlog ends, the GPUs each holds (every 100 ms sample: min, max, mean).
//   cap     - a project with max_gpus = 2 and 20 tasks: the most it ever holds; a priority above
//             its max_priority: the answer.
//   reclaim - vision holds all 8 GPUs with preemptible tasks that ignore SIGTERM; nlp submits
//             2: the time until nlp holds its share (2), next to the kill grace.
//   aging   - one GPU, --aging-ms A: a priority-0 task behind a stream of priority-10 tasks of
//             1 s: when it starts.
// Usage: fair_share [--scenario all|shares|cap|reclaim|aging] [--tasks N] [--seconds D]

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "tests/server/daemon_process.h"
#include "tests/server/project_watch.h"

namespace fastgpu::bench {
namespace {

using testing::Answer;
using testing::DaemonProcess;
using testing::kAdminToken;
using testing::TempDir;
using testing::token_of;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<std::string> daemon_flags(const TempDir& dir, std::vector<std::string> more) {
  std::vector<std::string> flags = testing::three_project_flags(dir);
  flags.insert(flags.end(), more.begin(), more.end());
  return flags;
}

bool submit(const DaemonProcess& daemon, const std::string& user, const std::string& body) {
  const Answer a = daemon.post("/v1/tasks", body, token_of(user));
  if (a.status != 201)
    std::fprintf(stderr, "submit as %s: %d %s\n", user.c_str(), a.status, a.body.c_str());
  return a.status == 201;
}

struct Range {
  int min = 1 << 30, max = -1;
  double sum = 0;
  int count = 0;
  void add(int v) {
    min = std::min(min, v);
    max = std::max(max, v);
    sum += v;
    count += 1;
  }
  void print(const char* what, int target) const {
    std::printf("  %-6s holds min %d, max %d, mean %.2f GPUs over %d samples (target %d +- 1)\n",
                what, min, max, count ? sum / count : 0.0, count, target);
  }
};

int run_shares(int tasks, double seconds) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), daemon_flags(dir, {}));
  if (!daemon.started()) return 1;
  const std::string body = R"({"gpus": 1, "seconds": )" + std::to_string(seconds) + "}";
  for (int i = 0; i < tasks; ++i)
    if (!submit(daemon, "alice", body)) return 1;
  const auto bob_start = Clock::now();
  for (int i = 0; i < tasks; ++i)
    if (!submit(daemon, "bob", body)) return 1;
  Range alice, bob;
  int off = 0;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto loads = testing::loads_by_owner(daemon, kAdminToken);
    const auto a = loads.find("alice"), b = loads.find("bob");
    const bool alice_waits = a != loads.end() && a->second.pending > 0;
    if (!alice_waits && seconds_since(bob_start) > 2) break;
    if (seconds_since(bob_start) < 2) continue;
    const int held_a = a == loads.end() ? 0 : a->second.gpus_held;
    const int held_b = b == loads.end() ? 0 : b->second.gpus_held;
    alice.add(held_a);
    bob.add(held_b);
    off += std::abs(held_a - 6) > 1 || std::abs(held_b - 2) > 1;
  }
  std::printf(
      "shares: %d + %d one-GPU tasks of %.1f s on 8 GPUs, vision:nlp = 3:1, "
      "window %.1f s after bob's first submission\n",
      tasks, tasks, seconds, seconds_since(bob_start));
  alice.print("alice", 6);
  bob.print("bob", 2);
  std::printf("  samples outside 6+-1 / 2+-1: %d\n", off);
  return 0;
}

int run_cap() {
  TempDir dir;
  DaemonProcess daemon(dir.path(), daemon_flags(dir, {}));
  if (!daemon.started()) return 1;
  for (int i = 0; i < 20; ++i)
    if (!submit(daemon, "carol", R"({"gpus": 1, "seconds": 0.5})")) return 1;
  int most = 0;
  const auto start = Clock::now();
  for (;;) {
    const auto loads = testing::loads_by_owner(daemon, kAdminToken);
    const auto c = loads.find("carol");
    if (c == loads.end() || (c->second.pending == 0 && c->second.running == 0)) break;
    most = std::max(most, c->second.gpus_held);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::printf(
      "cap: project 'capped' (max_gpus = 2), 20 one-GPU tasks of 0.5 s on 8 free GPUs: "
      "held at most %d GPUs; all done in %.1f s\n",
      most, seconds_since(start));
  const Answer high =
      daemon.post("/v1/tasks", R"({"gpus": 1, "seconds": 1, "priority": 1000})", token_of("carol"));
  std::printf("cap: priority 1000 in a project of max_priority 100: %d %s\n", high.status,
              high.json["error"]["message"].get<std::string>().c_str());
  return 0;
}

int run_reclaim() {
  TempDir dir;
  const int grace_ms = 2000;
  DaemonProcess daemon(dir.path(),
                       daemon_flags(dir, {"--kill-grace-ms", std::to_string(grace_ms)}));
  if (!daemon.started()) return 1;
  const std::string stubborn =
      R"({"gpus": 1, "preemptible": true, "argv": ["sh", "-c", "trap '' TERM; sleep 600"]})";
  for (int i = 0; i < 8; ++i)
    if (!submit(daemon, "alice", stubborn)) return 1;
  if (!testing::eventually(
          [&] { return testing::loads_by_owner(daemon, kAdminToken)["alice"].gpus_held == 8; },
          std::chrono::seconds(20))) {
    std::fprintf(stderr, "alice never held 8 GPUs\n");
    return 1;
  }
  const auto start = Clock::now();
  for (int i = 0; i < 2; ++i)
    if (!submit(daemon, "bob", R"({"gpus": 1, "argv": ["sleep", "600"]})")) return 1;
  double reached = -1;
  while (seconds_since(start) < 30) {
    if (testing::loads_by_owner(daemon, kAdminToken)["bob"].gpus_held >= 2) {
      reached = seconds_since(start);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const auto loads = testing::loads_by_owner(daemon, kAdminToken);
  std::printf(
      "reclaim: nlp reached its share (2 GPUs) %.2f s after submitting (kill grace %.1f "
      "s; bound grace + 1 s = %.1f s); vision then holds %d, with %d of its tasks "
      "queued again\n",
      reached, grace_ms / 1000.0, grace_ms / 1000.0 + 1, loads.at("alice").gpus_held,
      loads.at("alice").pending);
  return 0;
}

int run_aging() {
  TempDir dir;
  const int aging_ms = 3000;
  DaemonProcess daemon(dir.path(),
                       {"--simulate-gpus", "1xA100-80GB", "--aging-ms", std::to_string(aging_ms)});
  if (!daemon.started()) return 1;
  const auto start = Clock::now();
  if (daemon.post("/v1/tasks", R"({"gpus": 1, "seconds": 1, "priority": 10})").status != 201)
    return 1;
  const Answer low = daemon.post("/v1/tasks", R"({"gpus": 1, "seconds": 1, "priority": 0})");
  const std::string path = "/v1/tasks/" + std::to_string(int64_t{low.json["id"]});
  double started = -1;
  while (seconds_since(start) < 20 && started < 0) {
    // Two priority-10 tasks queued at all times: without aging the low task never starts.
    (void)daemon.post("/v1/tasks", R"({"gpus": 1, "seconds": 1, "priority": 10})");
    for (int i = 0; i < 10 && started < 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (daemon.get(path).json["state"] != "pending") started = seconds_since(start);
    }
  }
  std::printf(
      "aging: a priority-0 task behind a stream of priority-10 one-second tasks on one "
      "GPU, --aging-ms %d: started after %.2f s (bound: aging + one task = %.1f s)\n",
      aging_ms, started, aging_ms / 1000.0 + 1);
  return 0;
}

}  // namespace
}  // namespace fastgpu::bench

int main(int argc, char** argv) {
  CLI::App app{"fair share on a real fastgpud"};
  std::string scenario = "all";
  int tasks = 100;
  double seconds = 2;
  app.add_option("--scenario", scenario)
      ->check(CLI::IsMember({"all", "shares", "cap", "reclaim", "aging"}));
  app.add_option("--tasks", tasks, "one-GPU tasks per user in `shares`")
      ->check(CLI::Range(1, 10000));
  app.add_option("--seconds", seconds, "their length")->check(CLI::Range(0.1, 600.0));
  CLI11_PARSE(app, argc, argv);
  using namespace fastgpu::bench;
  int rc = 0;
  if (scenario == "all" || scenario == "shares") rc |= run_shares(tasks, seconds);
  if (scenario == "all" || scenario == "cap") rc |= run_cap();
  if (scenario == "all" || scenario == "reclaim") rc |= run_reclaim();
  if (scenario == "all" || scenario == "aging") rc |= run_aging();
  return rc;
}
