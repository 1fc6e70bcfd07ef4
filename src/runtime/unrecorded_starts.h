#pragma once
// The task processes a replica has started but whose start the store has not yet recorded: the
// ones nobody could find again if the replica ended now. A replica that must step down (another
// one leads) kills them first, so that the new leader, which sees those tasks still pending,
// never starts a second copy beside them.

#include <condition_variable>
#include <mutex>
#include <unordered_map>

#include "runtime/process_identity.h"

namespace fastgpu {

/// Counts launches in flight and remembers their processes until their start is recorded.
/// Thread-safe: launch threads, the scheduler loop and the lease thread share it.
class UnrecordedStarts {
 public:
  /// Called on a launch thread before a process is started. False once abandon() has begun:
  /// the launch must then start nothing. Either way end_launch() must follow.
  bool begin_launch();
  /// Called once per begin_launch() when the launch is over; `started` is the process it
  /// started (pid 0: none). After abandon() a started process is killed here at once.
  void end_launch(const ProcessIdentity& started);
  /// The start of `pid` is recorded (or its task ended): forgotten.
  void recorded(pid_t pid);
  /// Refuses every later launch, waits (up to 2 s) for the launches in flight, then kills the
  /// process group of every unrecorded process still alive with SIGKILL.
  void abandon();

 private:
  std::mutex mu_;
  std::condition_variable idle_;
  int in_flight_ = 0;                                   // guarded by mu_
  bool abandoned_ = false;                              // guarded by mu_
  std::unordered_map<pid_t, ProcessIdentity> started_;  // guarded by mu_
};

}  // namespace fastgpu
