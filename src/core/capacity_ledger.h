#pragma once
// The capacity ledger: who holds what on every node, allocated and released atomically.

#include <cstdint>
#include <utility>
#include <vector>

#include "core/node.h"
#include "core/status.h"
#include "core/task.h"

namespace fastgpu {

/// Where a task runs: a node and the GPUs on it. Each GPU in `gpus` gives the task
/// shape.gpu_milli and shape.gpu_memory_mib. `gpus` is 0 for CPU-only tasks.
struct Placement {
  NodeIndex node = 0;
  GpuMask gpus = 0;
  bool operator==(const Placement&) const = default;
};

/// Capacity taken to keep a node from receiving placements: what was free on it when fenced.
struct NodeFence {
  std::vector<std::pair<TaskShape, Placement>> taken;  // each an allocate() of the ledger
};

/// Free and total capacity of a set of nodes, in integers only. Nodes are only ever appended.
///
/// allocate() either applies a placement whole or changes nothing; it never lets any free
/// quantity go below zero. release() is the exact inverse of a successful allocate().
/// Every change bumps the node's version and is journalled, so that caches keyed by node state
/// (the placement engine's score cache) can refresh only what changed.
/// Not thread-safe: one owner (the scheduler loop) mutates it.
class CapacityLedger {
 public:
  explicit CapacityLedger(std::vector<NodeSpec> nodes);

  size_t node_count() const { return specs_.size(); }
  const NodeSpec& spec(NodeIndex n) const { return specs_[n]; }
  const NodeState& state(NodeIndex n) const { return states_[n]; }
  const std::vector<NodeSpec>& specs() const { return specs_; }
  const std::vector<NodeState>& states() const { return states_; }

  /// Checks that `placement` is valid for `shape` right now: node exists, the right number of
  /// existing GPUs, each with room, and host CPU/memory. Returns the reason when not.
  Status check(const TaskShape& shape, const Placement& placement) const;

  /// Appends a node with nothing allocated and returns its index. Readers holding per-node
  /// caches (a Placer) must be rebuilt afterwards.
  NodeIndex add_node(NodeSpec spec);

  /// Allocates everything free on node `n` (each GPU's free share and memory, the free CPU and
  /// host memory), so that no placement fits there until lift_fence(). Capacity released on the
  /// node later is not fenced: fence after releasing what must go. Precondition: n exists.
  NodeFence fence_node(NodeIndex n);
  /// Gives back what fence_node() took.
  void lift_fence(const NodeFence& fence);

  /// Takes the capacity; all or nothing. Fails (and changes nothing) when check() fails.
  Status allocate(const TaskShape& shape, const Placement& placement);

  /// Gives back what allocate(shape, placement) took. Fails (and changes nothing) if that would
  /// raise any free quantity above the node's capacity, i.e. it was not allocated.
  Status release(const TaskShape& shape, const Placement& placement);

  /// Sum over all GPUs of their milli-GPU capacity.
  int64_t total_gpu_milli() const { return total_gpu_milli_; }
  /// Milli-GPU currently allocated, over all GPUs.
  int64_t allocated_gpu_milli() const { return allocated_gpu_milli_; }
  /// Sum over all nodes of their CPU (milli-cores) and host memory (MiB), at most INT64_MAX.
  int64_t total_cpu_milli() const { return total_cpu_milli_; }
  int64_t total_memory_mib() const { return total_memory_mib_; }

  /// Number of changes ever made; grows by one per successful allocate/release.
  uint64_t change_sequence() const { return sequence_; }

  /// Calls visit(node) for each change after sequence `since`, oldest first, and returns true;
  /// returns false without visiting when the journal no longer holds them all (the caller must
  /// then treat every node as changed).
  template <typename Visit>
  bool for_each_change_since(uint64_t since, Visit&& visit) const {
    if (sequence_ - since > journal_.size()) return false;
    for (uint64_t s = since; s < sequence_; ++s) visit(journal_[s & (journal_.size() - 1)]);
    return true;
  }

 private:
  void record_change(NodeIndex n);
  void add_totals(const NodeSpec& spec);

  std::vector<NodeSpec> specs_;
  std::vector<NodeState> states_;
  int64_t total_gpu_milli_ = 0;
  int64_t allocated_gpu_milli_ = 0;
  int64_t total_cpu_milli_ = 0;
  int64_t total_memory_mib_ = 0;
  uint64_t sequence_ = 0;
  std::vector<NodeIndex> journal_;  // ring buffer; size is a power of two
};

}  // namespace fastgpu
