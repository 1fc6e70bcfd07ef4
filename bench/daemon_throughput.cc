// End-to-end throughput of fastgpud on loopback: a fresh daemon on a simulated 8-GPU host,
// 16 concurrent clients submitting `true` tasks that each ask for 0.1 GPU.
//
// Prints durable submissions accepted per second, tasks completed end to end per second, the
// submit -> running latency (p50, p99) with free capacity, and optionally the rate of submissions
// queued behind a full host (nothing running beside them) and the daemon's RSS with that many
// tasks queued. With --agents N the tasks run on N fastgpu-agent processes instead (each a
// simulated host of 8 GPUs of 400 TFLOPS; each task asks 20 TFLOPS, which the daemon's own
// 10-TFLOPS GPU cannot hold). With --running N it then starts N sleeping tasks and reports the
// daemon's CPU use while they run and nothing else happens (what watching them costs). With
// --idle-waiters N it reports the daemon's CPU per completed task first with no long-poll
// waiting, then with N clients long-polling a task that does not end (what idle waiters cost).
// Usage: daemon_throughput [--tasks N] [--clients N] [--queued N] [--agents N] [--running N]
//                          [--idle-waiters N]

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/submit_latency.h"
#include "tests/server/agent_process.h"
#include "tests/server/daemon_process.h"

namespace fastgpu::bench {
namespace {

using testing::Answer;
using testing::DaemonProcess;
using Clock = std::chrono::steady_clock;

const std::string kTrueTask = R"({"argv": ["true"], "gpu": 0.1})";
const std::string kAgentTask = R"({"argv": ["true"], "tflops": 20})";

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Submits `total` tasks from `clients` threads; returns false if any submission was refused.
bool submit_burst(const DaemonProcess& daemon, int total, int clients, const std::string& body) {
  std::atomic<int> next{0};
  std::atomic<bool> ok{true};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      httplib::Client client("127.0.0.1", daemon.port());  // one kept-alive connection each
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      while (next.fetch_add(1) < total) {
        const httplib::Result answer = client.Post("/v1/tasks", body, "application/json");
        if (!answer || answer->status != 201) ok = false;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return ok;
}

// Blocks until no task is pending and at most `still_running` run.
void wait_until_idle(const DaemonProcess& daemon, size_t still_running = 0) {
  const std::string running_page =
      "/v1/tasks?state=running&limit=" + std::to_string(still_running + 1);
  for (;;) {
    const bool pending = !daemon.get("/v1/tasks?state=pending&limit=1").json["tasks"].empty();
    const bool running = daemon.get(running_page).json["tasks"].size() > still_running;
    if (!pending && !running) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

int64_t rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  int64_t value = 0;
  while (status >> key) {
    if (key == "VmRSS:" && status >> value) return value;
  }
  return -1;
}

// CPU time (user + system) process `pid` has used so far, in seconds.
double cpu_seconds(pid_t pid) {
  std::istringstream fields(testing::stat_fields(pid));  // from field 3 (state) on
  std::string field;
  for (int i = 3; i < 14 && fields >> field; ++i) {
  }
  double user = 0, system = 0;
  fields >> user >> system;
  return (user + system) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The ids of the daemon's running tasks.
std::vector<int64_t> running_ids(const DaemonProcess& daemon) {
  std::vector<int64_t> ids;
  const Answer page = daemon.get("/v1/tasks?state=running&limit=10000");
  for (const auto& task : page.json["tasks"]) {
    ids.push_back(task["id"].get<int64_t>());
  }
  return ids;
}

// Starts `count` sleeping tasks (0.005 GPU each), waits until all run, prints the daemon's CPU
// use over the next 5 s as a share of one core, then cancels them.
void report_cpu_while_running(const DaemonProcess& daemon, int count, int clients) {
  if (!submit_burst(daemon, count, clients, R"({"argv": ["sleep", "3600"], "gpu": 0.005})")) {
    std::fprintf(stderr, "some sleeping tasks were refused\n");
  }
  const Clock::time_point start = Clock::now();
  while (running_ids(daemon).size() < static_cast<size_t>(count) && seconds_since(start) < 120) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));  // let the start-up work settle
  const size_t held = running_ids(daemon).size();
  const double cpu_before = cpu_seconds(daemon.pid());
  const Clock::time_point window_start = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(5));
  const double used = cpu_seconds(daemon.pid()) - cpu_before;
  std::printf("daemon CPU, %zu tasks running  %.1f%% of one core\n", held,
              100.0 * used / seconds_since(window_start));
  if (held < static_cast<size_t>(count)) {
    std::fprintf(stderr, "only %zu of %d ran; the others:\n", held, count);
    for (const char* state : {"pending", "failed", "lost"}) {
      const Answer page = daemon.get(std::string("/v1/tasks?limit=5&state=") + state);
      for (const auto& task : page.json["tasks"])
        std::fprintf(stderr, "  %s\n", task.dump().c_str());
    }
  }
  for (int64_t id : running_ids(daemon)) {
    daemon.post("/v1/tasks/" + std::to_string(id) + "/cancel", "");
  }
  wait_until_idle(daemon);
}

// The daemon's CPU time per task, in ms, over `tasks` `true` tasks submitted and run to their end;
// `still_running` tasks (the waiters' task) run on meanwhile.
double cpu_ms_per_task(const DaemonProcess& daemon, int tasks, int clients, size_t still_running) {
  const double before = cpu_seconds(daemon.pid());
  submit_burst(daemon, tasks, clients, kTrueTask);
  wait_until_idle(daemon, still_running);
  return (cpu_seconds(daemon.pid()) - before) * 1e3 / tasks;
}

// Prints the daemon's CPU per completed task with no waiter, then with `count` clients each
// long-polling GET /v1/tasks/ID/wait on a task that sleeps meanwhile.
void report_idle_waiter_cost(const DaemonProcess& daemon, int tasks, int clients, int count) {
  cpu_ms_per_task(daemon, tasks, clients, 0);  // warm up: caches, the store's pages
  const double alone = cpu_ms_per_task(daemon, tasks, clients, 0);
  const Answer sleeper = daemon.post("/v1/tasks", R"({"argv": ["sleep", "3600"], "gpu": 0.01})");
  const std::string wait =
      "/v1/tasks/" + std::to_string(int64_t{sleeper.json["id"]}) + "/wait?timeout=300";
  std::atomic<int> answered{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < count; ++i) {
    waiters.emplace_back([&] {
      httplib::Client client("127.0.0.1", daemon.port());
      client.set_read_timeout(std::chrono::seconds(310));
      if (client.Get(wait.c_str())) answered += 1;
    });
  }
  // Every waiter's connection is open (one descriptor each in the daemon) and its request in.
  const std::string fds = "/proc/" + std::to_string(daemon.pid()) + "/fd";
  const Clock::time_point start = Clock::now();
  while (std::distance(std::filesystem::directory_iterator(fds),
                       std::filesystem::directory_iterator()) < count &&
         seconds_since(start) < 60) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const double waited = cpu_ms_per_task(daemon, tasks, clients, 1);
  std::printf("daemon CPU per completed task, no waiter       %.3f ms\n", alone);
  std::printf("daemon CPU per completed task, %d idle waiters %.3f ms (%.2fx)\n", count, waited,
              waited / alone);
  if (answered > 0) std::fprintf(stderr, "%d waiters were answered early\n", answered.load());
  daemon.post("/v1/tasks/" + std::to_string(int64_t{sleeper.json["id"]}) + "/cancel", "");
  for (std::thread& t : waiters) t.join();
  wait_until_idle(daemon);
}

// Starts `count` agents on `daemon` and waits until /v1/nodes shows them all ready.
std::vector<std::unique_ptr<testing::AgentProcess>> start_agents(const DaemonProcess& daemon,
                                                                 const std::string& dir,
                                                                 int count) {
  std::vector<std::unique_ptr<testing::AgentProcess>> agents;
  for (int i = 0; i < count; ++i) {
    const std::string name = "host" + std::to_string(i);
    agents.push_back(std::make_unique<testing::AgentProcess>(
        daemon.port(), name, dir + "/" + name,
        std::vector<std::string>{"--simulate-gpus", "8x400tflops"}));
  }
  while (testing::ready_agent_nodes(daemon) < count) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return agents;
}

int run(int tasks, int clients, int queued, int agent_count, int running, int idle_waiters,
        const std::string& accounts) {
  testing::TempDir dir;
  std::vector<std::string> flags = {
      "--simulate-gpus", agent_count > 0 ? "1x10tflops" : "8xA100-80GB", "--http-threads",
      std::to_string(std::max(64, idle_waiters + 100))};
  if (!accounts.empty()) flags.insert(flags.end(), {"--accounts", accounts});
  DaemonProcess daemon(dir.path(), flags);
  if (!daemon.started()) {
    std::fprintf(stderr, "fastgpud did not start:\n%s", daemon.log().c_str());
    return 1;
  }
  if (idle_waiters > 0) {
    report_idle_waiter_cost(daemon, tasks, clients, idle_waiters);
    return 0;
  }
  const auto agents = start_agents(daemon, dir.path(), agent_count);
  const std::string& body = agent_count > 0 ? kAgentTask : kTrueTask;
  const Clock::time_point start = Clock::now();
  if (!submit_burst(daemon, tasks, clients, body)) std::fprintf(stderr, "some refused\n");
  const double submit_s = seconds_since(start);
  wait_until_idle(daemon);
  const double complete_s = seconds_since(start);
  if (agent_count > 0) {
    std::printf("tasks                         %d (`true`, 20 TFLOPS, %d agents of 8x400tflops)\n",
                tasks, agent_count);
  } else {
    std::printf("tasks                         %d (`true`, 0.1 GPU, 8 simulated A100s)\n", tasks);
  }
  std::printf("clients                       %d\n", clients);
  std::printf("durable submissions/s         %.0f\n", tasks / submit_s);
  std::printf("completed end to end/s        %.0f\n", tasks / complete_s);
  const std::vector<int64_t> lat = submit_to_running_us(daemon, 500, body);
  std::printf("submit->running p50 (free)    %.2f ms\n", lat[lat.size() / 2] / 1e3);
  std::printf("submit->running p99 (free)    %.2f ms\n", lat[lat.size() * 99 / 100] / 1e3);
  if (running > 0 && agent_count == 0) report_cpu_while_running(daemon, running, clients);
  if (queued > 0 && agent_count == 0) {
    const Answer blocker = daemon.post("/v1/tasks", R"({"argv": ["sleep", "3600"], "gpus": 8})");
    const Clock::time_point queue_start = Clock::now();
    submit_burst(daemon, queued, clients, R"({"argv": ["true"], "gpus": 8})");
    std::printf("durable submissions/s, queued %.0f (nothing running beside them)\n",
                queued / seconds_since(queue_start));
    std::printf("daemon RSS, %d queued         %.1f MiB\n", queued, rss_kib(daemon.pid()) / 1024.0);
    // Task processes outlive the daemon by design: stop the blocker before the daemon goes.
    daemon.post("/v1/tasks/" + std::to_string(int64_t{blocker.json["id"]}) + "/cancel", "");
  }
  return 0;
}

}  // namespace
}  // namespace fastgpu::bench

int main(int argc, char** argv) {
  CLI::App app{"fastgpud end-to-end throughput on loopback"};
  int tasks = 20000;
  int clients = 16;
  int queued = 0;
  int agents = 0;
  std::string accounts;
  app.add_option("--accounts", accounts, "fastgpud --accounts FILE (projects and shares)");
  app.add_option("--tasks", tasks, "tasks to submit")->check(CLI::Range(1, 10'000'000));
  app.add_option("--clients", clients, "concurrent clients")->check(CLI::Range(1, 1024));
  app.add_option("--queued", queued, "then queue this many tasks and report RSS (0: skip)")
      ->check(CLI::Range(0, 10'000'000));
  app.add_option("--agents", agents, "run the tasks on this many fastgpu-agent processes")
      ->check(CLI::Range(0, 64));
  int running = 0;
  app.add_option("--running", running,
                 "then hold this many sleeping tasks and report the daemon's CPU (0: skip)")
      ->check(CLI::Range(0, 1600));
  int idle_waiters = 0;
  app.add_option("--idle-waiters", idle_waiters,
                 "only report the daemon's CPU per task with this many idle long-polls beside")
      ->check(CLI::Range(0, 4000));
  CLI11_PARSE(app, argc, argv);
  return fastgpu::bench::run(tasks, clients, queued, agents, running, idle_waiters, accounts);
}
