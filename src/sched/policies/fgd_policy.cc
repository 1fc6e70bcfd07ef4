#include "sched/policies/fgd_policy.h"

#include <limits>

#include "sched/gpu_choice.h"

namespace fastgpu {

NodeScore FgdPolicy::score(const NodeSpec& spec, const NodeState& state,
                           const TaskShape& shape) const {
  const int64_t before = model_.weighted(spec, state);
  NodeScore best{std::numeric_limits<int64_t>::min(), 0};
  for_each_gpu_candidate(spec, state, shape, [&](GpuMask gpus) {
    const int64_t after = model_.weighted(spec, state_after(state, shape, gpus));
    const int64_t s = before - after;
    if (s > best.score) best = {s, gpus};
  });
  return best;
}

}  // namespace fastgpu
