#pragma once
// What the queue engine asks of the one that runs the tasks: the daemon's scheduler or the
// simulator's replay. The engine decides order, patience, quotas and preemption choice; the
// host says what fits, starts tasks and stops victims.

#include <cstdint>
#include <span>

#include "sched/queue/pending_reason.h"
#include "sched/queue/queue_entry.h"

namespace fastgpu {

/// Room a project's limits leave for one more task: it may take at most this much.
struct QuotaRoom {
  int64_t gpu_milli = INT64_MAX;
  int64_t gpu_memory_mib = INT64_MAX;
  /// Whether `shape`'s GPUs and GPU memory fit in the room.
  bool holds(const TaskShape& shape) const {
    return shape.total_gpu_milli() <= gpu_milli &&
           int64_t{shape.num_gpu} * shape.gpu_memory_mib <= gpu_memory_mib;
  }
};

/// The host's answer to a start attempt.
struct StartVerdict {
  enum class Outcome {
    kStarted,  // it holds what it asked; `held` says what (for a pool task)
    kLeft,     // it left the queue another way (refused for good): nothing is held
    kWaits,    // it stays queued, for `reason`
  };
  Outcome outcome = Outcome::kWaits;
  PendingReason reason = PendingReason::kResources;  // when it waits
  Holding held;  // when started on the pool: what it holds (id and owner are the entry's)
};

/// What the pool holds in all: what fair shares divide.
struct PoolCapacity {
  int64_t gpu_milli = 0;
  int64_t cpu_milli = 0;
  int64_t memory_mib = 0;
};

/// The host of a QueueEngine. Its calls come only from within QueueEngine::pass().
class QueueHost {
 public:
  virtual ~QueueHost() = default;
  /// Filter and Reserve: starts `entry` now when it fits within `room`; else says why it waits
  /// (kQuota when only `room` stops it).
  virtual StartVerdict try_start(const QueueEntry& entry, const QuotaRoom& room) = 0;
  /// For a pool entry past its patience that asks GPUs: true when it would not fit even with
  /// every CPU and all host memory free, so that tasks asking no GPU may still pass it.
  virtual bool waits_only_for_gpus(const QueueEntry& entry) = 0;
  /// Whether holding `id` may be stopped now (it runs, and is not already ending).
  virtual bool stoppable(uint64_t id) const = 0;
  /// Whether `entry` would fit on node `node` once every holding in `victims` (all on that
  /// node) gave its capacity back. Must be monotone: more victims never fit less.
  virtual bool fits_if_released(const QueueEntry& entry, NodeIndex node,
                                std::span<const uint64_t> victims) = 0;
  /// The pool's GPUs (thousandths), CPU (milli-cores) and host memory (MiB).
  virtual PoolCapacity pool_capacity() const = 0;
  /// Keeps every entry off node `node` until lift_node_fence(node): room being made there is
  /// another's. Called at most once per node before its lift (NodeFences does both).
  virtual void fence_node(NodeIndex node) = 0;
  virtual void lift_node_fence(NodeIndex node) = 0;
  /// Stops holding `victim` to make room (preemption by priority, or a reclaim by fair share:
  /// `reason` says which); it gives its capacity back later, through QueueEngine::release().
  virtual void preempt(uint64_t victim, std::string_view reason) = 0;
};

}  // namespace fastgpu
