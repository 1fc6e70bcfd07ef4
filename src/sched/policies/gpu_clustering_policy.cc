#include "sched/policies/gpu_clustering_policy.h"

#include "sched/gpu_choice.h"
#include "sched/reference_scale.h"

namespace fastgpu {

NodeScore GpuClusteringPolicy::score(const NodeSpec& spec, const NodeState& state,
                                     const TaskShape& shape) const {
  const int cls = gpu_class(shape);
  if (cls < 0) return {0, 0};
  const int64_t used = static_cast<int64_t>(kReferenceNodeGpuMilli) - state.free_gpu_milli_total();
  const int64_t base = 25 * used / static_cast<int64_t>(kReferenceNodeGpuMilli);
  int classes_present = 0;
  for (uint16_t count : state.tasks_by_gpu_class) classes_present += count > 0;
  int64_t bonus = 0;
  if (state.tasks_by_gpu_class[cls] > 0) {
    bonus = classes_present == 1 ? 75 : 50;
  } else if (classes_present == 0) {
    bonus = 25;
  }
  return {base + bonus, best_fit_gpus(spec, state, shape)};
}

}  // namespace fastgpu
