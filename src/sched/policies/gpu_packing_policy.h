#pragma once
// GpuPacking: occupied GPUs first, then idle GPUs of active nodes, then idle nodes.

#include "sched/placement_policy.h"

namespace fastgpu {

/// Integer bands (FGD reference's GpuPacking): a task that fits on partly used GPUs scores
/// 50..100 (fuller GPUs higher); one that needs an idle GPU of a used node 33..50; a node with
/// all GPUs idle 25..32. CPU-only tasks score 0 everywhere (random). GPUs: best fit.
class GpuPackingPolicy final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "gpu-packing"; }
  NodeScore score(const NodeSpec& spec, const NodeState& state,
                  const TaskShape& shape) const override;
};

}  // namespace fastgpu
