#pragma once
// The queue engine: one discipline for fastgpud's scheduler and the simulator's replay. It
// orders waiting tasks (QueueSort: aged first, then fair share among projects, equal share among
// a project's users, priority, FIFO), holds a resource for a head past its patience (backfill
// with patience), keeps projects within their limits, and picks victims when a task can only
// start by stopping others (PostFilter: priority preemption, fair-share reclaim). Time is passed
// in: it owns no clock and no thread.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sched/queue/pending_reason.h"
#include "sched/queue/queue_entry.h"
#include "sched/queue/queue_host.h"
#include "sched/queue/share_book.h"

namespace fastgpu {

/// How patient and how deep a pass is.
struct QueueRules {
  /// A task that does not fit is passed over (backfill) until it has waited this long; from
  /// then on nothing behind it may start on its resource until it has (except tasks asking no
  /// GPU behind a pool head that waits only for GPUs).
  int64_t patience_us = 10'000'000;
  /// A task waiting this long goes before every task that has not (oldest first), whatever its
  /// priority or project: no task starves. 0: tasks never age.
  int64_t aging_us = 0;
  /// Most entries one pass examines per resource after the first that does not fit.
  size_t backfill_window = 1000;
};

/// Waiting tasks per resource, and what the pool's holders hold. Not thread-safe: its owner
/// (the scheduler loop, or a replay) calls it from one thread.
class QueueEngine {
 public:
  /// `projects` must not be empty; QueueEntry::project and Holding::project index it.
  QueueEngine(QueueRules rules, std::vector<ProjectRules> projects);

  /// Queues `entry` (replacing a waiting entry of the same id).
  void push(QueueEntry entry);
  /// Takes entry `id` out of the queue; false when it does not wait.
  bool erase(uint64_t id);
  /// The waiting entry `id`, or null.
  const QueueEntry* find(uint64_t id) const;
  /// Entries waiting, over all resources.
  size_t size() const { return waiting_.size(); }
  /// Entries of `project` waiting, over all resources.
  size_t queued_in(int32_t project) const { return queued_per_project_.at(project); }

  /// Records capacity of the pool held outside a pass (a task re-adopted after a restart, a
  /// vGPU placed); pass() records what it starts itself.
  void hold(const Holding& holding) { shares_.hold(holding); }
  /// Forgets what `id` held (it ended, or was preempted and its processes are gone).
  void release(uint64_t id) { shares_.release(id); }
  const ShareBook& shares() const { return shares_; }

  /// One scheduling pass at time `now_us`: for each resource, offers its waiting entries to
  /// `host` in queue order until the resource is held for a head, or the backfill window is
  /// used up. When `may_preempt` and a pool entry cannot start, stops the victims that make
  /// room (at most one such entry per pass; it then holds the pool).
  void pass(int64_t now_us, QueueHost& host, bool may_preempt);

  /// Why entry `id` waits, as of the last pass over its resource; kNone when it does not wait
  /// or no pass has seen it yet.
  PendingReason reason(uint64_t id) const;

 private:
  using Key = std::pair<int32_t, uint64_t>;  // (-priority, id)
  using UserQueues = std::map<std::string, std::set<Key>>;
  // One resource's waiting entries, by project and user, and by age.
  struct ResourceQueue {
    std::map<int32_t, UserQueues> by_project;
    std::set<std::pair<int64_t, uint64_t>> by_age;       // (enqueued_us, id)
    uint64_t last_pass = 0;                              // pass_count_ at its last pass
    PendingReason unreached = PendingReason::kPriority;  // for entries that pass did not reach
    int32_t held_by_project = -1;                        // the project of the head that held it
  };
  struct Waiting {
    QueueEntry entry;
    PendingReason reason = PendingReason::kNone;
    uint64_t seen_in_pass = 0;    // the last pass that examined it
    uint64_t pushed_at_pass = 0;  // pass_count_ when it was queued
  };
  class PassOrder;

  void pass_resource(ResourceQueue& queue, int64_t resource, int64_t now_us, QueueHost& host,
                     bool* may_preempt);
  // Starts `entry` through the host and records the outcome; true when it left the queue.
  bool offer(const QueueEntry& entry, const QuotaRoom& room, QueueHost& host,
             PendingReason* reason);
  // PostFilter: priority preemption within the entry's project, else a fair-share reclaim.
  bool make_room(const QueueEntry& entry, QueueHost& host);
  bool reclaim_for(const QueueEntry& entry, QueueHost& host);
  void remove_empty(int64_t resource);

  QueueRules rules_;
  ShareBook shares_;
  std::unordered_map<uint64_t, Waiting> waiting_;
  std::map<int64_t, ResourceQueue> resources_;
  std::vector<size_t> queued_per_project_;
  std::vector<int64_t> queued_gpu_milli_;  // per project: what its pool entries would hold
  uint64_t pass_count_ = 0;
  bool in_pass_ = false;  // erase() leaves empty maps for after the pass (cursors point in)
};

}  // namespace fastgpu
