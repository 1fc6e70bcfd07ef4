#pragma once
// BestFit: the node left with the least CPU and GPU after placement.

#include "sched/placement_policy.h"

namespace fastgpu {

/// Score = int(100 × (1 − leftover)), leftover = ½·CPU left/128 cores + ½·GPU left/8 GPUs after
/// placing the task (FGD reference's BestFit). GPUs: best fit.
class BestFitPolicy final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "best-fit"; }
  NodeScore score(const NodeSpec& spec, const NodeState& state,
                  const TaskShape& shape) const override;
};

}  // namespace fastgpu
