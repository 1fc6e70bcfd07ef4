#pragma once
// The capacity of one vGPU and what its running tasks hold of it.

#include <cstdint>
#include <optional>
#include <string>

#include "core/gpu_model.h"
#include "store/records.h"

namespace fastgpu {

/// Compute in exact integer units comparable across the two ways of asking: milli-TFLOPS ×
/// 1000, or milli-GPU × the model's milli-TFLOPS. 20 TFLOPS and 0.5 of a 40-TFLOPS GPU are both
/// 20,000,000 units.
int64_t compute_units(int64_t milli_tflops, MilliGpu gpu_milli, GpuModelId model);

/// A vGPU's slice: its capacity (once placed on a GPU model) and the tasks' demands it holds.
/// Tasks in it run concurrently while the sum of their demands fits. Not thread-safe.
class VgpuSlice {
 public:
  explicit VgpuSlice(VgpuRecord record) : record_(std::move(record)) {}

  const VgpuRecord& record() const { return record_; }
  VgpuRecord& mutable_record() { return record_; }
  bool placed() const { return record_.placement.has_value(); }
  /// True from the moment its deletion is queued for commit: it is placed no more.
  bool deleting() const { return deleting_; }
  void set_deleting(bool deleting) { deleting_ = deleting; }
  /// When it took its GPU, if this daemon placed it after its creation (0: at its creation, or
  /// before a restart): where its usage is charged from.
  int64_t active_since_us() const { return active_since_us_; }
  void set_active_since_us(int64_t at_us) { active_since_us_ = at_us; }

  /// Compute units of the slice on `model`.
  int64_t capacity_units(GpuModelId model) const;
  /// Compute units a task in this vGPU asks for on `model`.
  static int64_t demand_units(const TaskSpec& spec, GpuModelId model);

  /// Why `spec` could never run in this vGPU on `model` (demand above the slice, more than one
  /// GPU, memory above the slice's), or empty when it could.
  std::string infeasibility(const TaskSpec& spec, GpuModelId model) const;

  /// True when `spec` fits next to what runs now.
  bool fits_now(const TaskSpec& spec, GpuModelId model) const;
  /// Takes and gives back a task's demand. give() must mirror an earlier take().
  void take(const TaskSpec& spec, GpuModelId model);
  void give(const TaskSpec& spec, GpuModelId model);

  /// Number of tasks holding part of the slice.
  int running() const { return running_; }

 private:
  VgpuRecord record_;
  int64_t used_units_ = 0;
  MemoryMib used_memory_ = 0;
  int running_ = 0;
  bool deleting_ = false;
  int64_t active_since_us_ = 0;
};

}  // namespace fastgpu
