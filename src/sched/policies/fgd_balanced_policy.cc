#include "sched/policies/fgd_balanced_policy.h"

#include <limits>

#include "sched/gpu_choice.h"
#include "sched/policies/fgd_policy.h"

namespace fastgpu {

int64_t FgdBalancedPolicy::weighted_waste(const NodeSpec& spec, const NodeState& state) const {
  return fragmentation_.weighted(spec, state) +
         fragmentation_.total_weight() * balance_.stranded_milli(state);
}

NodeScore FgdBalancedPolicy::score(const NodeSpec& spec, const NodeState& state,
                                   const TaskShape& shape) const {
  const int64_t before = weighted_waste(spec, state);
  NodeScore best{std::numeric_limits<int64_t>::min(), 0};
  for_each_gpu_candidate(spec, state, shape, [&](GpuMask gpus) {
    const int64_t after = weighted_waste(spec, state_after(state, shape, gpus));
    const int64_t s = fgd_score_of_change(before, after, fragmentation_.total_weight());
    if (s > best.score) best = {s, gpus};
  });
  return best;
}

}  // namespace fastgpu
