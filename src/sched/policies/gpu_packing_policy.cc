#include "sched/policies/gpu_packing_policy.h"

#include <algorithm>

#include "sched/gpu_choice.h"

namespace fastgpu {

NodeScore GpuPackingPolicy::score(const NodeSpec& spec, const NodeState& state,
                                  const TaskShape& shape) const {
  if (shape.num_gpu == 0) return {0, 0};
  const GpuMask chosen = best_fit_gpus(spec, state, shape);
  int idle_gpus = 0;
  int chosen_idle = 0;
  for (int g = 0; g < spec.num_gpus; ++g) {
    const bool idle = state.free_milli[g] == kMilliPerGpu;
    idle_gpus += idle;
    chosen_idle += idle && (chosen >> g & 1);
  }
  if (idle_gpus == spec.num_gpus) return {std::max(33 - idle_gpus, idle_gpus), chosen};
  if (chosen_idle > 0) return {std::max(50 - chosen_idle, 33), chosen};
  int64_t percent_free = 0;
  for (int g = 0; g < spec.num_gpus; ++g) {
    if (chosen >> g & 1) percent_free += state.free_milli[g] * 100 / kMilliPerGpu;
  }
  return {std::max<int64_t>(100 - percent_free / 10, 50), chosen};
}

}  // namespace fastgpu
