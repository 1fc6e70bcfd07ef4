// Scheduling latency of fastgpud with a large pool of agents' nodes: a fresh daemon on loopback,
// N agents (default 1,000, each a host of 8 simulated A100s) simulated in this one process
// through the real agent protocol (/v1/agents/register and /v1/agents/sync), the pool filled to
// a given share with long tasks of mixed sizes, then probe tasks submitted one at a time.
//
// Prints the submit -> running latency (p50, p99, max) of the probes: admission, the durable
// commit of the submission, placement over every node by the policy, and the durable commit of
// the start. The simulated agents hold "long" tasks (argv[0] == "sleep") until the end and
// report every other task finished at their next sync, so no process is spawned anywhere.
// Usage: cluster_scheduling [--agents N] [--fill PERCENT] [--probes N]

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "agent/agent_protocol.h"
#include "bench/submit_latency.h"
#include "core/secret.h"
#include "runtime/simulated_inventory.h"
#include "tests/server/daemon_process.h"

namespace fastgpu::bench {
namespace {

using testing::Answer;
using testing::DaemonProcess;
using Clock = std::chrono::steady_clock;

constexpr const char* kHostGpus = "8xA100-80GB";
constexpr int kGpusPerHost = 8;
constexpr int64_t kLongPollMs = 1000;  // what an idle fastgpu-agent asks for

// One simulated agent: its session, and the tasks it was given and has not reported finished.
struct FakeAgent {
  std::string credential = random_secret();  // what a real agent makes for itself
  RegisterReply session;
  std::vector<int64_t> holding;    // long tasks: reported running until the end
  std::vector<int64_t> to_finish;  // short tasks: reported finished at the next sync
};

// The devices simulated host `name` reports (what `fastgpu-agent --simulate-gpus` would).
std::vector<GpuDevice> host_devices(const std::string& name) {
  std::unique_ptr<SimulatedInventory> inventory;
  std::vector<GpuDevice> devices;
  if (!SimulatedInventory::create(kHostGpus, name, &inventory).is_ok() ||
      !inventory->discover(&devices).is_ok()) {
    std::fprintf(stderr, "cannot simulate %s\n", kHostGpus);
  }
  return devices;
}

bool register_agents(const DaemonProcess& daemon, int count, std::vector<FakeAgent>* agents) {
  for (int i = 0; i < count; ++i) {
    const std::string name = "sim-host-" + std::to_string(i);
    RegisterRequest request{name, host_devices(name), 16'000, {}};
    FakeAgent agent;
    const Answer a = daemon.post_with("/v1/agents/register", to_json(request).dump(),
                                      {{kAgentCredentialHeader, agent.credential}});
    if (a.status != 200 || !parse_register_reply(a.body, &agent.session).is_ok()) {
      std::fprintf(stderr, "register %d: %d %s\n", i, a.status, a.body.c_str());
      return false;
    }
    agents->push_back(std::move(agent));
  }
  return true;
}

// One sync of `agent`: reports what it holds and what ended, takes new work.
void sync_once(httplib::Client& client, FakeAgent& agent) {
  SyncRequest request;
  request.agent_id = agent.session.agent_id;
  request.epoch = agent.session.epoch;
  request.running = agent.holding;
  for (int64_t task : agent.to_finish) {
    TaskExitReport report;
    report.task = task;
    report.exit_code = 0;
    request.finished.push_back(report);
  }
  request.wait_ms = kLongPollMs;
  const httplib::Result answer =
      client.Post("/v1/agents/sync", {{kAgentCredentialHeader, agent.credential}},
                  to_json(request).dump(), "application/json");
  SyncReply reply;
  if (!answer || answer->status != 200 || !parse_sync_reply(answer->body, &reply).is_ok()) return;
  agent.to_finish.clear();  // acknowledged by the answer
  for (const Assignment& a : reply.start) {
    (a.argv.front() == "sleep" ? agent.holding : agent.to_finish).push_back(a.task);
  }
}

// Runs every simulated agent as the real agent runs when idle: one thread each, long-polling
// /v1/agents/sync (the daemon answers at once when it has work for the agent, else after
// kLongPollMs), until destroyed.
class SyncDriver {
 public:
  SyncDriver(int port, std::vector<FakeAgent>* agents) {
    for (FakeAgent& agent : *agents) {
      threads_.emplace_back([this, port, &agent] {
        httplib::Client client("127.0.0.1", port);
        client.set_keep_alive(true);
        client.set_tcp_nodelay(true);
        client.set_read_timeout(std::chrono::seconds(10));
        while (!stop_) {
          sync_once(client, agent);
          syncs_ += 1;
        }
      });
    }
  }
  ~SyncDriver() {
    stop_ = true;
    for (std::thread& t : threads_) t.join();
  }
  int64_t syncs() const { return syncs_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> syncs_{0};
  std::vector<std::thread> threads_;
};

// Fills about `percent` of the pool's GPUs with long tasks of 1, 2, 4 or 8 GPUs (held by the
// simulated agents until the end), so placement searches a fragmented pool.
void fill_pool(const DaemonProcess& daemon, int agents, int percent) {
  const int64_t target = int64_t{agents} * kGpusPerHost * percent / 100;
  std::mt19937 rng(42);
  const int sizes[] = {1, 1, 1, 2, 2, 4, 8};
  int64_t asked = 0;
  while (asked < target) {
    const int gpus = sizes[rng() % std::size(sizes)];
    daemon.post("/v1/tasks",
                R"({"argv": ["sleep", "3600"], "gpus": )" + std::to_string(gpus) + "}");
    asked += gpus;
  }
}

// Waits until nothing is pending (the fill has been placed).
void wait_until_placed(const DaemonProcess& daemon) {
  while (!daemon.get("/v1/tasks?state=pending&limit=1").json["tasks"].empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int run(int agent_count, int fill_percent, int probes, const std::string& accounts) {
  testing::TempDir dir;
  // The daemon's own GPU is too small for the probes' 0.5 of an A100: they land on agents.
  // Every idle agent holds one HTTP thread with its long-poll; the rest serve the probes.
  // Real agents are distinct peers; here all are 127.0.0.1, so the cap per peer is raised.
  std::vector<std::string> flags = {"--simulate-gpus",
                                    "1x10tflops",
                                    "--node-timeout",
                                    "600",
                                    "--http-threads",
                                    std::to_string(agent_count + 64),
                                    "--max-connections-per-peer",
                                    "16384"};
  if (!accounts.empty()) flags.insert(flags.end(), {"--accounts", accounts});
  DaemonProcess daemon(dir.path(), flags);
  if (!daemon.started()) {
    std::fprintf(stderr, "fastgpud did not start:\n%s", daemon.log().c_str());
    return 1;
  }
  std::vector<FakeAgent> agents;
  const Clock::time_point t0 = Clock::now();
  if (!register_agents(daemon, agent_count, &agents)) return 1;
  const double register_s = std::chrono::duration<double>(Clock::now() - t0).count();
  SyncDriver driver(daemon.port(), &agents);
  std::fprintf(stderr, "registered %d agents in %.2f s; filling\n", agent_count, register_s);
  fill_pool(daemon, agent_count, fill_percent);
  wait_until_placed(daemon);
  std::fprintf(stderr, "filled; probing\n");
  const std::vector<int64_t> lat =
      submit_to_running_us(daemon, probes, R"({"argv": ["true"], "gpu": 0.5})");
  std::printf("nodes                         %d agents x %s (%d GPUs)\n", agent_count, kHostGpus,
              agent_count * kGpusPerHost);
  std::printf("registration                  %.2f s for all agents\n", register_s);
  std::printf("pool filled                   ~%d%% of GPUs by long tasks of 1-8 GPUs\n",
              fill_percent);
  std::printf("probes                        %d (`true`, 0.5 GPU, one at a time)\n", probes);
  std::printf("submit->running p50           %.2f ms\n", lat[lat.size() / 2] / 1e3);
  std::printf("submit->running p99           %.2f ms\n", lat[lat.size() * 99 / 100] / 1e3);
  std::printf("submit->running max           %.2f ms\n", lat.back() / 1e3);
  std::printf("agent syncs                   %lld\n", static_cast<long long>(driver.syncs()));
  return 0;
}

}  // namespace
}  // namespace fastgpu::bench

int main(int argc, char** argv) {
  // fastgpud closes an idle kept-alive connection after its request deadline; a client writing
  // to it must get EPIPE and reconnect, not die of SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"fastgpud scheduling latency over many agents' nodes (agents simulated)"};
  int agents = 1000;
  int fill = 50;
  int probes = 500;
  app.add_option("--agents", agents, "simulated agents (hosts of 8 GPUs)")
      ->check(CLI::Range(1, 4000));
  app.add_option("--fill", fill, "percent of the GPUs to fill with long tasks first")
      ->check(CLI::Range(0, 90));
  app.add_option("--probes", probes, "probe tasks to time")->check(CLI::Range(1, 100'000));
  std::string accounts;
  app.add_option("--accounts", accounts, "fastgpud --accounts FILE (projects and shares)");
  CLI11_PARSE(app, argc, argv);
  return fastgpu::bench::run(agents, fill, probes, accounts);
}
