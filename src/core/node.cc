#include "core/node.h"

namespace fastgpu {

NodeState empty_node_state(const NodeSpec& spec) {
  NodeState s;
  s.free_cpu = spec.cpu_milli;
  s.free_memory = spec.memory_mib;
  for (int g = 0; g < spec.num_gpus; ++g) {
    s.free_milli[g] = kMilliPerGpu;
    s.free_gpu_memory[g] = spec.gpu_memory_mib;
  }
  return s;
}

GpuMask eligible_gpus(const NodeSpec& spec, const NodeState& state, const TaskShape& shape) {
  GpuMask mask = 0;
  for (int g = 0; g < spec.num_gpus; ++g) {
    if (state.free_milli[g] >= shape.gpu_milli &&
        state.free_gpu_memory[g] >= shape.gpu_memory_mib) {
      mask |= GpuMask{1} << g;
    }
  }
  return mask;
}

static bool host_fits(const NodeSpec& spec, MilliCpu cpu, MemoryMib mem, const TaskShape& shape) {
  if (cpu < shape.cpu_milli || mem < shape.memory_mib) return false;
  if (shape.num_gpu == 0) return true;
  return spec.num_gpus >= shape.num_gpu && (shape.allowed_models & model_bit(spec.model)) != 0;
}

bool fits_now(const NodeSpec& spec, const NodeState& state, const TaskShape& shape) {
  if (!host_fits(spec, state.free_cpu, state.free_memory, shape)) return false;
  if (shape.num_gpu == 0) return true;
  return gpu_count(eligible_gpus(spec, state, shape)) >= shape.num_gpu;
}

bool fits_when_empty(const NodeSpec& spec, const TaskShape& shape) {
  return fits_now(spec, empty_node_state(spec), shape);
}

}  // namespace fastgpu
