// fastgpud replicas on one PostgreSQL database: one leads and schedules, the other serves reads
// and refuses changes; when the leader is killed under load, the follower takes over, and every
// task the dead leader acknowledged is there and runs to completion.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "../store/store_backends.h"
#include "daemon_process.h"
#include "task_record.h"

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

// Ends the PostgreSQL session that holds fastgpud's leader lock (an advisory lock), and only it:
// the replica's other connections (its store's writer and readers) live on.
void terminate_lease_connection(const std::string& url) {
  std::unique_ptr<PgConnection> admin;
  ASSERT_TRUE(PgConnection::open(url, &admin).is_ok());
  std::unique_ptr<SqlQuery> killed = admin->query(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND "
      "granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
  ASSERT_TRUE(killed->next_row()) << killed->status().message();
  ASSERT_EQ(killed->column_int64(), 1) << "one leader lock is held";
}

// The index (0 or 1) of the replica that answers /healthz as the leader, or -1.
int leader_of(const std::vector<std::unique_ptr<DaemonProcess>>& replicas) {
  for (size_t i = 0; i < replicas.size(); ++i) {
    if (replicas[i]->get("/healthz").json["role"] == "leader") return static_cast<int>(i);
  }
  return -1;
}

// A deposed leader confirms its write epoch before it starts processes, kills the ones whose
// start it could not record when it steps down, and a new leader waits out the takeover grace
// before it places anything: no attempt ever finds another of its task alive.
TEST_F(FailoverTest, TwentyLostLeaseConnectionsNeverRunATaskTwiceAtOnce) {
  TempDir dirs[2];
  const std::string record = shared_dir(dirs[0]) + "/record";
  std::vector<std::unique_ptr<DaemonProcess>> replicas;
  for (TempDir& dir : dirs) {
    replicas.push_back(std::make_unique<DaemonProcess>(dir.path(), flags()));
    ASSERT_TRUE(replicas.back()->started()) << replicas.back()->log();
  }
  // Each attempt holds an exclusive flock on a file of its task for its whole life; the kernel
  // drops it when the attempt dies. An attempt that finds it taken runs beside a live one and
  // says so in the record: the exact "twice at once".
  const std::string argv = "exec 9>>" + record +
                           ".$FASTGPU_TASK_ID; if flock -n 9; then echo \\\"$FASTGPU_TASK_ID "
                           "start $$\\\" >> " +
                           record + "; sleep 0.05; echo \\\"$FASTGPU_TASK_ID end $$\\\" >> " +
                           record + "; else echo \\\"$FASTGPU_TASK_ID overlap $$\\\" >> " + record +
                           "; fi";
  const std::string task =
      R"({"argv": ["sh", "-c", ")" + argv + R"("], "gpu": 0.1, "max_retries": 50})";
  std::atomic<bool> stop{false};
  std::atomic<int> current{0};  // the replica the load goes to
  std::vector<int64_t> acked;
  std::mutex mu;
  std::thread load([&] {
    while (!stop) {
      const Answer a = replicas[current]->post("/v1/tasks", task);
      if (a.status == 201) {
        std::lock_guard lock(mu);
        acked.push_back(a.json["id"]);
      } else {
        std::this_thread::sleep_for(5ms);
      }
    }
  });
  int fenced_logs = 0;
  for (int cycle = 0; cycle < 20; ++cycle) {
    const int old_leader = leader_of(replicas);
    ASSERT_GE(old_leader, 0) << "cycle " << cycle;
    current = old_leader;
    std::this_thread::sleep_for(300ms);  // tasks run
    terminate_lease_connection(db_.url());
    const int next = 1 - old_leader;
    const Clock::time_point cut = Clock::now();
    while (replicas[next]->get("/healthz").json["role"] != "leader" && Clock::now() - cut < 20s) {
      std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(replicas[next]->get("/healthz").json["role"], "leader") << "cycle " << cycle;
    current = next;
    // The deposed leader notices its lease is gone and exits; it comes back as a follower.
    ASSERT_TRUE(eventually([&] { return !alive(replicas[old_leader]->pid()); }, 10s))
        << "cycle " << cycle;
    fenced_logs += replicas[old_leader]->log().find("fenced") != std::string::npos;
    replicas[old_leader] = std::make_unique<DaemonProcess>(dirs[old_leader].path(), flags());
    ASSERT_TRUE(replicas[old_leader]->started()) << replicas[old_leader]->log();
  }
  stop = true;
  load.join();
  const int leader = leader_of(replicas);
  ASSERT_GE(leader, 0);
  for (int64_t id : acked) {
    const Answer done =
        replicas[leader]->get("/v1/tasks/" + std::to_string(id) + "/wait?timeout=60");
    ASSERT_EQ(done.json["state"], "succeeded") << done.body;
  }
  std::set<pid_t> killed;
  for (pid_t pid : unended_attempts(record)) {
    if (!alive(pid)) killed.insert(pid);
  }
  EXPECT_EQ(overlapping_tasks(record, killed), std::vector<int64_t>{});
  int overlaps = 0;
  for (const RecordLine& line : read_record(record)) overlaps += line.what == "overlap";
  EXPECT_EQ(overlaps, 0) << "an attempt found another attempt of its task alive";
  std::printf(
      "fencing: 20 lease connections cut, %zu tasks acknowledged, %zu attempts killed "
      "with their leader, %d deposed leaders logged a fenced write\n",
      acked.size(), killed.size(), fenced_logs);
}

}  // namespace
}  // namespace fastgpu::testing
