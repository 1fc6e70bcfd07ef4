#pragma once
// Random: any node that fits, uniformly at random.

#include "sched/placement_policy.h"

namespace fastgpu {

/// Gives every fitting node the same score, so the engine's tie-breaking picks one uniformly;
/// a share goes to a GPU drawn uniformly among those with room, whole GPUs to the lowest-indexed
/// idle ones (as in the FGD reference).
class RandomPolicy final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "random"; }
  TieBreak tie_break() const override { return TieBreak::kUniform; }
  NodeScore score(const NodeSpec& spec, const NodeState& state,
                  const TaskShape& shape) const override;
  GpuMask choose_gpus(const NodeSpec& spec, const NodeState& state, const TaskShape& shape,
                      GpuMask scored, Rng& rng) const override;
};

}  // namespace fastgpu
