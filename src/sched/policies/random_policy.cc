#include "sched/policies/random_policy.h"

#include "sched/gpu_choice.h"

namespace fastgpu {

NodeScore RandomPolicy::score(const NodeSpec&, const NodeState&, const TaskShape&) const {
  return {0, 0};
}

GpuMask RandomPolicy::choose_gpus(const NodeSpec& spec, const NodeState& state,
                                  const TaskShape& shape, GpuMask, Rng& rng) const {
  if (shape.num_gpu == 0) return 0;
  GpuMask eligible = eligible_gpus(spec, state, shape);
  if (shape.gpu_milli == kMilliPerGpu) return lowest_gpus(eligible, shape.num_gpu);
  GpuMask chosen = 0;
  for (int k = 0; k < shape.num_gpu; ++k) {
    uint64_t pick = rng.below(static_cast<uint64_t>(gpu_count(eligible)));
    GpuMask rest = eligible;
    for (uint64_t i = 0; i < pick; ++i) rest &= rest - 1;
    const GpuMask bit = rest & (~rest + 1);
    chosen |= bit;
    eligible &= ~bit;
  }
  return chosen;
}

}  // namespace fastgpu
