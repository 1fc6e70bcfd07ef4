#pragma once
// What a task asks for (its shape) and the task record the scheduler and simulator carry.

#include <cstdint>
#include <functional>
#include <string>

#include "core/gpu_model.h"
#include "core/units.h"

namespace fastgpu {

/// Quality-of-service class as the Alibaba trace labels it.
enum class Qos : uint8_t { kUnspecified, kLS, kBE, kBurstable, kGuaranteed };

/// The resources one task needs, placed as a unit on one node.
/// num_gpu == 0: CPU only (gpu_milli == 0). num_gpu == 1: a share gpu_milli (1..1000) of one GPU.
/// num_gpu > 1: that many whole GPUs (gpu_milli == 1000).
struct TaskShape {
  MilliCpu cpu_milli = 0;
  MemoryMib memory_mib = 0;
  int32_t num_gpu = 0;
  MilliGpu gpu_milli = 0;
  MemoryMib gpu_memory_mib = 0;  // per GPU used; 0 when the task asks for no GPU memory
  GpuModelMask allowed_models = kAnyGpuModel;

  /// Milli-GPU the task holds in total: num_gpu * gpu_milli.
  int64_t total_gpu_milli() const { return int64_t{num_gpu} * gpu_milli; }
  bool operator==(const TaskShape&) const = default;
};

/// The class GPU-aware policies group tasks by: -1 for CPU-only tasks, 0 for a share of one GPU
/// (gpu_milli < 1000), k for k whole GPUs.
inline int gpu_class(const TaskShape& s) {
  if (s.num_gpu == 0) return -1;
  return s.gpu_milli < kMilliPerGpu ? 0 : s.num_gpu;
}

/// Returns an empty string when `shape` is well formed, else a message naming the bad field.
std::string validate_task_shape(const TaskShape& shape);

/// Hash of a shape, for interning shapes in hash maps.
struct TaskShapeHash {
  size_t operator()(const TaskShape& s) const;
};

/// One task of a trace or a workload: its shape plus identity, class and lifetime.
struct Task {
  std::string name;
  TaskShape shape;
  Qos qos = Qos::kUnspecified;
  int32_t priority = 0;
  int64_t creation_time = 0;  // seconds; -1 when the trace has no times
  int64_t deletion_time = 0;  // seconds; -1 when the trace has no times
};

}  // namespace fastgpu
