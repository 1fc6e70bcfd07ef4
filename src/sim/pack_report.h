#pragma once
// Renders packing results as a table for people, JSON and CSV for scripts, SVG for the eye.

#include <string>
#include <vector>

#include "sim/pack_experiment.h"

namespace fastgpu {

/// The runs of one policy, one per seed.
struct PolicyRuns {
  std::string policy;
  std::vector<PackRun> runs;

  /// Mean over seeds of the last allocation point (the inflate target, 130% by default).
  double mean_final_alloc() const;
  /// Mean over seeds of the last fragmentation point.
  double mean_final_frag() const;
  /// Mean wall seconds of a run.
  double mean_seconds() const;
};

/// Fixed-width table, one row per policy: final allocation (mean, min, max), fragmentation,
/// GPUs left unallocated, seconds per run.
std::string pack_table(const std::vector<PolicyRuns>& results, double cluster_gpus);

/// JSON: {"policies": [{"policy", "mean_alloc_at_<N>", "runs": [{"seed", "alloc_percent",
/// "frag_percent", "seconds", ...}]}]}, N = the last arrived percent.
std::string pack_json(const std::vector<PolicyRuns>& results);

/// CSV with header policy,seed,arrived_percent,alloc_percent,frag_percent.
std::string pack_csv(const std::vector<PolicyRuns>& results);

/// SVG line chart of mean allocation (y) against arrived demand (x), one line per policy.
std::string pack_svg(const std::vector<PolicyRuns>& results);

}  // namespace fastgpu
