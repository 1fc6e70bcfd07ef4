#include "sim/replay.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <numeric>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "core/capacity_ledger.h"
#include "sched/placer.h"
#include "sched/policy_registry.h"

namespace fastgpu {
namespace {

// A running task's end; the heap orders by time, then task index, so runs are reproducible.
struct Departure {
  int64_t time = 0;
  uint32_t task = 0;
  bool operator>(const Departure& o) const {
    return time != o.time ? time > o.time : task > o.task;
  }
};

// Whether a shape fits some node of the cluster when empty (else kInfeasible), memoized.
class FeasibilityCache {
 public:
  explicit FeasibilityCache(const CapacityLedger& ledger) : ledger_(ledger) {}

  bool feasible(const TaskShape& shape) {
    auto [it, inserted] = known_.try_emplace(shape, false);
    if (inserted) {
      const auto& specs = ledger_.specs();
      it->second = std::any_of(specs.begin(), specs.end(),
                               [&](const NodeSpec& spec) { return fits_when_empty(spec, shape); });
    }
    return it->second;
  }

 private:
  const CapacityLedger& ledger_;
  std::unordered_map<TaskShape, bool, TaskShapeHash> known_;
};

// The event loop of one replay. Owns nothing but its bookkeeping; see replay.h for semantics.
class Replayer {
 public:
  Replayer(std::span<const Task> trace, CapacityLedger& ledger, Placer& placer,
           const ReplayOptions& options, ReplayRun* run)
      : trace_(trace),
        ledger_(ledger),
        placer_(placer),
        options_(options),
        run_(*run),
        feasibility_(ledger),
        placements_(trace.size()),
        tried_(trace.size(), 0),
        released_flag_(ledger.node_count(), 0) {
    order_.resize(trace.size());
    std::iota(order_.begin(), order_.end(), 0u);
    std::stable_sort(order_.begin(), order_.end(), [&](uint32_t a, uint32_t b) {
      return trace[a].creation_time < trace[b].creation_time;
    });
    for (const Task& t : trace) trace_end_ = std::max(trace_end_, t.deletion_time);
    run_.start_time = trace[order_.front()].creation_time;
    next_sample_ = run_.start_time;
  }

  // Processes every event; fills the run's counts, series, utilization and end time.
  Status run() {
    last_time_ = run_.start_time;
    while (has_events()) {
      const int64_t t = next_event_time();
      advance_to(t);
      if (Status s = depart_at(t); !s.is_ok()) return s;
      arrive_at(t);
      if (Status s = scan_queue(t); !s.is_ok()) return s;
      if (!has_events() || next_event_time() > trace_end_) abandon_queue();
    }
    run_.end_time = last_time_;
    sample_through(run_.end_time);
    const double capacity = static_cast<double>(ledger_.total_gpu_milli());
    const int64_t span = run_.makespan();
    run_.mean_alloc_percent = span > 0 ? 100.0 * alloc_area_ / (capacity * span) : 0.0;
    run_.delay = summarize_delays(std::move(delays_));
    return Status::ok();
  }

 private:
  bool has_events() const { return next_arrival_ < order_.size() || !departures_.empty(); }

  int64_t next_event_time() const {
    int64_t t = INT64_MAX;
    if (next_arrival_ < order_.size()) t = trace_[order_[next_arrival_]].creation_time;
    if (!departures_.empty()) t = std::min(t, departures_.top().time);
    return t;
  }

  double alloc_percent() const {
    return 100.0 * static_cast<double>(ledger_.allocated_gpu_milli()) /
           static_cast<double>(ledger_.total_gpu_milli());
  }

  // Emits the samples due at or before `until`, showing the current state.
  void sample_through(int64_t until) {
    for (; next_sample_ <= until; next_sample_ += options_.interval) {
      run_.series.push_back(
          {next_sample_, alloc_percent(), static_cast<int64_t>(queue_.size()), running_});
    }
  }

  // Moves the clock to `t`: the current state held over [last_time_, t).
  void advance_to(int64_t t) {
    sample_through(t - 1);
    alloc_area_ +=
        static_cast<double>(ledger_.allocated_gpu_milli()) * static_cast<double>(t - last_time_);
    last_time_ = t;
  }

  Status depart_at(int64_t t) {
    while (!departures_.empty() && departures_.top().time == t) {
      const uint32_t i = departures_.top().task;
      departures_.pop();
      if (Status s = ledger_.release(trace_[i].shape, placements_[i]); !s.is_ok()) return s;
      --running_;
      mark_released(placements_[i].node);
    }
    return Status::ok();
  }

  void mark_released(NodeIndex n) {
    if (released_flag_[n]) return;
    released_flag_[n] = 1;
    released_.push_back(n);
  }

  // Queues every task arriving at `t`, dropping the infeasible ones.
  void arrive_at(int64_t t) {
    for (; next_arrival_ < order_.size(); ++next_arrival_) {
      const uint32_t i = order_[next_arrival_];
      if (trace_[i].creation_time != t) break;
      if (feasibility_.feasible(trace_[i].shape)) {
        queue_.push_back(i);
      } else {
        ++run_.tasks_infeasible;
      }
    }
  }

  // False only when task `i` cannot fit now: it failed before and fits no node released since.
  bool may_fit(uint32_t i) const {
    if (!tried_[i]) return true;
    const TaskShape& shape = trace_[i].shape;
    return std::any_of(released_.begin(), released_.end(), [&](NodeIndex n) {
      return fits_now(ledger_.spec(n), ledger_.state(n), shape);
    });
  }

  // Tries to start queued task `i` at `t`; *started tells whether it did.
  Status try_start(uint32_t i, int64_t t, bool* started) {
    *started = false;
    if (!may_fit(i)) return Status::ok();
    const PlaceDecision d = placer_.decide(trace_[i].shape);
    if (d.outcome != PlaceOutcome::kPlaced) {
      tried_[i] = 1;
      return Status::ok();
    }
    *started = true;
    return start(i, d.placement, t);
  }

  Status start(uint32_t i, const Placement& placement, int64_t t) {
    const Task& task = trace_[i];
    if (Status s = ledger_.allocate(task.shape, placement); !s.is_ok()) return s;
    ++run_.tasks_placed;
    delays_.push_back(t - task.creation_time);
    const int64_t duration = task.deletion_time - task.creation_time;
    if (duration == 0) return ledger_.release(task.shape, placement);
    placements_[i] = placement;
    departures_.push({t + duration, i});
    ++running_;
    return Status::ok();
  }

  Status scan_queue(int64_t t) {
    Status s = options_.backfill ? scan_backfill(t) : scan_fifo(t);
    for (NodeIndex n : released_) released_flag_[n] = 0;
    released_.clear();
    return s;
  }

  // Strict FIFO: start tasks from the head until one does not fit.
  Status scan_fifo(int64_t t) {
    while (!queue_.empty()) {
      bool started = false;
      if (Status s = try_start(queue_.front(), t, &started); !s.is_ok()) return s;
      if (!started) break;
      queue_.pop_front();
    }
    return Status::ok();
  }

  // Backfill: start every queued task that fits, in queue order. Tasks that failed in an
  // earlier scan can only fit again after a release, so without one the scan starts at the
  // first task queued since.
  Status scan_backfill(int64_t t) {
    size_t w = released_.empty() ? tried_prefix_ : 0;
    failed_shapes_.clear();
    for (size_t r = w; r < queue_.size(); ++r) {
      const uint32_t i = queue_[r];
      bool started = false;
      if (!failed_shapes_.contains(trace_[i].shape)) {
        if (Status s = try_start(i, t, &started); !s.is_ok()) return s;
        if (!started) failed_shapes_.insert(trace_[i].shape);
      }
      tried_[i] |= !started;
      if (!started) queue_[w++] = i;
    }
    queue_.resize(w);
    tried_prefix_ = w;
    return Status::ok();
  }

  // The trace is over: whoever still waits is never placed.
  void abandon_queue() {
    run_.tasks_still_queued += static_cast<int64_t>(queue_.size());
    queue_.clear();
    tried_prefix_ = 0;
  }

  std::span<const Task> trace_;
  CapacityLedger& ledger_;
  Placer& placer_;
  const ReplayOptions& options_;
  ReplayRun& run_;
  FeasibilityCache feasibility_;

  std::vector<uint32_t> order_;  // task indices by arrival
  size_t next_arrival_ = 0;
  int64_t trace_end_ = 0;
  std::priority_queue<Departure, std::vector<Departure>, std::greater<>> departures_;
  std::vector<Placement> placements_;  // by task index, while it runs
  int64_t running_ = 0;

  std::deque<uint32_t> queue_;
  std::vector<uint8_t> tried_;  // by task index: failed a decision while queued
  size_t tried_prefix_ = 0;     // backfill: queue_[0, tried_prefix_) have all been tried
  std::unordered_set<TaskShape, TaskShapeHash> failed_shapes_;  // of the current scan
  std::vector<NodeIndex> released_;  // nodes that released capacity since the last scan
  std::vector<uint8_t> released_flag_;

  std::vector<int64_t> delays_;
  double alloc_area_ = 0;  // ∫ allocated milli-GPU dt since the first arrival
  int64_t last_time_ = 0;
  int64_t next_sample_ = 0;
};

Status validate_trace(std::span<const Task> trace) {
  if (trace.empty()) return Status::invalid_argument("replay: the task trace is empty");
  for (const Task& t : trace) {
    if (t.creation_time < 0 || t.deletion_time < 0) {
      return Status::invalid_argument("replay: task " + t.name +
                                      " has no creation/deletion time; replay needs the "
                                      "11-column pod list");
    }
    if (t.deletion_time < t.creation_time) {
      return Status::invalid_argument("replay: task " + t.name + " is deleted before created");
    }
    if (std::string e = validate_task_shape(t.shape); !e.empty()) {
      return Status::invalid_argument("replay: task " + t.name + ": " + e);
    }
  }
  return Status::ok();
}

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

Status run_replay(std::span<const NodeSpec> nodes, std::span<const Task> trace,
                  const ReplayOptions& options, ReplayRun* out) {
  const auto wall_start = std::chrono::steady_clock::now();
  if (Status s = validate_trace(trace); !s.is_ok()) return s;
  if (options.interval <= 0) return Status::invalid_argument("replay: interval must be > 0");
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
  Replayer replayer(trace, ledger, placer, options, &run);
  if (Status s = replayer.run(); !s.is_ok()) return s;
  run.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  *out = std::move(run);
  return Status::ok();
}

}  // namespace fastgpu
