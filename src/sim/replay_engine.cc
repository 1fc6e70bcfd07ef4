#include "sim/replay_engine.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "sched/queue/node_fences.h"

namespace fastgpu {
namespace {

// Scans at one event time, at most: reclaims that keep freeing room for each other end here.
constexpr int kMaxScansPerEvent = 8;

// The replay's queue discipline in the engine's terms: backfill passes a head for ever; strict
// FIFO lets a head that does not fit hold everything behind it at once.
QueueRules replay_rules(const ReplayOptions& options) {
  QueueRules rules;
  rules.patience_us = options.backfill ? std::numeric_limits<int64_t>::max() : 0;
  rules.aging_us = 0;
  rules.backfill_window = std::numeric_limits<size_t>::max();
  // The replay's clock counts the trace's seconds: so do the times of its rules.
  rules.usage_half_life_us = options.accounts.usage_half_life_us / 1'000'000;
  return rules;
}

}  // namespace

// The replay as the host of the queue engine: a task starts when the placer finds it room.
// Nothing is preempted: trace tasks are not preemptible.
class ReplayEngine::QueueSide : public QueueHost {
 public:
  QueueSide(ReplayEngine& engine, int64_t t) : e_(engine), t_(t), fences_(engine.ledger_) {}

  StartVerdict try_start(const QueueEntry& entry, const QuotaRoom& room) override {
    StartVerdict verdict;
    const uint32_t i = e_.order_[entry.id];
    const TaskShape& shape = e_.trace_[i].shape;
    if (shape.total_gpu_milli() > room.gpu_milli) {
      verdict.reason = PendingReason::kQuota;
      return verdict;
    }
    if (!e_.may_fit(i)) return verdict;
    const PlaceDecision decision = e_.placer_.decide(shape);
    if (decision.outcome != PlaceOutcome::kPlaced) {
      e_.tried_[i] = 1;
      return verdict;
    }
    if (Status s = e_.start(i, decision.placement, t_); !s.is_ok()) {
      error_ = s;
      return verdict;
    }
    const Task& task = e_.trace_[i];
    verdict.outcome = task.deletion_time == task.creation_time ? StartVerdict::Outcome::kLeft
                                                               : StartVerdict::Outcome::kStarted;
    verdict.held.gpu_milli = shape.total_gpu_milli();
    verdict.held.cpu_milli = shape.cpu_milli;
    verdict.held.memory_mib = shape.memory_mib;
    verdict.held.node = decision.placement.node;
    return verdict;
  }
  bool waits_only_for_gpus(const QueueEntry&) override { return false; }
  bool stoppable(uint64_t rank) const override {
    return e_.options_.preemptible && e_.running_flag_[e_.order_[rank]];
  }
  // Gives the victims' capacity back, asks the node, and takes it again.
  bool fits_if_released(const QueueEntry& entry, NodeIndex node,
                        std::span<const uint64_t> victims) override {
    for (uint64_t rank : victims) {
      const uint32_t i = e_.order_[rank];
      (void)e_.ledger_.release(e_.trace_[i].shape, e_.placements_[i]);
    }
    const bool fits = fits_now(e_.ledger_.spec(node), e_.ledger_.state(node), entry.shape);
    for (uint64_t rank : victims) {
      const uint32_t i = e_.order_[rank];
      (void)e_.ledger_.allocate(e_.trace_[i].shape, e_.placements_[i]);
    }
    return fits;
  }
  void fence_node(NodeIndex node) override { fences_.fence(node); }
  void lift_node_fence(NodeIndex node) override { fences_.lift(node); }
  // Nodes the autoscaler has not added count in CPU and memory: only GPUs are kept exact.
  PoolCapacity pool_capacity() const override {
    return {e_.in_service_gpu_milli(), e_.ledger_.total_cpu_milli(), e_.ledger_.total_memory_mib()};
  }
  void preempt(uint64_t rank, std::string_view) override { e_.reclaim(e_.order_[rank], t_); }

  const Status& error() const { return error_; }

 private:
  ReplayEngine& e_;
  int64_t t_;
  NodeFences fences_;
  Status error_ = Status::ok();
};

ReplayEngine::ReplayEngine(std::span<const Task> trace, CapacityLedger& ledger, Placer& placer,
                           const ReplayOptions& options, ReplayRun* run, ReplayHooks* hooks)
    : trace_(trace),
      ledger_(ledger),
      placer_(placer),
      options_(options),
      run_(*run),
      hooks_(hooks),
      placements_(trace.size()),
      attempt_(trace.size(), 0),
      started_at_(trace.size(), 0),
      running_flag_(trace.size(), 0),
      queue_(replay_rules(options), options.accounts.projects),
      tried_(trace.size(), 0),
      released_flag_(ledger.node_count(), 0),
      project_delays_(options.accounts.projects.size()),
      contended_{std::vector<double>(options.accounts.projects.size(), 0)},
      saturated_{std::vector<double>(options.accounts.projects.size(), 0)},
      project_has_tasks_(options.accounts.projects.size(), 0),
      fair_part_(options.accounts.projects.size(), 0) {
  order_.resize(trace.size());
  std::iota(order_.begin(), order_.end(), 0u);
  std::stable_sort(order_.begin(), order_.end(), [&](uint32_t a, uint32_t b) {
    return trace[a].creation_time < trace[b].creation_time;
  });
  rank_.resize(trace.size());
  for (uint32_t r = 0; r < order_.size(); ++r) rank_[order_[r]] = r;
  for (const Task& t : trace) trace_end_ = std::max(trace_end_, t.deletion_time);
  for (uint32_t i = 0; i < trace.size(); ++i) project_has_tasks_[project_of(i)] = 1;
  double weights = 0;
  for (size_t p = 0; p < fair_part_.size(); ++p) {
    if (project_has_tasks_[p]) weights += options.accounts.projects[p].share;
  }
  for (size_t p = 0; p < fair_part_.size(); ++p) {
    if (!project_has_tasks_[p]) continue;
    fair_part_[p] = static_cast<int64_t>(static_cast<double>(ledger.total_gpu_milli()) *
                                         options.accounts.projects[p].share / weights);
  }
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
  summarize_projects();
  return Status::ok();
}

int32_t ReplayEngine::project_of(uint32_t i) const {
  return options_.project_of_task.empty() ? options_.accounts.default_project
                                          : options_.project_of_task[i];
}

void ReplayEngine::ShareWindow::add(const ShareBook& shares, double dt) {
  seconds += dt;
  for (size_t p = 0; p < area.size(); ++p) {
    area[p] += static_cast<double>(shares.held_gpu_milli(static_cast<int32_t>(p))) * dt;
  }
}

double ReplayEngine::ShareWindow::percent(size_t project) const {
  double total = 0;
  for (double a : area) total += a;
  return total > 0 ? 100.0 * area[project] / total : 0;
}

// Each project's GPUs count toward its share while every project with tasks has some waiting
// (contended), and while every one wants at least its weighted part of the GPUs (saturated).
void ReplayEngine::add_project_area(double dt) {
  bool all_wait = true, all_want_their_part = true;
  for (size_t p = 0; p < fair_part_.size(); ++p) {
    if (!project_has_tasks_[p]) continue;
    const auto project = static_cast<int32_t>(p);
    all_wait = all_wait && queue_.queued_in(project) > 0;
    all_want_their_part =
        all_want_their_part && queue_.queued_in(project) > 0 &&
        queue_.shares().held_gpu_milli(project) + queue_.queued_gpu_milli(project) >= fair_part_[p];
  }
  if (all_wait) contended_.add(queue_.shares(), dt);
  if (all_want_their_part) saturated_.add(queue_.shares(), dt);
}

void ReplayEngine::summarize_projects() {
  const auto& projects = options_.accounts.projects;
  double weights = 0;
  for (size_t p = 0; p < projects.size(); ++p) {
    if (project_has_tasks_[p]) weights += projects[p].share;
  }
  run_.contended_seconds = static_cast<int64_t>(contended_.seconds);
  run_.saturated_seconds = static_cast<int64_t>(saturated_.seconds);
  run_.projects.clear();
  for (size_t p = 0; p < projects.size(); ++p) {
    ProjectReplay project;
    project.name = projects[p].name;
    project.weight_percent = project_has_tasks_[p] ? 100.0 * projects[p].share / weights : 0;
    project.placed = static_cast<int64_t>(project_delays_[p].size());
    project.delay = summarize_delays(std::move(project_delays_[p]));
    project.contended_gpu_percent = contended_.percent(p);
    project.saturated_gpu_percent = saturated_.percent(p);
    run_.projects.push_back(std::move(project));
  }
  for (uint32_t i = 0; i < trace_.size(); ++i) run_.projects[project_of(i)].tasks += 1;
}

// Every event at `t`: departures, arrivals, the hooks' own, one scan of the queue.
Status ReplayEngine::step(int64_t t) {
  advance_to(t);
  if (Status s = depart_at(t); !s.is_ok()) return s;
  arrive_at(t);
  if (hooks_) {
    if (Status s = hooks_->before_scan(t, *this); !s.is_ok()) return s;
  }
  // A reclaim frees capacity during a scan that only the next scan can give: scan again at
  // the same time until none happens (each round reclaims only from projects above their share).
  for (int round = 0; round < kMaxScansPerEvent; ++round) {
    const int64_t reclaimed = run_.tasks_reclaimed;
    if (Status s = scan_queue(t); !s.is_ok()) return s;
    if (run_.tasks_reclaimed == reclaimed) break;
  }
  return hooks_ ? hooks_->after_scan(t, *this) : Status::ok();
}

std::vector<TaskShape> ReplayEngine::queued_shapes() const {
  std::vector<TaskShape> shapes;
  shapes.reserve(queue_.size());
  for (uint64_t rank : queue_.waiting_ids()) shapes.push_back(trace_[order_[rank]].shape);
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
  return has_trace_events() || (hooks_ && queue_.size() > 0 && hooks_->next_time() != INT64_MAX);
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
  const int64_t capacity = in_service_gpu_milli();
  for (; next_sample_ <= until; next_sample_ += options_.interval) {
    ReplaySample sample{
        next_sample_, alloc_percent(), static_cast<int64_t>(queue_.size()), running_, {}};
    if (options_.accounts.projects.size() > 1) {
      for (size_t p = 0; p < options_.accounts.projects.size(); ++p) {
        const auto held = queue_.shares().held_gpu_milli(static_cast<int32_t>(p));
        sample.project_alloc_percent.push_back(
            capacity > 0 ? 100.0 * static_cast<double>(held) / static_cast<double>(capacity) : 0);
      }
    }
    run_.series.push_back(std::move(sample));
  }
}

// Moves the clock to `t`: the current state held over [last_time_, t).
void ReplayEngine::advance_to(int64_t t) {
  sample_through(t - 1);
  const auto dt = static_cast<double>(t - last_time_);
  alloc_area_ += static_cast<double>(allocated_to_tasks()) * dt;
  capacity_area_ += static_cast<double>(in_service_gpu_milli()) * dt;
  add_project_area(dt);
  last_time_ = t;
}

Status ReplayEngine::depart_at(int64_t t) {
  while (!departures_.empty() && departures_.top().time == t) {
    const uint32_t i = departures_.top().task;
    const bool stale = departures_.top().attempt != attempt_[i];
    departures_.pop();
    if (stale) continue;
    running_flag_[i] = 0;
    if (Status s = ledger_.release(trace_[i].shape, placements_[i]); !s.is_ok()) return s;
    queue_.release(rank_[i]);
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
    if (!feasible(trace_[i].shape)) {
      ++run_.tasks_infeasible;
      continue;
    }
    enqueue(i, t);
  }
}

void ReplayEngine::enqueue(uint32_t i, int64_t t) {
  QueueEntry entry;
  entry.id = rank_[i];  // the arrival rank: FIFO within a project
  entry.project = project_of(i);
  entry.enqueued_us = t;
  entry.shape = trace_[i].shape;
  entry.gpu_milli = entry.shape.total_gpu_milli();
  entry.preemptible = options_.preemptible;
  queue_.push(std::move(entry));
}

void ReplayEngine::reclaim(uint32_t i, int64_t t) {
  (void)ledger_.release(trace_[i].shape, placements_[i]);
  mark_released(placements_[i].node);
  if (hooks_) hooks_->on_release(placements_[i].node, t);
  queue_.release(rank_[i]);
  running_flag_[i] = 0;
  ++attempt_[i];  // its departure is stale
  --running_;
  ++run_.tasks_reclaimed;
  run_.work_lost_gpu_seconds += static_cast<double>(t - started_at_[i]) *
                                static_cast<double>(trace_[i].shape.total_gpu_milli()) /
                                kMilliPerGpu;
  tried_[i] = 0;
  enqueue(i, t);
}

int64_t ReplayEngine::evict_node(NodeIndex n, int64_t t) {
  int64_t evicted = 0;
  for (uint32_t i = 0; i < trace_.size(); ++i) {
    if (!running_flag_[i] || placements_[i].node != n) continue;
    reclaim(i, t);
    ++evicted;
  }
  return evicted;
}

// False only when task `i` cannot fit now: it failed before and fits no node released since.
bool ReplayEngine::may_fit(uint32_t i) const {
  if (!tried_[i]) return true;
  const TaskShape& shape = trace_[i].shape;
  return std::any_of(released_.begin(), released_.end(), [&](NodeIndex n) {
    return fits_now(ledger_.spec(n), ledger_.state(n), shape);
  });
}

Status ReplayEngine::start(uint32_t i, const Placement& placement, int64_t t) {
  const Task& task = trace_[i];
  if (Status s = ledger_.allocate(task.shape, placement); !s.is_ok()) return s;
  if (attempt_[i]++ == 0) {  // a reclaimed task's later starts are not new placements
    ++run_.tasks_placed;
    delays_.push_back(t - task.creation_time);
    project_delays_[project_of(i)].push_back(t - task.creation_time);
  }
  const int64_t duration = task.deletion_time - task.creation_time;
  if (duration == 0) return ledger_.release(task.shape, placement);
  placements_[i] = placement;
  started_at_[i] = t;
  running_flag_[i] = 1;
  departures_.push({t + duration, i, attempt_[i]});
  ++running_;
  if (hooks_) hooks_->on_start(placement.node, t);
  return Status::ok();
}

Status ReplayEngine::scan_queue(int64_t t) {
  const size_t before = released_.size();
  QueueSide side(*this, t);
  queue_.pass(t, side);
  // Nodes released before the scan were tried in it; those reclaims released during it are
  // new to the tasks that failed earlier in it, so they stay for the next scan.
  for (size_t k = 0; k < before; ++k) released_flag_[released_[k]] = 0;
  released_.erase(released_.begin(), released_.begin() + static_cast<std::ptrdiff_t>(before));
  for (NodeIndex n : released_) released_flag_[n] = 1;
  return side.error();
}

// The trace is over: whoever still waits is never placed.
void ReplayEngine::abandon_queue() {
  run_.tasks_still_queued += static_cast<int64_t>(queue_.size());
  for (uint64_t rank : queue_.waiting_ids()) queue_.erase(rank);
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
