// Restarts of a real fastgpud: running processes are re-adopted, vanished ones are lost and
// retried, and a SIGKILL during a burst of submissions loses nothing that was acknowledged.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "daemon_process.h"
#include "runtime/process_identity.h"
#include "runtime/process_launcher.h"

namespace fastgpu::testing {
namespace {

nlohmann::json wait_task(const DaemonProcess& daemon, int64_t id) {
  return daemon.get("/v1/tasks/" + std::to_string(id) + "/wait?timeout=60").json;
}

// Polls until task `id` is running; returns its record.
nlohmann::json wait_running(const DaemonProcess& daemon, int64_t id) {
  nlohmann::json task;
  for (int i = 0; i < 200; ++i) {
    task = daemon.get("/v1/tasks/" + std::to_string(id)).json;
    if (task["state"] == "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return task;
}

// Submits `body` to a daemon on `dir`, waits until the task runs, SIGKILLs the daemon and returns
// the task's record as it was running.
nlohmann::json run_then_kill_daemon(const TempDir& dir, const std::string& body) {
  DaemonProcess daemon(dir.path());
  EXPECT_TRUE(daemon.started()) << daemon.log();
  const Answer a = daemon.post("/v1/tasks", body);
  EXPECT_EQ(a.status, 201) << a.body;
  const nlohmann::json running = wait_running(daemon, a.json["id"]);
  EXPECT_EQ(running["state"], "running");
  daemon.kill_hard();
  return running;
}

TEST(RestartTest, RunningProcessOutlivesTheDaemonAndIsReadopted) {
  TempDir dir;
  const nlohmann::json running =
      run_then_kill_daemon(dir, R"({"argv": ["sleep", "5"], "gpu": 0.5})");
  const int64_t id = running["id"];
  const int pid = running["pid"];
  ASSERT_EQ(::kill(pid, 0), 0) << "the task's process died with the daemon";
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const nlohmann::json adopted = daemon.get("/v1/tasks/" + std::to_string(id)).json;
  EXPECT_EQ(adopted["state"], "running");
  EXPECT_EQ(adopted["pid"], pid);
  EXPECT_EQ(daemon.get("/v1/gpus").json["gpus"][0]["allocated_milli"], 500);
  EXPECT_EQ(wait_task(daemon, id)["state"], "succeeded");
  EXPECT_EQ(daemon.get("/v1/gpus").json["gpus"][0]["allocated_milli"], 0);
}

// Its guard outlives the daemon and records how the task ended, so an exit code is not lost
// with the daemon: neither when the task ends while the daemon is down, nor after it is adopted.
TEST(RestartTest, ATaskThatExitsWhileTheDaemonIsDownKeepsItsExitCode) {
  TempDir dir;
  const nlohmann::json running =
      run_then_kill_daemon(dir, R"({"argv": ["sh", "-c", "sleep 1; exit 7"]})");
  const int pid = running["pid"];
  uint64_t start_time = 0;  // unreadable: the task has already ended
  (void)read_process_start_time(pid, &start_time);
  for (int i = 0; i < 400 && is_same_process(pid, start_time); ++i) {  // at most 10 s
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_FALSE(is_same_process(pid, start_time))
      << "the task did not end while the daemon was down";
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const nlohmann::json ended = wait_task(daemon, running["id"]);
  EXPECT_EQ(ended["state"], "failed") << ended;
  EXPECT_EQ(ended["exit_code"], 7) << ended;
  EXPECT_EQ(ended["failure_reason"], "exited with code 7") << ended;
}

TEST(RestartTest, AnAdoptedTaskThatExits7IsRecordedFailedWithCode7) {
  TempDir dir;
  const nlohmann::json running =
      run_then_kill_daemon(dir, R"({"argv": ["sh", "-c", "sleep 2; exit 7"]})");
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  EXPECT_EQ(daemon.get("/v1/tasks/" + std::to_string(int64_t{running["id"]})).json["state"],
            "running");
  const nlohmann::json ended = wait_task(daemon, running["id"]);
  EXPECT_EQ(ended["state"], "failed") << ended;
  EXPECT_EQ(ended["exit_code"], 7) << ended;
}

TEST(RestartTest, VanishedProcessIsLostThenRetried) {
  TempDir dir;
  const nlohmann::json running =
      run_then_kill_daemon(dir, R"({"argv": ["sleep", "30"], "max_retries": 1})");
  const int64_t id = running["id"];
  ASSERT_GT(int{running["pid"]}, 0);
  ::kill(-int{running["pid"]}, SIGKILL);  // its whole process group
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const nlohmann::json retried = wait_running(daemon, id);
  EXPECT_EQ(retried["state"], "running");
  EXPECT_EQ(retried["retries_used"], 1);
  EXPECT_EQ(daemon.post("/v1/tasks/" + std::to_string(id) + "/cancel", "").status, 200);
}

// Reaps child `pid` within `timeout`; returns its wait status, or -1 if it is still running.
int reap_within(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status;
}

// The daemon can die after it started a task's process and before the start was durable: the
// task is pending again after the restart while that process still runs. The restarted daemon
// must kill it rather than run the task a second time beside it.
TEST(RestartTest, AProcessWhoseStartWasNeverRecordedIsKilledNotRunTwice) {
  TempDir dir;
  const std::string runs = shared_dir(dir) + "/runs";
  int64_t id = 0;
  {
    DaemonProcess daemon(dir.path());
    ASSERT_TRUE(daemon.started()) << daemon.log();
    ASSERT_EQ(daemon.post("/v1/tasks", R"({"seconds": 2, "tflops": 40})").status, 201);
    const nlohmann::json body = {{"argv", {"sh", "-c", "echo ran >> " + runs}}, {"tflops", 40}};
    const Answer task = daemon.post("/v1/tasks", body.dump());
    ASSERT_EQ(task.status, 201) << task.body;
    id = task.json["id"];
    ASSERT_EQ(task.json["state"], "pending");
    daemon.kill_hard();
  }
  // What the dead daemon would have left: the task's process, in its own group, writing to the
  // task's stdout file.
  LaunchSpec stray;
  stray.argv = {"sleep", "60"};
  stray.stdout_path = dir.path() + "/logs/task-" + std::to_string(id) + ".out";
  LaunchedProcess process;
  ASSERT_TRUE(launch_process(stray, &process).is_ok());

  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const int status = reap_within(process.identity.pid, std::chrono::seconds(5));
  if (status == -1) ::kill(-process.identity.pid, SIGKILL);
  ASSERT_NE(status, -1) << "the stray process still runs after the restart";
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  const nlohmann::json done = wait_task(daemon, id);
  EXPECT_EQ(done["state"], "succeeded");
  EXPECT_NE(done["pid"], process.identity.pid);
  EXPECT_EQ(read_file(runs), "ran\n");
}

// A cancel commits `cancelled` first and then stops the process with a grace period. A daemon
// killed within that grace must not leave the process running for good: the restarted daemon
// kills it.
TEST(RestartTest, ACancelledTasksProcessStillStoppingIsKilledAfterARestart) {
  TempDir dir;
  const std::vector<std::string> flags = {"--kill-grace-ms", "60000"};
  pid_t pid = 0;
  {
    DaemonProcess daemon(dir.path(), flags);
    ASSERT_TRUE(daemon.started()) << daemon.log();
    // It ignores SIGTERM, so only the SIGKILL after the grace would end it.
    const Answer task =
        daemon.post("/v1/tasks", R"({"argv": ["sh", "-c", "trap '' TERM; sleep 60 & wait"]})");
    ASSERT_EQ(task.status, 201) << task.body;
    const int64_t id = task.json["id"];
    pid = wait_running(daemon, id)["pid"];
    ASSERT_EQ(daemon.post("/v1/tasks/" + std::to_string(id) + "/cancel", "").status, 200);
    daemon.kill_hard();
  }
  ASSERT_EQ(::kill(pid, 0), 0) << "the process should still be in its grace period";
  DaemonProcess daemon(dir.path(), flags);
  ASSERT_TRUE(daemon.started()) << daemon.log();
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    gone = ::kill(-pid, 0) != 0;  // the whole group, the background sleep too
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!gone) ::kill(-pid, SIGKILL);
  EXPECT_TRUE(gone) << "the cancelled task's process group outlived the restart";
}

TEST(RestartTest, PendingTasksKeepTheirOrderAcrossARestart) {
  TempDir dir;
  std::vector<int64_t> ids;
  {
    DaemonProcess daemon(dir.path());
    ASSERT_TRUE(daemon.started()) << daemon.log();
    const Answer blocker = daemon.post("/v1/tasks", R"({"argv": ["sleep", "1"], "gpus": 1})");
    ASSERT_EQ(blocker.status, 201);
    for (int priority : {0, 5, 0}) {
      const Answer a = daemon.post("/v1/tasks", R"({"seconds": 0.05, "gpus": 1, "priority": )" +
                                                    std::to_string(priority) + "}");
      ASSERT_EQ(a.status, 201);
      ids.push_back(a.json["id"]);
    }
    daemon.kill_hard();
  }
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  std::vector<double> starts;
  for (int64_t id : ids) starts.push_back(wait_task(daemon, id)["started_at"]);
  EXPECT_LT(starts[1], starts[0]);  // priority 5 first
  EXPECT_LT(starts[0], starts[2]);  // then FIFO
}

// Acknowledged means durable: a burst of 10,000 submissions from 16 clients, the daemon
// SIGKILLed halfway through it.
TEST(CrashTest, EveryAcknowledgedTaskSurvivesAKill9ExactlyOnceAndCompletes) {
  constexpr int kClients = 16;
  constexpr int kBurst = 10'000;
  TempDir dir;
  std::mutex mu;
  std::map<std::string, int64_t> acknowledged;  // name -> id
  {
    DaemonProcess daemon(dir.path(), {"--simulate-gpus", "8xA100-80GB"});
    ASSERT_TRUE(daemon.started()) << daemon.log();
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        for (int i = 0; !stop && i < kBurst / kClients; ++i) {
          const std::string name = std::to_string(c) + "-" + std::to_string(i);
          const nlohmann::json body = {{"seconds", 0.01}, {"gpu", 0.1}, {"name", name}};
          const Answer a = daemon.post("/v1/tasks", body.dump());
          if (a.status != 201) return;  // the daemon is gone
          std::lock_guard lock(mu);
          acknowledged[name] = a.json["id"];
        }
      });
    }
    // Half the burst acknowledged, or (a daemon that stopped answering) a minute gone.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    size_t answered = 0;
    while (answered < kBurst / 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      std::lock_guard lock(mu);
      answered = acknowledged.size();
    }
    daemon.kill_hard();
    stop = true;
    for (std::thread& t : clients) t.join();
  }
  std::printf("%zu of %d submissions acknowledged before the SIGKILL\n", acknowledged.size(),
              kBurst);
  ASSERT_GE(acknowledged.size(), size_t{kBurst / 2}) << "the daemon stopped acknowledging";
  DaemonProcess daemon(dir.path(), {"--simulate-gpus", "8xA100-80GB"});
  ASSERT_TRUE(daemon.started()) << daemon.log();
  std::map<std::string, int> copies;
  int64_t cursor = 0;
  do {
    const Answer page = daemon.get("/v1/tasks?limit=1000&cursor=" + std::to_string(cursor));
    ASSERT_EQ(page.status, 200);
    for (const nlohmann::json& t : page.json["tasks"]) {
      copies[t["name"]] += 1;
      if (acknowledged.contains(t["name"])) {
        EXPECT_EQ(wait_task(daemon, t["id"])["state"], "succeeded") << t["name"];
      }
    }
    cursor = page.json["next_cursor"];
  } while (cursor != 0);
  for (const auto& [name, id] : acknowledged) {
    EXPECT_EQ(copies[name], 1) << name << " (id " << id << ")";
  }
  for (const auto& [name, n] : copies) EXPECT_EQ(n, 1) << name;
}

}  // namespace
}  // namespace fastgpu::testing
