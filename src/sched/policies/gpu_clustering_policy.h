#pragma once
// GpuClustering: keep tasks of the same GPU class together on a node.

#include "sched/placement_policy.h"

namespace fastgpu {

/// Score = 25 × used share of 8 GPUs, plus 75 when the node runs only this task's GPU class, 50
/// when it runs it among others, 25 when the node runs no GPU task (FGD reference's
/// GpuClustering, integer arithmetic). CPU-only tasks score 0 everywhere. GPUs: best fit.
class GpuClusteringPolicy final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "gpu-clustering"; }
  NodeScore score(const NodeSpec& spec, const NodeState& state,
                  const TaskShape& shape) const override;
};

}  // namespace fastgpu
