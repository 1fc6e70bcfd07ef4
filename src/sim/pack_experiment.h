#pragma once
// `fastgpu sim pack`: the FGD paper's packing protocol (arrivals only, no departures).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/node.h"
#include "core/status.h"
#include "core/task.h"

namespace fastgpu {

/// Parameters of one packing run.
struct PackOptions {
  std::string policy;   // a name from policy_names()
  uint64_t seed = 42;   // drives task sampling and the engine's tie-breaking
  int inflate_percent = 130;  // stop once arrived GPU demand reaches this % of capacity
};

/// What one run measured. Index i of the curves is "i % of the GPU capacity has arrived".
struct PackRun {
  std::string policy;
  uint64_t seed = 0;
  std::vector<double> alloc_percent;  // allocated milli-GPU / capacity × 100
  std::vector<double> frag_percent;   // fragmented milli-GPU / capacity × 100 (FGD's measure)
  int64_t tasks_arrived = 0;
  int64_t tasks_placed = 0;
  int64_t tasks_failed = 0;
  double seconds = 0;  // wall time of the run, setup included
};

/// Runs the protocol: tasks are drawn from `trace` uniformly with replacement (seeded) and
/// arrive one at a time; each is placed by the policy or fails; nothing departs. After each
/// 1% of capacity has arrived (by GPU request) the allocation and fragmentation are recorded.
/// The typical workload (for FGD and the fragmentation measure) is `trace` itself.
Status run_pack(std::span<const NodeSpec> nodes, std::span<const Task> trace,
                const PackOptions& options, PackRun* out);

}  // namespace fastgpu
