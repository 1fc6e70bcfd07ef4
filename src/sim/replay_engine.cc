#include "sim/replay_engine.h"

#include <algorithm>
#include <numeric>

namespace fastgpu {

ReplayEngine::ReplayEngine(std::span<const Task> trace, CapacityLedger& ledger, Placer& placer,
                           const ReplayOptions& options, ReplayRun* run, ReplayHooks* hooks)
    : trace_(trace),
      ledger_(ledger),
      placer_(placer),
      options_(options),
      run_(*run),
      hooks_(hooks),
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

Status ReplayEngine::run() {
  last_time_ = run_.start_time;
  while (has_events()) {
    const int64_t t = next_event_time();
    if (Status s = step(t); !s.is_ok()) return s;
    if (!has_events() || next_event_time() > trace_end_) abandon_queue();
  }
  run_.end_time = last_time_;
  sample_through(run_.end_time);
  const double capacity = static_cast<double>(ledger_.total_gpu_milli());
  const int64_t span = run_.makespan();
  const double capacity_area = hooks_ ? capacity_area_ : capacity * static_cast<double>(span);
  run_.mean_alloc_percent = capacity_area > 0 ? 100.0 * alloc_area_ / capacity_area : 0.0;
  run_.delay = summarize_delays(std::move(delays_));
  return Status::ok();
}

// Every event at `t`: departures, arrivals, the hooks' own, one scan of the queue.
Status ReplayEngine::step(int64_t t) {
  advance_to(t);
  if (Status s = depart_at(t); !s.is_ok()) return s;
  arrive_at(t);
  if (hooks_) {
    if (Status s = hooks_->before_scan(t, *this); !s.is_ok()) return s;
  }
  if (Status s = scan_queue(t); !s.is_ok()) return s;
  return hooks_ ? hooks_->after_scan(t, *this) : Status::ok();
}

std::vector<TaskShape> ReplayEngine::queued_shapes() const {
  std::vector<TaskShape> shapes;
  shapes.reserve(queue_.size());
  for (uint32_t i : queue_) shapes.push_back(trace_[i].shape);
  return shapes;
}

Status ReplayEngine::release_capacity(const TaskShape& shape, const Placement& placement) {
  if (Status s = ledger_.release(shape, placement); !s.is_ok()) return s;
  mark_released(placement.node);
  return Status::ok();
}

Status ReplayEngine::hold_capacity(const TaskShape& shape, const Placement& placement) {
  return ledger_.allocate(shape, placement);
}

bool ReplayEngine::has_trace_events() const {
  return next_arrival_ < order_.size() || !departures_.empty();
}

bool ReplayEngine::has_events() const {
  return has_trace_events() || (hooks_ && !queue_.empty() && hooks_->next_time() != INT64_MAX);
}

int64_t ReplayEngine::next_event_time() const {
  int64_t t = INT64_MAX;
  if (next_arrival_ < order_.size()) t = trace_[order_[next_arrival_]].creation_time;
  if (!departures_.empty()) t = std::min(t, departures_.top().time);
  if (hooks_) t = std::min(t, hooks_->next_time());
  return t;
}

int64_t ReplayEngine::in_service_gpu_milli() const {
  return ledger_.total_gpu_milli() - (hooks_ ? hooks_->unavailable_gpu_milli() : 0);
}

int64_t ReplayEngine::allocated_to_tasks() const {
  return ledger_.allocated_gpu_milli() - (hooks_ ? hooks_->unavailable_gpu_milli() : 0);
}

double ReplayEngine::alloc_percent() const {
  const int64_t capacity = in_service_gpu_milli();
  if (capacity == 0) return 0.0;
  return 100.0 * static_cast<double>(allocated_to_tasks()) / static_cast<double>(capacity);
}

// Emits the samples due at or before `until`, showing the current state.
void ReplayEngine::sample_through(int64_t until) {
  for (; next_sample_ <= until; next_sample_ += options_.interval) {
    run_.series.push_back(
        {next_sample_, alloc_percent(), static_cast<int64_t>(queue_.size()), running_});
  }
}

// Moves the clock to `t`: the current state held over [last_time_, t).
void ReplayEngine::advance_to(int64_t t) {
  sample_through(t - 1);
  const auto dt = static_cast<double>(t - last_time_);
  alloc_area_ += static_cast<double>(allocated_to_tasks()) * dt;
  capacity_area_ += static_cast<double>(in_service_gpu_milli()) * dt;
  last_time_ = t;
}

Status ReplayEngine::depart_at(int64_t t) {
  while (!departures_.empty() && departures_.top().time == t) {
    const uint32_t i = departures_.top().task;
    departures_.pop();
    if (Status s = ledger_.release(trace_[i].shape, placements_[i]); !s.is_ok()) return s;
    --running_;
    mark_released(placements_[i].node);
    if (hooks_) hooks_->on_release(placements_[i].node, t);
  }
  return Status::ok();
}

void ReplayEngine::mark_released(NodeIndex n) {
  if (released_flag_[n]) return;
  released_flag_[n] = 1;
  released_.push_back(n);
}

// Whether a shape fits some node of the ledger when empty (else it is infeasible), memoized.
bool ReplayEngine::feasible(const TaskShape& shape) {
  auto [it, inserted] = feasible_.try_emplace(shape, false);
  if (inserted) {
    const auto& specs = ledger_.specs();
    it->second = std::any_of(specs.begin(), specs.end(),
                             [&](const NodeSpec& spec) { return fits_when_empty(spec, shape); });
  }
  return it->second;
}

// Queues every task arriving at `t`, dropping the infeasible ones.
void ReplayEngine::arrive_at(int64_t t) {
  for (; next_arrival_ < order_.size(); ++next_arrival_) {
    const uint32_t i = order_[next_arrival_];
    if (trace_[i].creation_time != t) break;
    if (feasible(trace_[i].shape)) {
      queue_.push_back(i);
    } else {
      ++run_.tasks_infeasible;
    }
  }
}

// False only when task `i` cannot fit now: it failed before and fits no node released since.
bool ReplayEngine::may_fit(uint32_t i) const {
  if (!tried_[i]) return true;
  const TaskShape& shape = trace_[i].shape;
  return std::any_of(released_.begin(), released_.end(), [&](NodeIndex n) {
    return fits_now(ledger_.spec(n), ledger_.state(n), shape);
  });
}

// Tries to start queued task `i` at `t`; *started tells whether it did.
Status ReplayEngine::try_start(uint32_t i, int64_t t, bool* started) {
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

Status ReplayEngine::start(uint32_t i, const Placement& placement, int64_t t) {
  const Task& task = trace_[i];
  if (Status s = ledger_.allocate(task.shape, placement); !s.is_ok()) return s;
  ++run_.tasks_placed;
  delays_.push_back(t - task.creation_time);
  const int64_t duration = task.deletion_time - task.creation_time;
  if (duration == 0) return ledger_.release(task.shape, placement);
  placements_[i] = placement;
  departures_.push({t + duration, i});
  ++running_;
  if (hooks_) hooks_->on_start(placement.node, t);
  return Status::ok();
}

Status ReplayEngine::scan_queue(int64_t t) {
  Status s = options_.backfill ? scan_backfill(t) : scan_fifo(t);
  for (NodeIndex n : released_) released_flag_[n] = 0;
  released_.clear();
  return s;
}

// Strict FIFO: start tasks from the head until one does not fit.
Status ReplayEngine::scan_fifo(int64_t t) {
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
Status ReplayEngine::scan_backfill(int64_t t) {
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
void ReplayEngine::abandon_queue() {
  run_.tasks_still_queued += static_cast<int64_t>(queue_.size());
  queue_.clear();
  tried_prefix_ = 0;
}

Status validate_replay_trace(std::span<const Task> trace) {
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

}  // namespace fastgpu
