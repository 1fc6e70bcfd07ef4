#pragma once
// Cluster-wide fragmentation, kept current incrementally from the ledger's change journal.

#include <cstdint>
#include <vector>

#include "core/capacity_ledger.h"
#include "sched/fragmentation.h"

namespace fastgpu {

/// Sum of FragmentationModel::weighted() over all nodes of a ledger. update() recomputes only
/// the nodes changed since the last update, so sampling after every placement stays cheap.
class FragmentationTracker {
 public:
  FragmentationTracker(const CapacityLedger& ledger, const FragmentationModel& model);

  /// Brings the sum up to date with the ledger.
  void update();

  /// Expected fragmented milli-GPU of the whole cluster (after update()).
  double fragmented_milli() const;

 private:
  void recompute(NodeIndex n);

  const CapacityLedger& ledger_;
  const FragmentationModel& model_;
  std::vector<int64_t> per_node_;
  int64_t sum_ = 0;
  uint64_t seen_ = 0;
};

}  // namespace fastgpu
