#include "sched/policies/fgd_policy.h"

#include <cmath>
#include <limits>

#include "sched/gpu_choice.h"

namespace fastgpu {

int64_t fgd_score_of_change(int64_t weighted_before, int64_t weighted_after, int64_t total_weight) {
  if (total_weight == 0) return 50;
  // Expected fragment removed, in GPUs (milli / 1000), squashed into 0..100 and truncated.
  const double removed_gpus = static_cast<double>(weighted_before - weighted_after) /
                              static_cast<double>(total_weight) / 1000.0;
  return static_cast<int64_t>(100.0 / (1.0 + std::exp(-removed_gpus)));
}

NodeScore FgdPolicy::score(const NodeSpec& spec, const NodeState& state,
                           const TaskShape& shape) const {
  const int64_t before = model_.weighted(spec, state);
  NodeScore best{std::numeric_limits<int64_t>::min(), 0};
  for_each_gpu_candidate(spec, state, shape, [&](GpuMask gpus) {
    const int64_t after = model_.weighted(spec, state_after(state, shape, gpus));
    const int64_t s = fgd_score_of_change(before, after, model_.total_weight());
    if (s > best.score) best = {s, gpus};
  });
  return best;
}

}  // namespace fastgpu
