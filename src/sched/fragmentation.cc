#include "sched/fragmentation.h"

namespace fastgpu {

FragmentationModel::FragmentationModel(TypicalWorkload workload) : workload_(std::move(workload)) {}

int64_t FragmentationModel::weighted(const NodeSpec& spec, const NodeState& state) const {
  const int64_t idle = state.free_gpu_milli_total();
  if (idle == 0) return 0;
  int64_t sum = 0;
  for (const TypicalWorkload::Entry& e : workload_.entries()) {
    const TaskShape& t = e.shape;
    int64_t frag = idle;
    if (t.num_gpu > 0 && state.free_cpu >= t.cpu_milli &&
        (t.allowed_models & model_bit(spec.model)) != 0) {
      int usable = 0;
      int64_t too_small = 0;
      for (int g = 0; g < spec.num_gpus; ++g) {
        if (state.free_milli[g] >= t.gpu_milli) {
          ++usable;
        } else {
          too_small += state.free_milli[g];
        }
      }
      if (usable >= t.num_gpu) frag = too_small;
    }
    sum += e.weight * frag;
  }
  return sum;
}

}  // namespace fastgpu
