#pragma once
// Starting processes on a thread of its own, so that whoever decides what to start (the
// scheduler loop) is not held up by the file system and fork/exec while it does.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.h"
#include "runtime/process_launcher.h"

namespace fastgpu {

/// One process to start, tagged with the caller's id for it (a task id).
struct LaunchJob {
  int64_t tag = 0;
  LaunchSpec spec;
  /// Run on the worker thread before the launch (e.g. a cgroup made for it); an error is the
  /// outcome and nothing is started. Empty: none.
  std::function<Status(LaunchSpec*)> prepare;
};

/// What became of a LaunchJob: launch_process's status, and the process when it is OK. The
/// process is not held by any supervisor yet: the receiver must hold it (ProcessSupervisor::
/// hold_child) or kill and reap it. Until then nobody reaps it, so its end is not lost.
struct LaunchOutcome {
  int64_t tag = 0;
  Status status;
  LaunchedProcess process;
};

/// Worker threads that run launch_process for each job, taken in the order enqueued, and hand
/// each outcome to `deliver` on the thread that started it. With more than one thread, jobs
/// start concurrently and outcomes may arrive out of order; `deliver` must be thread-safe then.
/// Thread-safe.
class LaunchWorker {
 public:
  using Deliver = std::function<void(LaunchOutcome)>;

  /// Starts `threads` (>= 1) threads. `deliver` is called once per job, never after close()
  /// returned.
  explicit LaunchWorker(Deliver deliver, int threads = 1);
  /// close().
  ~LaunchWorker();
  LaunchWorker(const LaunchWorker&) = delete;
  LaunchWorker& operator=(const LaunchWorker&) = delete;

  /// Queues `job`. Returns false (and starts nothing) once close() has begun.
  bool enqueue(LaunchJob job);
  /// Starts the jobs already queued, delivers their outcomes, then joins the threads. Idempotent.
  void close();

 private:
  void run();

  const Deliver deliver_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<LaunchJob> jobs_;  // guarded by mu_
  bool closing_ = false;        // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace fastgpu
