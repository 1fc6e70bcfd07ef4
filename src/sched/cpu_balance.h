#pragma once
// CPU balance: how much of a node's idle GPU capacity its free CPU could not feed.

#include <cstdint>

#include "core/node.h"
#include "sched/typical_workload.h"

namespace fastgpu {

/// Measures GPU capacity stranded for lack of CPU, gradually rather than at a cliff.
///
/// The typical workload's GPU tasks need, on average, R = Σ cpu / Σ milli-GPU cores per
/// milli-GPU. A node with `idle` free milli-GPU and `cpu` free milli-cores can feed at most
/// cpu / R of its idle GPU; the rest, max(0, idle − cpu / R), is stranded. FGD's measure only
/// notices CPU when a whole typical task no longer fits; this one sees the drift before it.
/// Integer arithmetic only. Immutable; safe to share between threads.
class CpuBalance {
 public:
  explicit CpuBalance(const TypicalWorkload& workload);

  /// Idle milli-GPU of the node its free CPU cannot feed at the workload's ratio (rounded down).
  int64_t stranded_milli(const NodeState& state) const;

 private:
  int64_t cpu_sum_ = 0;  // Σ weight × cpu_milli over GPU task types
  int64_t gpu_sum_ = 0;  // Σ weight × total milli-GPU over GPU task types
};

}  // namespace fastgpu
