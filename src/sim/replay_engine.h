#pragma once
// The event loop behind run_replay() (semantics in replay.h), open to hooks so that other
// replays (the autoscaled one) drive the very same loop instead of a copy of it.

#include <cstdint>
#include <functional>
#include <queue>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/capacity_ledger.h"
#include "sched/placer.h"
#include "sched/queue/queue_engine.h"
#include "sim/replay.h"

namespace fastgpu {

class ReplayEngine;

/// What a replay adds to the plain loop: its own events and changes to the node set.
/// Without hooks the engine is exactly the replay replay.h describes.
class ReplayHooks {
 public:
  virtual ~ReplayHooks() = default;
  /// Time of the hook's next own event, INT64_MAX when none. Hook events interleave with the
  /// trace's: they are processed only while the trace still has events or tasks wait.
  virtual int64_t next_time() const = 0;
  /// At each event time, after departures and arrivals, before the queue scan.
  virtual Status before_scan(int64_t t, ReplayEngine& engine) = 0;
  /// At each event time, after the queue scan.
  virtual Status after_scan(int64_t t, ReplayEngine& engine) = 0;
  /// A task of positive duration started on node `n` at `t`.
  virtual void on_start(NodeIndex n, int64_t t) = 0;
  /// A task ended on node `n` at `t`.
  virtual void on_release(NodeIndex n, int64_t t) = 0;
  /// Milli-GPU of the ledger not in service now (nodes that are not part of the pool); the
  /// engine leaves it out of utilization.
  virtual int64_t unavailable_gpu_milli() const = 0;
};

/// The event loop of one replay. Owns nothing but its bookkeeping.
class ReplayEngine {
 public:
  /// `trace` must pass validate_replay_trace(); every reference must outlive the engine.
  /// `hooks` may be null.
  ReplayEngine(std::span<const Task> trace, CapacityLedger& ledger, Placer& placer,
               const ReplayOptions& options, ReplayRun* run, ReplayHooks* hooks);

  /// Processes every event; fills the run's counts, series, utilization, delays and end time.
  Status run();

  /// For hooks: the ledger, read only.
  const CapacityLedger& ledger() const { return ledger_; }
  /// For hooks: how many tasks wait now.
  size_t queued_count() const { return queue_.size(); }
  /// For hooks: the shapes of the tasks waiting now, oldest first.
  std::vector<TaskShape> queued_shapes() const;
  /// For hooks: gives back capacity held outside any task (`shape` at `placement`), so queued
  /// tasks are tried on that node again.
  Status release_capacity(const TaskShape& shape, const Placement& placement);
  /// For hooks: takes capacity outside any task.
  Status hold_capacity(const TaskShape& shape, const Placement& placement);
  /// For hooks: stops every task running on node `n` at `t` (a spot node taken back): each
  /// queues again to run its whole duration anew, its GPU time so far counted as work lost.
  /// Returns how many were stopped.
  int64_t evict_node(NodeIndex n, int64_t t);

 private:
  bool has_trace_events() const;
  bool has_events() const;
  int64_t next_event_time() const;
  double alloc_percent() const;
  int64_t in_service_gpu_milli() const;
  int64_t allocated_to_tasks() const;
  void sample_through(int64_t until);
  void advance_to(int64_t t);
  Status depart_at(int64_t t);
  void mark_released(NodeIndex n);
  void arrive_at(int64_t t);
  bool feasible(const TaskShape& shape);
  bool may_fit(uint32_t i) const;
  Status start(uint32_t i, const Placement& placement, int64_t t);
  // Reclaims running task `i` at `t` (for a project below its share, or with its node): its
  // capacity goes back at once and it queues again, to run its whole duration anew.
  void reclaim(uint32_t i, int64_t t);
  void enqueue(uint32_t i, int64_t t);
  Status scan_queue(int64_t t);
  void abandon_queue();
  Status step(int64_t t);
  int32_t project_of(uint32_t i) const;
  void add_project_area(double dt);
  void summarize_projects();

  class QueueSide;  // the replay as the queue engine's host

  // A running task's end; the heap orders by time, then task index, so runs are reproducible.
  struct Departure {
    int64_t time = 0;
    uint32_t task = 0;
    uint32_t attempt = 0;  // a departure of an attempt that was reclaimed is stale
    bool operator>(const Departure& o) const {
      return time != o.time ? time > o.time : task > o.task;
    }
  };

  std::span<const Task> trace_;
  CapacityLedger& ledger_;
  Placer& placer_;
  const ReplayOptions& options_;
  ReplayRun& run_;
  ReplayHooks* hooks_;
  std::unordered_map<TaskShape, bool, TaskShapeHash> feasible_;  // memo: fits some empty node

  std::vector<uint32_t> order_;  // task indices by arrival
  std::vector<uint32_t> rank_;   // by task index: its place in order_
  size_t next_arrival_ = 0;
  int64_t trace_end_ = 0;
  std::priority_queue<Departure, std::vector<Departure>, std::greater<>> departures_;
  std::vector<Placement> placements_;  // by task index, while it runs
  std::vector<uint32_t> attempt_;      // by task index: starts so far
  std::vector<int64_t> started_at_;    // by task index: when its current attempt started
  std::vector<uint8_t> running_flag_;  // by task index: it holds capacity now
  int64_t running_ = 0;

  // Waiting tasks; an entry's id is the task's arrival rank (its index in order_).
  QueueEngine queue_;
  std::vector<uint8_t> tried_;       // by task index: failed a decision while queued
  std::vector<NodeIndex> released_;  // nodes that released capacity since the last scan
  std::vector<uint8_t> released_flag_;

  std::vector<int64_t> delays_;
  std::vector<std::vector<int64_t>> project_delays_;  // per project
  // GPUs held per project, integrated over the times a condition on every project held.
  struct ShareWindow {
    std::vector<double> area;  // per project: ∫ milli-GPU held dt
    double seconds = 0;
    void add(const ShareBook& shares, double dt);
    double percent(size_t project) const;
  };
  ShareWindow contended_;  // every project with tasks has some waiting
  ShareWindow saturated_;  // every one wants at least its weighted part of the GPUs
  std::vector<uint8_t> project_has_tasks_;
  std::vector<int64_t> fair_part_;  // per project: its weighted part of the GPUs (milli)
  double alloc_area_ = 0;           // ∫ milli-GPU allocated to tasks dt since the first arrival
  double capacity_area_ = 0;        // ∫ milli-GPU in service dt since the first arrival
  int64_t last_time_ = 0;
  int64_t next_sample_ = 0;
};

/// Checks a trace for replay: not empty, times present and ordered, shapes well formed.
Status validate_replay_trace(std::span<const Task> trace);

}  // namespace fastgpu
