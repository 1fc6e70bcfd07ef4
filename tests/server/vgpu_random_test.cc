// vGPUs and their tasks in random interleavings against a real fastgpud: create, delete,
// force-delete, submit, cancel and restart in any order and at any speed. After every batch of
// operations the daemon is alive, its ledger holds exactly the active vGPUs' shares, the
// memory the active vGPUs are promised (named, or their share's) fits the GPU's, and no task runs
// in a deleted vGPU.
//
// FASTGPU_RANDOM_SEEDS (default 3) seeds of FASTGPU_RANDOM_OPS (default 300) operations each;
// the closing figures of issue 15 were measured with 20 × 1,000.

#include <gtest/gtest.h>

#include <cstdlib>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "core/rng.h"
#include "daemon_process.h"

namespace fastgpu::testing {
namespace {

int from_env(const char* name, int fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0' ? std::atoi(text) : fallback;
}

class RandomVgpuRun {
 public:
  RandomVgpuRun(uint64_t seed, const std::string& dir) : rng_(seed), dir_(dir) { start(); }

  // One random operation; false when the daemon is gone.
  bool step() {
    const uint64_t pick = rng_.below(100);
    if (pick < 25) {
      create();
    } else if (pick < 40) {
      remove(false);
    } else if (pick < 45) {
      remove(true);
    } else if (pick < 50) {
      remove_two_at_once();
    } else if (pick < 80) {
      submit();
    } else if (pick < 98) {
      cancel();
    } else {
      restart();
    }
    return daemon_->get("/healthz").status == 200;
  }

  // Waits (at most 5 s) for the loop to settle, then checks the invariants; "" when they hold.
  std::string check() {
    std::string problem;
    eventually([&] { return (problem = violation()).empty(); }, std::chrono::seconds(5));
    return problem;
  }

  std::string log() const { return daemon_->log(); }

 private:
  void start() {
    daemon_ =
        std::make_unique<DaemonProcess>(dir_, std::vector<std::string>{"--kill-grace-ms", "50"});
  }
  int64_t any(const std::vector<int64_t>& ids) {
    return ids.empty() ? 1 : ids[rng_.below(ids.size())];
  }
  void create() {
    static constexpr const char* kSizes[] = {R"({"gpu": 0.25})",
                                             R"({"gpu": 0.5})",
                                             R"({"gpu": 0.75})",
                                             R"({"tflops": 10})",
                                             R"({"gpu": 0.25, "memory": "30GiB"})",
                                             R"({"gpu": 0.1, "memory": "2GiB"})"};
    const Answer a = daemon_->post("/v1/vgpus", kSizes[rng_.below(std::size(kSizes))]);
    if (a.status == 201) vgpus_.push_back(a.json["id"]);
  }
  void remove(bool force) {
    daemon_->del("/v1/vgpus/" + std::to_string(any(vgpus_)) + (force ? "?force=true" : ""));
  }
  // Two deletions side by side (`fastgpu vgpu rm A B` from two terminals): the first may
  // activate a pending vGPU just as the second deletes it.
  void remove_two_at_once() {
    const int64_t first = any(vgpus_);
    const int64_t second = any(vgpus_);
    std::thread other([&] { daemon_->del("/v1/vgpus/" + std::to_string(first)); });
    daemon_->del("/v1/vgpus/" + std::to_string(second));
    other.join();
  }
  void submit() {
    const double seconds = 0.02 * static_cast<double>(1 + rng_.below(20));
    const nlohmann::json body = {{"seconds", seconds}, {"vgpu", any(vgpus_)}};
    const Answer a = daemon_->post("/v1/tasks", body.dump());
    if (a.status == 201) tasks_.push_back(a.json["id"]);
  }
  void cancel() { daemon_->post("/v1/tasks/" + std::to_string(any(tasks_)) + "/cancel", ""); }
  void restart() {
    daemon_->stop();
    start();
  }

  // What breaks an invariant now, or "".
  std::string violation() {
    if (!daemon_->started()) return "the daemon did not start again";
    const Answer vgpus = daemon_->get("/v1/vgpus");
    const Answer gpus = daemon_->get("/v1/gpus");
    const Answer running = daemon_->get("/v1/tasks?state=running&limit=10000");
    if (vgpus.status != 200 || gpus.status != 200 || running.status != 200) {
      return "the daemon does not answer";
    }
    int64_t active_milli = 0;
    int64_t promised_bytes = 0;
    std::set<int64_t> active;
    for (const nlohmann::json& v : vgpus.json["vgpus"]) {
      if (v["state"] == "active") {
        active.insert(v["id"].get<int64_t>());
        active_milli += static_cast<int64_t>(v["gpu"].get<double>() * 1000 + 0.5);
        promised_bytes += v["memory_bytes"].get<int64_t>();
      }
    }
    const int64_t memory = gpus.json["gpus"][0]["memory_bytes"];
    if (promised_bytes > memory) {
      return "the active vGPUs are promised " + std::to_string(promised_bytes >> 20) +
             " MiB of a GPU's " + std::to_string(memory >> 20);
    }
    const int64_t allocated = gpus.json["gpus"][0]["allocated_milli"];
    if (allocated != active_milli || allocated > 1000) {
      return "the ledger holds " + std::to_string(allocated) + " milli-GPU, the active vGPUs " +
             std::to_string(active_milli);
    }
    for (const nlohmann::json& t : running.json["tasks"]) {
      if (!active.contains(t["vgpu"].get<int64_t>())) {
        return "task " + t["id"].dump() + " runs in vGPU " + t["vgpu"].dump() +
               ", which is not active";
      }
    }
    return "";
  }

  Rng rng_;
  std::string dir_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::vector<int64_t> vgpus_;
  std::vector<int64_t> tasks_;
};

TEST(VgpuRandom, AnyInterleavingKeepsTheDaemonAndItsLedgerWhole) {
  const int seeds = from_env("FASTGPU_RANDOM_SEEDS", 3);
  const int ops = from_env("FASTGPU_RANDOM_OPS", 300);
  for (int seed = 1; seed <= seeds; ++seed) {
    TempDir dir;
    RandomVgpuRun run(static_cast<uint64_t>(seed), dir.path());
    for (int op = 1; op <= ops; ++op) {
      ASSERT_TRUE(run.step()) << "seed " << seed << ", operation " << op << "\n" << run.log();
      if (op % 50 == 0 || op == ops) {
        const std::string problem = run.check();
        ASSERT_EQ(problem, "") << "seed " << seed << ", after operation " << op;
      }
    }
  }
}

}  // namespace
}  // namespace fastgpu::testing
