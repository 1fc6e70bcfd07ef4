#pragma once
// What the scheduler has for one agent and the agent has not fetched yet: tasks to start and
// tasks to stop, handed from the scheduler loop to the HTTP thread answering the agent's sync.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>

#include "agent/agent_protocol.h"

namespace fastgpu {

/// A mailbox per agent, tied to the agent's current session (epoch): a sync of another session
/// takes nothing. Thread-safe.
class AgentOutbox {
 public:
  /// Starts a new session: what is queued stays queued and goes to the new session.
  void set_epoch(int64_t epoch);
  /// Drops everything queued and wakes the waiting sync (the node went down).
  void clear();

  void push_start(Assignment assignment);
  void push_stop(StopOrder order);
  /// True while `task`'s assignment is queued, not yet fetched by a sync.
  bool holds_start(int64_t task) const;

  /// Waits up to `wait` for something to be queued, then takes everything queued, if `epoch` is
  /// the current session's; an empty reply otherwise.
  SyncReply take(int64_t epoch, std::chrono::milliseconds wait);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int64_t epoch_ = 0;         // guarded by mu_
  SyncReply queued_;          // guarded by mu_
  std::set<int64_t> starts_;  // tasks of queued_.start; guarded by mu_
};

}  // namespace fastgpu
