#pragma once
// The flags of `fastgpu sim replay` that turn it into the autoscaled replay, and its run.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "core/node.h"
#include "core/task.h"
#include "sim/replay.h"

namespace fastgpu::cli {

/// Raw values of --autoscale and the flags that tune it; empty means "the catalog's value".
struct AutoscaleFlags {
  std::string catalog;  // empty: the plain replay
  std::string period = "60";
  std::string cooldown, min_nodes, max_nodes, budget;
  std::string reclaim_rate;  // reclaims per spot node-hour; empty: each spot type's own
};

/// Registers --autoscale, --autoscale-period, --cooldown, --min-nodes, --max-nodes, --budget,
/// --reclaim-rate.
void add_autoscale_flags(CLI::App* cmd, AutoscaleFlags* flags);

/// What the autoscaled replay prints and writes.
struct AutoscaleOutput {
  std::string table, json, csv;
};

/// Reads the catalog, applies the flags' overrides, replays `tasks` on the elastic pool and on
/// `nodes` under `options` (one policy). Returns a message naming the flag or file on error.
std::string run_autoscale_flags(const AutoscaleFlags& flags, const ReplayOptions& options,
                                const std::vector<NodeSpec>& nodes, const std::vector<Task>& tasks,
                                AutoscaleOutput* out);

}  // namespace fastgpu::cli
