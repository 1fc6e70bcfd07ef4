// fastgpud replicas on one PostgreSQL database: one leads and schedules, the other serves reads
// and refuses changes; when the leader is killed under load, the follower takes over, and every
// task the dead leader acknowledged is there and runs to completion.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "../store/store_backends.h"
#include "daemon_process.h"

namespace fastgpu::testing {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

const std::vector<std::string> kPool = {"--simulate-gpus", "8xA100-80GB"};
constexpr const char* kShortTask = R"({"argv": ["true"], "gpu": 0.1, "max_retries": 5})";

class FailoverTest : public testing_util::PostgresDatabaseTest {
 protected:
  std::vector<std::string> flags() const {
    std::vector<std::string> f = {"--store", db_.url()};
    f.insert(f.end(), kPool.begin(), kPool.end());
    return f;
  }
};

// Submits kShortTask to `daemon` from `clients` threads until `stop`, collecting the ids it
// acknowledged (201) in *acked.
void submit_until(const DaemonProcess& daemon, int clients, const std::atomic<bool>& stop,
                  std::vector<int64_t>* acked, std::mutex* mu) {
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      while (!stop) {
        const Answer a = daemon.post("/v1/tasks", kShortTask);
        if (a.status != 201) continue;  // the leader is gone: refused connections
        std::lock_guard lock(*mu);
        acked->push_back(a.json["id"]);
      }
    });
  }
  for (std::thread& t : threads) t.join();
}

TEST_F(FailoverTest, TheFollowerServesReadsAndRefusesChanges) {
  TempDir leader_dir, follower_dir;
  DaemonProcess leader(leader_dir.path(), flags());
  ASSERT_TRUE(leader.started()) << leader.log();
  DaemonProcess follower(follower_dir.path(), flags());
  ASSERT_TRUE(follower.started()) << follower.log();
  EXPECT_EQ(leader.get("/healthz").json["role"], "leader");
  EXPECT_EQ(follower.get("/healthz").json["role"], "follower");

  const Answer task = leader.post("/v1/tasks", R"({"seconds": 0.01, "name": "seen"})");
  ASSERT_EQ(task.status, 201) << task.body;
  const std::string path = "/v1/tasks/" + std::to_string(int64_t{task.json["id"]});
  EXPECT_EQ(follower.get(path).json["name"], "seen");  // reads come from the shared store
  const Answer refused = follower.post("/v1/tasks", kShortTask);
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.json["error"]["code"], "not_leader") << refused.body;
  EXPECT_EQ(follower.get(path + "/wait?timeout=0").status, 503);
  EXPECT_EQ(follower.post("/v1/vgpus", R"({"gpu": 0.5})").status, 503);
}

TEST_F(FailoverTest, AKilledLeaderIsReplacedAndNothingAcknowledgedIsLost) {
  TempDir leader_dir, follower_dir;
  auto leader = std::make_unique<DaemonProcess>(leader_dir.path(), flags());
  ASSERT_TRUE(leader->started()) << leader->log();
  DaemonProcess follower(follower_dir.path(), flags());
  ASSERT_TRUE(follower.started()) << follower.log();

  std::atomic<bool> stop{false};
  std::vector<int64_t> acked;
  std::mutex mu;
  std::thread load([&] { submit_until(*leader, 8, stop, &acked, &mu); });
  std::this_thread::sleep_for(1500ms);  // tasks are being submitted, started and finished
  leader->kill_hard();
  const Clock::time_point killed = Clock::now();
  stop = true;
  load.join();
  ASSERT_GT(acked.size(), 100u) << "too little load before the kill";

  // The follower takes the lease, recovers, and schedules a new task.
  while (follower.get("/healthz").json["role"] != "leader" && Clock::now() - killed < 30s) {
    std::this_thread::sleep_for(5ms);
  }
  const double leading_s = std::chrono::duration<double>(Clock::now() - killed).count();
  Answer first;
  while (Clock::now() - killed < 30s) {
    // Ahead of the recovered queue, so its start times the takeover, not the backlog.
    first = follower.post("/v1/tasks", R"({"argv": ["true"], "gpu": 0.1, "priority": 10})");
    if (first.status == 201) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(first.status, 201) << first.body << follower.log();
  const std::string first_path = "/v1/tasks/" + std::to_string(int64_t{first.json["id"]});
  const Answer ran = follower.get(first_path + "/wait?timeout=30");
  const double takeover_s = std::chrono::duration<double>(Clock::now() - killed).count();
  EXPECT_EQ(ran.json["state"], "succeeded") << ran.body;
  std::printf(
      "failover: the follower led %.2f s and ran a new task to completion %.2f s after "
      "the kill; %zu tasks acknowledged by the dead leader\n",
      leading_s, takeover_s, acked.size());

  // Every acknowledged task exists once and finishes, retried when its process died unseen.
  for (int64_t id : acked) {
    const Answer done = follower.get("/v1/tasks/" + std::to_string(id) + "/wait?timeout=60");
    ASSERT_EQ(done.status, 200) << done.body;
    ASSERT_EQ(done.json["state"], "succeeded") << done.body;
  }
  const Answer all = follower.get("/v1/tasks?limit=10000");
  EXPECT_GE(all.json["tasks"].size(), acked.size() + 1);  // and some committed unanswered
}

}  // namespace
}  // namespace fastgpu::testing
