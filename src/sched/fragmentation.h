#pragma once
// FGD's fragmentation measure: how much of a node's free GPU capacity the typical workload
// could not use.

#include <cstdint>
#include <vector>

#include "core/node.h"
#include "sched/typical_workload.h"

namespace fastgpu {

/// Measures a node's GPU fragmentation against a typical workload (Weng et al., ATC '23).
///
/// For one task type t, the fragment is every free milli-GPU of the node when t could not be
/// placed there (it needs no GPU; its model is not allowed; the free CPU is too little; too few
/// GPUs have room for its per-GPU share), and otherwise the free milli-GPU on the GPUs that
/// individually have too little room for t. Host memory is not considered, as in FGD.
/// The node's fragmentation is the expectation over the workload; weighted() returns it times
/// the workload's total weight, an exact integer. Immutable; safe to share between threads.
class FragmentationModel {
 public:
  explicit FragmentationModel(TypicalWorkload workload);

  /// Σ over types of weight × fragment milli-GPU of the node for that type.
  int64_t weighted(const NodeSpec& spec, const NodeState& state) const;

  /// Total weight of the workload: weighted() / total_weight() is the expected fragment.
  int64_t total_weight() const { return workload_.total_weight(); }

  const TypicalWorkload& workload() const { return workload_; }

 private:
  // A GPU task type as the hot loop needs it.
  struct GpuType {
    MilliCpu cpu_milli;
    MilliGpu gpu_milli;
    int32_t num_gpu;
    int64_t weight;
  };

  TypicalWorkload workload_;
  // Per GPU model id: the GPU types that may use it, by ascending gpu_milli ...
  std::vector<std::vector<GpuType>> types_by_model_;
  // ... and the weight of the types that never can (CPU-only, or model not allowed): for them
  // every idle milli-GPU is a fragment.
  std::vector<int64_t> blind_weight_by_model_;
};

}  // namespace fastgpu
