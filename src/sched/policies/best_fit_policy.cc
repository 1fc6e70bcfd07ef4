#include "sched/policies/best_fit_policy.h"

#include "sched/gpu_choice.h"
#include "sched/reference_scale.h"

namespace fastgpu {

NodeScore BestFitPolicy::score(const NodeSpec& spec, const NodeState& state,
                               const TaskShape& shape) const {
  const double cpu_left = static_cast<double>(state.free_cpu - shape.cpu_milli);
  const double gpu_left =
      static_cast<double>(state.free_gpu_milli_total() - shape.total_gpu_milli());
  const double leftover =
      0.5 * cpu_left / kReferenceNodeCpuMilli + 0.5 * gpu_left / kReferenceNodeGpuMilli;
  return {static_cast<int64_t>((1.0 - leftover) * 100.0), best_fit_gpus(spec, state, shape)};
}

}  // namespace fastgpu
