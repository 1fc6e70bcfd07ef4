#pragma once
// Cost accounting of an elastic pool: node-seconds × price, per node type and in total.

#include <cstdint>
#include <vector>

#include "autoscale/node_catalog.h"

namespace fastgpu {

/// Node-seconds and GPU-seconds per node type of a catalog, and their cost.
///
/// Everything is kept in integers: node-seconds exactly, and cost computed from them on demand
/// as node-seconds × micro-dollars per hour / 3600, rounded to the nearest micro-dollar (halves
/// away from zero). The total is rounded once from the exact sum, so it may differ from the sum
/// of the rounded per-type costs by less than one micro-dollar per type.
class CostAccount {
 public:
  /// An account with nothing charged, for the types of `catalog` (which must outlive it).
  explicit CostAccount(const NodeCatalog& catalog);

  /// Charges `seconds` (>= 0) of one node of type `type` (an index into the catalog).
  void charge(size_t type, int64_t seconds);

  int64_t node_seconds(size_t type) const { return node_seconds_[type]; }
  int64_t total_node_seconds() const;
  /// GPU-seconds of the type: node-seconds × the type's GPU count.
  int64_t gpu_seconds(size_t type) const;
  int64_t total_gpu_seconds() const;
  /// Cost of the type's node-seconds, in micro-dollars.
  MicroDollars cost(size_t type) const;
  /// Cost of all node-seconds, in micro-dollars.
  MicroDollars total_cost() const;

 private:
  const NodeCatalog& catalog_;
  std::vector<int64_t> node_seconds_;  // by type index
};

}  // namespace fastgpu
