#include "sim/replay.h"

#include <algorithm>
#include <chrono>

#include "core/capacity_ledger.h"
#include "sched/placer.h"
#include "sched/policy_registry.h"
#include "sim/replay_engine.h"

namespace fastgpu {
namespace {

// Nearest rank: the smallest value with at least `percent`% of `sorted` at or below it.
int64_t nearest_rank(const std::vector<int64_t>& sorted, int percent) {
  const size_t n = sorted.size();
  const size_t rank = (static_cast<size_t>(percent) * n + 99) / 100;  // ceil(p/100 × n)
  return sorted[std::max<size_t>(rank, 1) - 1];
}

}  // namespace

DelayStats summarize_delays(std::vector<int64_t> delays) {
  DelayStats stats;
  if (delays.empty()) return stats;
  std::sort(delays.begin(), delays.end());
  double sum = 0;
  for (int64_t d : delays) sum += static_cast<double>(d);
  stats.mean = sum / static_cast<double>(delays.size());
  stats.p50 = nearest_rank(delays, 50);
  stats.p99 = nearest_rank(delays, 99);
  stats.max = delays.back();
  return stats;
}

std::vector<Task> compress_arrivals(std::span<const Task> trace, double factor) {
  std::vector<Task> out(trace.begin(), trace.end());
  if (out.empty() || factor == 1) return out;
  int64_t first = out.front().creation_time;
  for (const Task& t : out) first = std::min(first, t.creation_time);
  for (Task& t : out) {
    const int64_t duration = t.deletion_time - t.creation_time;
    t.creation_time =
        first + static_cast<int64_t>(static_cast<double>(t.creation_time - first) / factor);
    t.deletion_time = t.creation_time + duration;
  }
  return out;
}

namespace {

Status check_projects(std::span<const Task> trace, const ReplayOptions& options) {
  if (!(options.compress >= 1)) return Status::invalid_argument("replay: compress must be >= 1");
  if (options.project_of_task.empty()) return Status::ok();
  if (options.project_of_task.size() != trace.size()) {
    return Status::invalid_argument("replay: one project per task is needed");
  }
  const auto projects = static_cast<int32_t>(options.accounts.projects.size());
  for (int32_t p : options.project_of_task) {
    if (p < 0 || p >= projects)
      return Status::invalid_argument("replay: no project " + std::to_string(p));
  }
  return Status::ok();
}

}  // namespace

Status run_replay(std::span<const NodeSpec> nodes, std::span<const Task> given,
                  const ReplayOptions& options, ReplayRun* out) {
  const auto wall_start = std::chrono::steady_clock::now();
  if (Status s = validate_replay_trace(given); !s.is_ok()) return s;
  if (options.interval <= 0) return Status::invalid_argument("replay: interval must be > 0");
  if (Status s = check_projects(given, options); !s.is_ok()) return s;
  const std::vector<Task> trace = compress_arrivals(given, options.compress);
  PolicyContext context{TypicalWorkload::from_tasks(trace)};
  std::string error;
  auto policy = make_policy(options.policy, context, &error);
  if (!policy) return Status::invalid_argument(error);
  CapacityLedger ledger(std::vector<NodeSpec>(nodes.begin(), nodes.end()));
  if (ledger.total_gpu_milli() == 0) {
    return Status::invalid_argument("replay: no GPU in the cluster");
  }
  Placer placer(ledger, std::move(policy), options.seed);

  ReplayRun run;
  run.policy = options.policy;
  run.seed = options.seed;
  run.backfill = options.backfill;
  run.interval = options.interval;
  run.tasks_total = static_cast<int64_t>(trace.size());
  ReplayEngine engine(trace, ledger, placer, options, &run, /*hooks=*/nullptr);
  if (Status s = engine.run(); !s.is_ok()) return s;
  run.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  *out = std::move(run);
  return Status::ok();
}

}  // namespace fastgpu
