#pragma once
// Renders replay results: a summary table for people, JSON (summary + series) and CSV (series).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/replay.h"

namespace fastgpu {

/// Fixed-width table, one row per run: tasks placed, never placed (infeasible, still queued),
/// time-weighted allocation, queueing delay (mean, p50, p99, max, seconds), makespan, wall time.
std::string replay_table(const std::vector<ReplayRun>& runs);

/// JSON: {"runs": [{"policy", "seed", "backfill", "interval", "tasks_*", "mean_alloc_percent",
/// "delay_seconds": {"mean", "p50", "p99", "max"}, "start_time", "end_time", "makespan",
/// "seconds", "series": {"time", "alloc_percent", "queued", "running"}}]}; series are columns.
std::string replay_json(const std::vector<ReplayRun>& runs);

/// One run as replay_json() writes it, for reports that embed a replay.
nlohmann::json replay_run_json(const ReplayRun& run);

/// CSV of the series with header policy,time,alloc_percent,queued,running.
std::string replay_csv(const std::vector<ReplayRun>& runs);

}  // namespace fastgpu
