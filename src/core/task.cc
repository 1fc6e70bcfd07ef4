#include "core/task.h"

#include <string>

namespace fastgpu {

std::string validate_task_shape(const TaskShape& s) {
  if (s.cpu_milli < 0) return "cpu_milli must not be negative";
  if (s.memory_mib < 0) return "memory_mib must not be negative";
  if (s.gpu_memory_mib < 0) return "gpu_memory_mib must not be negative";
  if (s.num_gpu < 0) return "num_gpu must not be negative";
  if (s.num_gpu > kMaxGpusPerNode) {
    return "num_gpu " + std::to_string(s.num_gpu) + " exceeds the " +
           std::to_string(kMaxGpusPerNode) + " GPUs a node can have";
  }
  if (s.num_gpu == 0 && (s.gpu_milli != 0 || s.gpu_memory_mib != 0)) {
    return "gpu_milli and gpu_memory_mib must be 0 when num_gpu is 0";
  }
  if (s.num_gpu == 1 && (s.gpu_milli < 1 || s.gpu_milli > kMilliPerGpu)) {
    return "gpu_milli must be within 1..1000 when num_gpu is 1";
  }
  if (s.num_gpu > 1 && s.gpu_milli != kMilliPerGpu) {
    return "gpu_milli must be 1000 when num_gpu is above 1 (multi-GPU tasks take whole GPUs)";
  }
  if (s.num_gpu > 0 && s.allowed_models == 0) return "allowed_models must not be empty";
  return {};
}

size_t TaskShapeHash::operator()(const TaskShape& s) const {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint64_t v) { h = (h ^ v) * 1099511628211ull; };
  mix(static_cast<uint64_t>(s.cpu_milli));
  mix(static_cast<uint64_t>(s.memory_mib));
  mix(static_cast<uint64_t>(s.num_gpu));
  mix(static_cast<uint64_t>(s.gpu_milli));
  mix(static_cast<uint64_t>(s.gpu_memory_mib));
  mix(s.allowed_models);
  return static_cast<size_t>(h);
}

}  // namespace fastgpu
