#pragma once
// DotProd: the node whose free resources align least with the request (Tetris-style).

#include "sched/placement_policy.h"

namespace fastgpu {

/// Score = int(100 × (1 − n·p/2)) with n = (CPU free/128 cores, GPU free/8 GPUs) and p the request
/// in the same units (FGD reference's DotProd, dimension merge, max-normalised). GPUs: best fit.
class DotProductPolicy final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "dot-product"; }
  NodeScore score(const NodeSpec& spec, const NodeState& state,
                  const TaskShape& shape) const override;
};

}  // namespace fastgpu
