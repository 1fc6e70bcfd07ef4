#pragma once
// The placement engine: filter -> score (through a PlacementPolicy) -> pick a node and GPUs.

#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/capacity_ledger.h"
#include "core/rng.h"
#include "sched/placement_policy.h"

namespace fastgpu {

/// Why a task was or was not given a place.
enum class PlaceOutcome {
  kPlaced,      // `placement` is where it goes
  kNotNow,      // fits an empty node of this pool, not the free capacity now: queue it
  kInfeasible,  // no node of this pool could hold it even empty: reject it
};

/// The engine's answer for one task.
struct PlaceDecision {
  PlaceOutcome outcome = PlaceOutcome::kNotNow;
  Placement placement;
};

/// Places one task at a time against a live CapacityLedger.
///
/// decide() reads the ledger and never changes it: the caller allocates the placement (and may
/// decline to). Among the nodes with the best score the policy's TieBreak decides: by default
/// the first in an order of the nodes drawn once from `seed`, so runs are reproducible.
/// Scores are cached per task shape and node and refreshed from the ledger's change journal;
/// each cache also keeps the maximum of every block of 64 nodes, so a decision scans the block
/// maxima and only the blocks that can hold the winner, plus rescoring the nodes that changed.
/// The cache key leaves out host memory: policies do not score on it (PlacementPolicy's
/// contract), so the engine filters host memory in the decision's pass instead, and tasks that
/// differ only in memory share one cache.
/// Not thread-safe; one Placer per scheduling loop. The ledger must outlive the Placer and keep
/// its node set.
class Placer {
 public:
  Placer(const CapacityLedger& ledger, std::unique_ptr<PlacementPolicy> policy, uint64_t seed);

  /// Where `shape` should go now. Precondition: validate_task_shape(shape) is empty.
  PlaceDecision decide(const TaskShape& shape);

  const PlacementPolicy& policy() const { return *policy_; }

 private:
  static constexpr int64_t kNoFit = INT64_MIN;

  // Cached scores of every node for one task shape, current as of ledger sequence `seen`.
  // Arrays are indexed by a node's position in the tie-break order, not by NodeIndex.
  struct ShapeCache {
    MemoryMib max_feasible_memory = -1;  // largest node memory among nodes it fits empty; -1: none
    uint64_t seen = 0;
    std::vector<int64_t> score;
    std::vector<GpuMask> gpus;
    std::vector<int64_t> block_max;      // max of `score` over each block of kBlock positions
    std::vector<uint32_t> dirty_blocks;  // blocks whose block_max is stale
    std::vector<uint8_t> block_is_dirty;
  };
  static constexpr size_t kBlock = 64;

  ShapeCache& cache_for(const TaskShape& shape);
  void rescore(ShapeCache& cache, const TaskShape& shape, NodeIndex n) const;
  void refresh(ShapeCache& cache, const TaskShape& shape) const;
  void refresh_free_memory();
  static void mark_dirty(ShapeCache& cache, size_t position);
  static void settle_blocks(ShapeCache& cache);
  std::optional<size_t> pick_uniform(const ShapeCache& cache, MemoryMib memory);
  // Position of the chosen node among those with `memory` free, by the policy's tie-break;
  // nullopt when no node fits.
  std::optional<size_t> pick(const ShapeCache& cache, MemoryMib memory);

  const CapacityLedger& ledger_;
  std::unique_ptr<PlacementPolicy> policy_;
  Rng rng_;
  std::vector<uint32_t> position_;           // NodeIndex -> position in the tie-break order
  std::vector<NodeIndex> node_at_;           // position -> NodeIndex
  std::vector<MemoryMib> free_memory_at_;    // position -> the node's free host memory
  std::vector<MemoryMib> block_max_memory_;  // max of free_memory_at_ over each block
  uint64_t free_memory_seen_ = 0;            // ledger sequence free_memory_at_ reflects
  std::unordered_map<TaskShape, ShapeCache, TaskShapeHash> caches_;
};

}  // namespace fastgpu
