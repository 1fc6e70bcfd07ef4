#pragma once
// `fastgpu sim replay`: an event-driven replay of a trace with its arrival and departure times.
//
// Semantics (the contract run_replay() implements):
// - Task i arrives at creation_time and wants to run for deletion_time - creation_time seconds.
//   The trace must carry times (the 11-column pod list); a 5-column trace (times -1) is refused.
// - On arrival the placement engine (Placer, with the policy's seeded tie-break) decides:
//   kInfeasible (no node could hold it even empty): the task is dropped and counted infeasible;
//   kNotNow (no room now): it joins the queue; kPlaced: it starts at once.
//   A task that starts at time s holds its capacity until s + duration, then releases it.
//   A task of duration 0 is released as soon as it starts.
// - Events at one timestamp are processed together: first every departure, then every arrival
//   (in trace order), then one scan of the queue.
// - The queue is fastgpud's queue engine (sched/queue): projects share the cluster by their
//   weights (ReplayOptions::accounts, tasks given to projects by project_of_task), and within a
//   project tasks go by arrival (ties by trace order; trace priorities are not used). With
//   backfill (the default) a scan walks the whole queue in that order and starts every task
//   that fits now. Without backfill (strict FIFO) a scan stops at the first task that does not
//   fit: the head blocks the rest (a head's patience of 0). Shortcuts that skip only decisions
//   bound to fail (so results equal a full retry): within one scan a shape that already failed
//   is skipped; a task that failed in an earlier scan is retried only if it fits a node that
//   released capacity since (no other node gained any).
// - The trace ends at its last recorded event, trace_end = max(deletion_time). Tasks still
//   queued after the events of the last timestamp at or before trace_end have been processed
//   are never placed ("still queued") and leave the queue; tasks already running still run to
//   their end, so the makespan may exceed the trace's own span. (Were the replay to go on, the
//   queue would always drain: every queued task fits the empty cluster.)
// - Makespan: from the first arrival to the last event processed (normally the last departure).
// - Queueing delay of a placed task: start - creation_time, in whole seconds. Percentiles use
//   the nearest-rank method (the smallest delay with at least p% of the delays at or below it).
// - Utilization: allocated milli-GPU / cluster milli-GPU, weighted by how long each value held,
//   over the makespan (0 when the makespan is 0). The series samples the state at
//   first arrival + k * interval for every such time within the makespan; a sample at time s
//   shows the state after every event at or before s.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/node.h"
#include "core/status.h"
#include "core/task.h"
#include "sched/queue/accounts.h"

namespace fastgpu {

/// Parameters of one replay.
struct ReplayOptions {
  std::string policy;       // a name from policy_names()
  uint64_t seed = 42;       // the placement engine's tie-break seed
  int64_t interval = 3600;  // seconds between samples of the series; > 0
  bool backfill = true;     // false: strict FIFO, the queue's head blocks the rest
  /// Arrival times are brought this many times closer to the first arrival (durations kept):
  /// above 1 the queue gets busier. >= 1.
  double compress = 1;
  /// The projects sharing the cluster; tasks go to project_of_task[trace index] (empty: all to
  /// the default project).
  Accounts accounts = Accounts::single_project();
  std::vector<int32_t> project_of_task = {};
  /// Trace tasks are preemptible: a project below its share reclaims GPUs from projects above
  /// theirs at once (no grace in the replay); a reclaimed task queues again and runs its whole
  /// duration anew.
  bool preemptible = false;
};

/// The state of the cluster at one sample time.
struct ReplaySample {
  int64_t time = 0;                           // seconds, on the trace's clock
  double alloc_percent = 0;                   // allocated milli-GPU / capacity × 100
  int64_t queued = 0;                         // tasks waiting
  int64_t running = 0;                        // tasks holding capacity
  std::vector<double> project_alloc_percent;  // per project: its milli-GPU / capacity × 100
};

/// Queueing delays of the placed tasks, in seconds; all 0 when no task was placed.
struct DelayStats {
  double mean = 0;
  int64_t p50 = 0;
  int64_t p99 = 0;
  int64_t max = 0;
};

/// What one project got in a replay.
struct ProjectReplay {
  std::string name;
  double weight_percent = 0;  // its share over the shares of the projects with tasks
  int64_t tasks = 0;
  int64_t placed = 0;
  DelayStats delay;
  /// Its part of the GPUs the projects held, time-weighted over the times every project with
  /// tasks had some waiting (contended_seconds); 0 when there were none.
  double contended_gpu_percent = 0;
  /// The same over the times every project with tasks wanted at least its weighted part of the
  /// GPUs (held plus waiting GPU-asks; saturated_seconds): when the weights alone decide.
  double saturated_gpu_percent = 0;
};

/// What one replay measured.
struct ReplayRun {
  std::string policy;
  uint64_t seed = 0;
  bool backfill = true;
  int64_t interval = 0;
  int64_t tasks_total = 0;
  int64_t tasks_placed = 0;
  int64_t tasks_infeasible = 0;      // never placed: no node could hold them
  int64_t tasks_still_queued = 0;    // never placed: still waiting when the trace ended
  int64_t tasks_reclaimed = 0;       // attempts stopped (for a project below its share, or
                                     // on a spot node taken back)
  double work_lost_gpu_seconds = 0;  // GPU time those stopped attempts had run: run again
  double mean_alloc_percent = 0;     // time-weighted over the makespan
  DelayStats delay;
  int64_t start_time = 0;  // first arrival
  int64_t end_time = 0;    // last event processed
  std::vector<ReplaySample> series;
  std::vector<ProjectReplay> projects;  // per project of the options' accounts
  int64_t contended_seconds = 0;        // time every project with tasks had some waiting
  int64_t saturated_seconds = 0;        // time every one wanted at least its part of the GPUs
  double seconds = 0;                   // wall time of the run, setup included

  int64_t makespan() const { return end_time - start_time; }
};

/// Nearest-rank summary of `delays` (any order; the function sorts its copy).
DelayStats summarize_delays(std::vector<int64_t> delays);

/// `trace` with its arrivals brought `factor` times closer to the first one, each task keeping
/// its duration.
std::vector<Task> compress_arrivals(std::span<const Task> trace, double factor);

/// Replays `trace` on `nodes` under options.policy as described at the top of this file.
/// The typical workload of FGD-like policies is built from `trace`. Fails (and leaves *out
/// untouched) on an empty trace, a trace without times, a malformed task shape, an unknown
/// policy, a non-positive interval, a compress factor below 1, or projects that do not match
/// the trace and the accounts.
Status run_replay(std::span<const NodeSpec> nodes, std::span<const Task> trace,
                  const ReplayOptions& options, ReplayRun* out);

}  // namespace fastgpu
