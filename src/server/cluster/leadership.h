#pragma once
// A replica's role among the fastgpud replicas of one store (PostgreSQL): one leader schedules,
// the followers serve reads and keep trying for the lease, so one of them takes over when the
// leader dies.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "core/status.h"
#include "store/leader_lease.h"

namespace fastgpu {

/// Runs the lease on a thread of its own. Until the lease is won the replica is a follower; once
/// won, `on_lead` runs (recover the state, start the scheduler) and the replica leads; the lease
/// is then checked every `poll`, and `on_lost` runs when it is gone: it must end the process, so
/// that two replicas never schedule at once. Thread-safe.
class Leadership {
 public:
  Leadership(std::unique_ptr<LeaderLease> lease, std::chrono::milliseconds poll);
  /// stop().
  ~Leadership();
  Leadership(const Leadership&) = delete;
  Leadership& operator=(const Leadership&) = delete;

  /// Tries for the lease once on the calling thread (so a sole replica leads before it serves),
  /// running `on_lead` if won, then goes on on the thread. `on_lead` returns a non-OK status when
  /// the replica cannot lead (its recovery failed): start() returns that status when it happens
  /// on the first try, and later `on_lost` is called with it, as it is with a lost lease.
  Status start(std::function<Status()> on_lead, std::function<void(const Status&)> on_lost);
  /// Ends the thread and gives the lease back (another replica may lead at once).
  void stop();
  /// True once `on_lead` has succeeded.
  bool leading() const { return leading_.load(std::memory_order_acquire); }

 private:
  // Whether the lease is won now; an unreachable store counts as a lease held elsewhere.
  bool try_win();
  void run(const std::function<Status()>& on_lead,
           const std::function<void(const Status&)>& on_lost);
  void watch(const std::function<void(const Status&)>& on_lost);
  // Sleeps `poll_` unless stop() comes first; false when it did.
  bool pause();

  std::unique_ptr<LeaderLease> lease_;
  const std::chrono::milliseconds poll_;
  std::atomic<bool> leading_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace fastgpu
