#include "sched/policies/dot_product_policy.h"

#include "sched/gpu_choice.h"
#include "sched/reference_scale.h"

namespace fastgpu {

NodeScore DotProductPolicy::score(const NodeSpec& spec, const NodeState& state,
                                  const TaskShape& shape) const {
  const double node_cpu = static_cast<double>(state.free_cpu) / kReferenceNodeCpuMilli;
  const double node_gpu =
      static_cast<double>(state.free_gpu_milli_total()) / kReferenceNodeGpuMilli;
  const double task_cpu = static_cast<double>(shape.cpu_milli) / kReferenceNodeCpuMilli;
  const double task_gpu = static_cast<double>(shape.total_gpu_milli()) / kReferenceNodeGpuMilli;
  const double dot = node_cpu * task_cpu + node_gpu * task_gpu;
  return {static_cast<int64_t>(100.0 * (1.0 - dot / 2.0)), best_fit_gpus(spec, state, shape)};
}

}  // namespace fastgpu
