#include "sched/gpu_choice.h"

namespace fastgpu {

NodeState state_after(const NodeState& state, const TaskShape& shape, GpuMask gpus) {
  NodeState s = state;
  s.free_cpu -= shape.cpu_milli;
  s.free_memory -= shape.memory_mib;
  for (int g = 0; g < kMaxGpusPerNode; ++g) {
    if (gpus & (GpuMask{1} << g)) {
      s.free_milli[g] -= shape.gpu_milli;
      s.free_gpu_memory[g] -= shape.gpu_memory_mib;
    }
  }
  if (int c = gpu_class(shape); c >= 0) ++s.tasks_by_gpu_class[c];
  return s;
}

GpuMask lowest_gpus(GpuMask mask, int count) {
  GpuMask out = 0;
  for (int taken = 0; taken < count && mask; ++taken) {
    GpuMask low = mask & (~mask + 1);
    out |= low;
    mask &= mask - 1;
  }
  return out;
}

GpuMask best_fit_gpus(const NodeSpec& spec, const NodeState& state, const TaskShape& shape) {
  if (shape.num_gpu == 0) return 0;
  const GpuMask eligible = eligible_gpus(spec, state, shape);
  if (shape.num_gpu > 1 || shape.gpu_milli == kMilliPerGpu) {
    return lowest_gpus(eligible, shape.num_gpu);
  }
  int best = -1;
  for (int g = 0; g < spec.num_gpus; ++g) {
    if ((eligible >> g & 1) && (best < 0 || state.free_milli[g] < state.free_milli[best])) best = g;
  }
  return best < 0 ? 0 : GpuMask{1} << best;
}

int64_t free_milli_of(const NodeState& state, GpuMask gpus) {
  int64_t sum = 0;
  for (int g = 0; g < kMaxGpusPerNode; ++g) {
    if (gpus >> g & 1) sum += state.free_milli[g];
  }
  return sum;
}

}  // namespace fastgpu
