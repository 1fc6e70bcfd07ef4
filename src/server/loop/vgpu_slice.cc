#include "server/loop/vgpu_slice.h"

#include <cstdio>

namespace fastgpu {
namespace {

// Compute units as TFLOPS for messages: "20", "12.5".
std::string units_as_tflops(int64_t units) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", static_cast<double>(units) / 1e6);
  return text;
}

}  // namespace

int64_t compute_units(int64_t milli_tflops, MilliGpu gpu_milli, GpuModelId model) {
  if (milli_tflops > 0) return milli_tflops * 1000;
  return int64_t{gpu_milli} * gpu_model_spec(model).milli_tflops;
}

int64_t VgpuSlice::capacity_units(GpuModelId model) const {
  return compute_units(record_.spec.milli_tflops, record_.spec.gpu_milli, model);
}

int64_t VgpuSlice::demand_units(const TaskSpec& spec, GpuModelId model) {
  if (spec.shape.num_gpu == 0) return 0;
  return compute_units(spec.milli_tflops, spec.shape.gpu_milli, model);
}

std::string VgpuSlice::infeasibility(const TaskSpec& spec, GpuModelId model) const {
  const std::string vgpu = "vGPU " + std::to_string(record_.id);
  if (spec.shape.num_gpu > 1)
    return vgpu + " is a slice of one GPU; the task asks for " +
           std::to_string(spec.shape.num_gpu) + " GPUs";
  if (demand_units(spec, model) > capacity_units(model)) {
    return "the task asks for " + units_as_tflops(demand_units(spec, model)) + " TFLOPS but " +
           vgpu + " holds " + units_as_tflops(capacity_units(model)) + " TFLOPS";
  }
  if (record_.spec.memory_mib > 0 && spec.shape.gpu_memory_mib > record_.spec.memory_mib) {
    return "the task asks for " + std::to_string(spec.shape.gpu_memory_mib) + " MiB but " + vgpu +
           " holds " + std::to_string(record_.spec.memory_mib) + " MiB of GPU memory";
  }
  return {};
}

bool VgpuSlice::fits_now(const TaskSpec& spec, GpuModelId model) const {
  if (used_units_ + demand_units(spec, model) > capacity_units(model)) return false;
  return record_.spec.memory_mib == 0 ||
         used_memory_ + spec.shape.gpu_memory_mib <= record_.spec.memory_mib;
}

void VgpuSlice::take(const TaskSpec& spec, GpuModelId model) {
  used_units_ += demand_units(spec, model);
  used_memory_ += spec.shape.gpu_memory_mib;
  running_ += 1;
}

void VgpuSlice::give(const TaskSpec& spec, GpuModelId model) {
  used_units_ -= demand_units(spec, model);
  used_memory_ -= spec.shape.gpu_memory_mib;
  running_ -= 1;
}

}  // namespace fastgpu
