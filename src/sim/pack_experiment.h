#pragma once
// `fastgpu sim pack`: the FGD paper's packing protocol (arrivals only, no departures).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/node.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/task.h"

namespace fastgpu {

/// Parameters of one packing run.
struct PackOptions {
  std::string policy;         // a name from policy_names()
  uint64_t seed = 42;         // drives task sampling and the engine's tie-breaking
  int inflate_percent = 130;  // arrived GPU demand to stop at, in % of capacity
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

/// The arrival sequence of the FGD reference: every task of `trace` once, in a random order,
/// then tasks drawn uniformly with replacement until the next would take the total GPU request
/// past `target_milli` (or, when the trace alone exceeds it, random tasks removed until it
/// does not). CPU-only tasks arrive too; they add no GPU request. A trace without any GPU task
/// arrives once, without draws.
std::vector<const Task*> pack_arrivals(std::span<const Task> trace, int64_t target_milli, Rng& rng);

/// Runs the protocol: the tasks of pack_arrivals() arrive one at a time; each is placed by the
/// policy or fails (and is gone); nothing departs. After every arrival the allocation and the
/// fragmentation are sampled; point i of the curves is the mean of the samples whose arrived
/// GPU request rounds to i% of capacity (as the reference's analysis does).
/// The typical workload (for FGD and the fragmentation measure) is built from `trace`.
Status run_pack(std::span<const NodeSpec> nodes, std::span<const Task> trace,
                const PackOptions& options, PackRun* out);

}  // namespace fastgpu
