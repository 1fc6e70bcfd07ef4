#pragma once
// FGD's fragmentation measure: how much of a node's free GPU capacity the typical workload
// could not use.

#include <cstdint>

#include "core/node.h"
#include "sched/typical_workload.h"

namespace fastgpu {

/// Measures a node's GPU fragmentation against a typical workload (Weng et al., ATC '23).
///
/// For one task type t: if t cannot be placed on the node at all (CPU, memory-free model
/// constraint, GPU count or share), every free milli-GPU of the node is a fragment; if it can,
/// the fragments are the free milli-GPU on GPUs that individually could not take t's per-GPU
/// share. The node's fragmentation is the expectation over the workload; weighted() returns it
/// multiplied by the workload's total weight so that it stays an exact integer.
/// Immutable; safe to share between threads.
class FragmentationModel {
 public:
  explicit FragmentationModel(TypicalWorkload workload);

  /// Σ over types of weight × fragment milli-GPU of the node for that type.
  int64_t weighted(const NodeSpec& spec, const NodeState& state) const;

  /// Total weight of the workload: weighted() / total_weight() is the expected fragment.
  int64_t total_weight() const { return workload_.total_weight(); }

  const TypicalWorkload& workload() const { return workload_; }

 private:
  TypicalWorkload workload_;
};

}  // namespace fastgpu
