#pragma once
// Random: any node that fits, any eligible GPUs on it, uniformly at random.

#include "sched/placement_policy.h"

namespace fastgpu {

/// Gives every fitting node the same score, so the engine's tie-breaking picks one uniformly;
/// then picks the GPUs uniformly among the eligible ones.
class RandomPolicy final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "random"; }
  NodeScore score(const NodeSpec& spec, const NodeState& state,
                  const TaskShape& shape) const override;
  GpuMask choose_gpus(const NodeSpec& spec, const NodeState& state, const TaskShape& shape,
                      GpuMask scored, Rng& rng) const override;
};

}  // namespace fastgpu
