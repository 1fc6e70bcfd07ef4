#pragma once
// fastgpu-agent's work on one GPU host: a session with fastgpud, the tasks it is assigned run as
// local processes, their ends reported back, and a self-fence when fastgpud cannot be reached.

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/agent_protocol.h"
#include "agent/task_outputs.h"
#include "runtime/launch_worker.h"
#include "runtime/process_supervisor.h"
#include "runtime/task_sandbox.h"

namespace fastgpu {

/// The agent of one host. run() registers with fastgpud, then syncs in a loop: each sync is the
/// heartbeat, reports the tasks it runs and the ends not yet acknowledged, and brings back what
/// to start and stop. Tasks start on a LaunchWorker with the assignment's argv, env and cwd,
/// stdout and stderr into pipes, and the vGPU library preloaded when the assignment asks. Their
/// output is sent with the syncs as it comes (TaskOutputs), all of it before the task's end.
/// Each runs under a guard forked from the agent (runtime/process_guard.h), which kills the
/// task's process group when the agent dies, even by SIGKILL.
///
/// Self-fence (docs/ARCHITECTURE.md, "Agents"): when no sync has succeeded for half the node
/// timeout fastgpud announced, or fastgpud refuses the session (409), the agent kills every
/// task it runs (SIGKILL to each process group), forgets their ends and registers again. So its
/// tasks are gone before fastgpud declares them lost and starts them elsewhere.
/// run() is for one thread; stop() may be called from any.
class NodeAgent {
 public:
  struct Options {
    std::string server;        // fastgpud's URL, "http://HOST:PORT"
    std::string join_token;    // sent in X-FastGPU-Join-Token; may be empty
    std::string ca_file;       // an https:// server's certificate must chain to it; empty: system's
    std::string name;          // the host's name in the pool
    std::string work_dir;      // the agent's working directory; must exist
    std::string vgpu_library;  // preloaded when an assignment asks; empty: none
    TaskSandbox::Options sandbox;               // where tasks run (TaskSandbox::options_for)
    std::chrono::milliseconds idle_wait{1000};  // longest long-poll while nothing runs
  };

  NodeAgent(Options options, std::vector<GpuDevice> devices, int64_t cpu_milli);
  ~NodeAgent();
  NodeAgent(const NodeAgent&) = delete;
  NodeAgent& operator=(const NodeAgent&) = delete;

  /// Serves until stop(); on return no task of this agent runs any more.
  void run();
  /// Makes run() return soon.
  void stop();
  /// What confinement this agent gives its tasks, for its start-up log.
  std::string confinement() const { return sandbox_.describe(); }
  /// Clears the task sandboxes an earlier run of this agent left (see TaskSandbox); call before
  /// run(). Returns how many.
  int clear_left_over() const { return sandbox_.clear_left_over(); }

 private:
  // A task this agent was given and has not reported ended yet.
  struct LocalTask {
    pid_t pid = 0;                    // 0 while its launch is in flight
    int64_t stop_grace_ms = -1;       // >= 0: stop it (once launched) with this grace
    std::optional<ProcessExit> exit;  // its process ended; reported once its output is read
    std::chrono::steady_clock::time_point read_until;  // the latest that report waits for
  };

  std::chrono::milliseconds register_session();
  void pause(std::chrono::milliseconds how_long) const;
  bool sync_once();
  void collect();
  void take_launch_outcomes();
  void report_ended_tasks();
  void report_exit(int64_t task, const ProcessExit& exit);
  void report_not_started(int64_t task, const Status& why);
  void apply(const SyncReply& reply);
  void start(const Assignment& assignment);
  void stop_task(int64_t task, int64_t grace_ms);
  SyncRequest next_request() const;
  void acknowledge(const SyncRequest& sent);
  void fence(const std::string& why);
  httplib::Result post(const std::string& path, const nlohmann::json& body,
                       std::chrono::steady_clock::time_point deadline);

  const Options options_;
  const std::vector<GpuDevice> devices_;
  const int64_t cpu_milli_;
  httplib::Client client_;
  ProcessSupervisor supervisor_;
  const TaskSandbox sandbox_;
  const std::string credential_;  // this process's own secret (kAgentCredentialHeader)
  std::unique_ptr<LaunchWorker> launcher_;
  std::atomic<bool> stopping_{false};

  // Owned by the run() thread.
  int64_t agent_id_ = 0;
  int64_t epoch_ = 0;                             // 0: not registered
  std::chrono::milliseconds refused_backoff_{0};  // grows while registrations are refused
  std::chrono::milliseconds fence_after_{5000};
  std::chrono::steady_clock::time_point last_ok_send_;
  std::map<int64_t, LocalTask> tasks_;
  std::unordered_map<pid_t, int64_t> task_of_pid_;
  std::vector<TaskExitReport> finished_;  // not yet acknowledged by fastgpud
  TaskOutputs outputs_;

  std::mutex launched_mu_;
  std::vector<LaunchOutcome> launched_;  // guarded by launched_mu_
};

}  // namespace fastgpu
