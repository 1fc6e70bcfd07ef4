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

}  // namespace fastgpu
