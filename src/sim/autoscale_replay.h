#pragma once
// `fastgpu sim replay --autoscale CATALOG`: the trace replayed on a pool the autoscaler grows
// and shrinks, next to the same replay on the fixed pool of the trace's nodes.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "autoscale/node_catalog.h"
#include "sim/elastic_pool.h"
#include "sim/replay.h"

namespace fastgpu {

/// Parameters of one autoscaled replay.
struct AutoscaleReplayOptions {
  ReplayOptions replay;  // policy, seed, series interval, backfill: as for the fixed replay
  int64_t period = 60;   // seconds of trace time between autoscaler passes; > 0
  PoolLimits limits;     // usually the catalog's, with flags' overrides
  std::string pack_policy = "best-fit";  // packs pending demand onto candidate nodes
  // Reclaims per spot node-hour, for every spot type: how the autoscaler prices them and how
  // often the replay takes their nodes back. Unset: each type's interruptions_per_hour.
  std::optional<double> reclaim_rate;
};

/// The elastic pool with spot types never started, beside a run whose spot nodes are reclaimed.
struct OnDemandOnly {
  MicroDollars cost = 0;
  int64_t gpu_seconds = 0;
  DelayStats delay;
  int64_t tasks_placed = 0;
  double work_lost_gpu_seconds = 0;
};

/// Usage and cost of one node type over the elastic replay.
struct NodeTypeUsage {
  std::string name;
  Market market = Market::kOnDemand;
  int64_t node_seconds = 0;
  int64_t gpu_seconds = 0;
  MicroDollars cost = 0;
};

/// What one autoscaled replay measured, with the fixed pool beside it.
struct AutoscaleReplayRun {
  ReplayRun elastic;  // queueing, placement and utilization on the elastic pool
  ReplayRun fixed;    // the same trace, policy and seed on the fixed pool
  int64_t period = 0;
  PoolLimits limits;

  std::vector<NodeTypeUsage> types;  // catalog order
  int64_t gpu_seconds = 0;           // provisioned, booting included
  MicroDollars cost = 0;
  int64_t nodes_started = 0;
  int64_t nodes_removed = 0;
  int64_t nodes_reclaimed = 0;  // spot nodes taken back
  /// Set when some spot type is reclaimed (a rate > 0): the same replay on on-demand types only.
  std::optional<OnDemandOnly> on_demand_only;
  int64_t nodes_max = 0;
  double nodes_mean = 0;  // time-weighted over the elastic replay's makespan
  std::vector<PoolSizeSample> sizes;
  std::vector<AutoscaleEvent> events;

  int64_t fixed_nodes = 0;
  int64_t fixed_gpus = 0;
  /// The fixed pool priced as catalog nodes: each node at the cheapest type with its GPU model
  /// and count (on demand if the catalog has one), over the fixed replay's makespan; nullopt
  /// when some node has no such type.
  std::optional<MicroDollars> fixed_cost;
  double seconds = 0;  // wall time of both replays

  double gpu_hours() const { return static_cast<double>(gpu_seconds) / 3600.0; }
  /// GPUs × makespan of the fixed replay.
  double fixed_gpu_hours() const {
    return static_cast<double>(fixed_gpus) * static_cast<double>(fixed.makespan()) / 3600.0;
  }
};

/// Replays `trace` on an elastic pool of `catalog`'s types (see ElasticPool) and on
/// `fixed_nodes`; with spot reclaims modeled, also on the elastic pool without spot types. Fails
/// (and leaves *out untouched) on what run_replay() refuses, a period
/// <= 0, limits out of range (min > max, base type unknown) or an unknown pack policy.
Status run_autoscale_replay(const NodeCatalog& catalog, std::span<const NodeSpec> fixed_nodes,
                            std::span<const Task> trace, const AutoscaleReplayOptions& options,
                            AutoscaleReplayRun* out);

}  // namespace fastgpu
