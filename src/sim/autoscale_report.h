#pragma once
// Renders an autoscaled replay: the elastic pool next to the fixed one, as a table for people,
// JSON (everything, the decision log included) and CSV (the pool's size over time).

#include <string>

#include "sim/autoscale_replay.h"

namespace fastgpu {

/// Two rows (fixed pool, autoscaled pool): nodes max/mean, GPU-hours, cost, tasks placed and
/// never placed, queueing delay; then usage and cost per node type and the decision counts.
std::string autoscale_table(const AutoscaleReplayRun& run);

/// JSON: {"autoscale": {"period", "limits", "gpu_hours", "fixed_gpu_hours", "cost_dollars",
/// "fixed_cost_dollars" (null when unpriced), "nodes": {"max", "mean", "started", "removed",
/// "fixed"}, "types": [...], "sizes": {"time", "nodes", "gpus"}, "decisions": [...],
/// "elastic": <replay run>, "fixed": <replay run>, "seconds"}}.
std::string autoscale_json(const AutoscaleReplayRun& run);

/// CSV of the elastic pool's size at each change: time,nodes,gpus.
std::string autoscale_csv(const AutoscaleReplayRun& run);

}  // namespace fastgpu
