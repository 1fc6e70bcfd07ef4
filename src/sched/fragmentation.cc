#include "sched/fragmentation.h"

#include <algorithm>

namespace fastgpu {

FragmentationModel::FragmentationModel(TypicalWorkload workload)
    : workload_(std::move(workload)),
      types_by_model_(gpu_model_specs().size()),
      blind_weight_by_model_(gpu_model_specs().size(), 0) {
  for (size_t m = 0; m < types_by_model_.size(); ++m) {
    const GpuModelMask bit = model_bit(static_cast<GpuModelId>(m));
    for (const TypicalWorkload::Entry& e : workload_.entries()) {
      const TaskShape& t = e.shape;
      if (t.num_gpu == 0 || (t.allowed_models & bit) == 0) {
        blind_weight_by_model_[m] += e.weight;
      } else {
        types_by_model_[m].push_back({t.cpu_milli, t.gpu_milli, t.num_gpu, e.weight});
      }
    }
    std::stable_sort(types_by_model_[m].begin(), types_by_model_[m].end(),
                     [](const GpuType& a, const GpuType& b) { return a.gpu_milli < b.gpu_milli; });
  }
}

int64_t FragmentationModel::weighted(const NodeSpec& spec, const NodeState& state) const {
  const int n = spec.num_gpus;
  // The node's free shares in ascending order, and prefix sums: too_small[k] is the free
  // milli-GPU of the k GPUs with the least room.
  std::array<MilliGpu, kMaxGpusPerNode> free{};
  std::copy(state.free_milli.begin(), state.free_milli.begin() + n, free.begin());
  std::sort(free.begin(), free.begin() + n);
  std::array<int64_t, kMaxGpusPerNode + 1> too_small{};
  for (int k = 0; k < n; ++k) too_small[k + 1] = too_small[k] + free[k];
  const int64_t idle = too_small[n];
  if (idle == 0) return 0;

  int64_t sum = idle * blind_weight_by_model_[spec.model];
  int pos = 0;  // GPUs whose room is below the current type's share
  for (const GpuType& t : types_by_model_[spec.model]) {
    while (pos < n && free[pos] < t.gpu_milli) ++pos;
    const bool fits = state.free_cpu >= t.cpu_milli && n - pos >= t.num_gpu;
    sum += t.weight * (fits ? too_small[pos] : idle);
  }
  return sum;
}

}  // namespace fastgpu
