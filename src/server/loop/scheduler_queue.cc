// The scheduler as the host of the queue engine: what a waiting task is to the engine, what it
// holds once started, and the engine's questions (does it fit, may this one stop, what fits if
// those stop) answered from the ledger, the vGPU slices and the placer.

#include "sched/queue/node_fences.h"
#include "server/loop/scheduler.h"

namespace fastgpu {
namespace {

int64_t steady_us(std::chrono::steady_clock::time_point at) {
  return std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
}

}  // namespace

class Scheduler::QueueSide : public QueueHost {
 public:
  explicit QueueSide(Scheduler& s) : s_(s), fences_(s.ledger_) {}

  StartVerdict try_start(const QueueEntry& entry, const QuotaRoom& room) override {
    return s_.start_from_queue(s_.live_.at(entry.id), room);
  }

  bool waits_only_for_gpus(const QueueEntry& entry) override {
    TaskSpec without_host = s_.live_.at(entry.id).record.spec;
    without_host.shape.cpu_milli = 0;
    without_host.shape.memory_mib = 0;
    return !s_.fits_pool_now(without_host);
  }

  bool stoppable(uint64_t id) const override {
    auto it = s_.live_.find(id);
    return it != s_.live_.end() && s_.running_ids_.contains(id) && !it->second.ending &&
           it->second.pool_shape.has_value();
  }

  // Gives the victims' slices back, asks the node, and takes them again: release and allocate
  // are exact inverses, so the ledger ends as it began.
  bool fits_if_released(const QueueEntry& entry, NodeIndex node,
                        std::span<const uint64_t> victims) override {
    for (uint64_t id : victims) {
      const LiveTask& victim = s_.live_.at(id);
      (void)s_.ledger_.release(*victim.pool_shape, victim.placement);
    }
    bool fits = false;
    const TaskSpec& spec = s_.live_.at(entry.id).record.spec;
    for (const TaskShape& shape : s_.pool_->candidate_shapes(spec.shape, spec.milli_tflops)) {
      fits = fits || fits_now(s_.ledger_.spec(node), s_.ledger_.state(node), shape);
    }
    for (uint64_t id : victims) {
      const LiveTask& victim = s_.live_.at(id);
      (void)s_.ledger_.allocate(*victim.pool_shape, victim.placement);
    }
    return fits;
  }

  void fence_node(NodeIndex node) override { fences_.fence(node); }
  void lift_node_fence(NodeIndex node) override { fences_.lift(node); }

  PoolCapacity pool_capacity() const override {
    const CapacityLedger& ledger = s_.ledger_;
    return {ledger.total_gpu_milli(), ledger.total_cpu_milli(), ledger.total_memory_mib()};
  }

  void preempt(uint64_t victim, std::string_view reason) override {
    s_.preempt(s_.live_.at(victim), reason);
  }

 private:
  Scheduler& s_;
  NodeFences fences_;
};

void Scheduler::schedule_pass() {
  dirty_ = false;
  try_place_pending_vgpus();
  QueueSide side(*this);
  queue_.pass(steady_us(std::chrono::steady_clock::now()), side);
}

QueueEntry Scheduler::queue_entry(const LiveTask& task) const {
  const TaskSpec& spec = task.record.spec;
  QueueEntry entry;
  entry.id = static_cast<uint64_t>(task.record.id);
  entry.resource = spec.vgpu;
  entry.priority = spec.priority;
  entry.project = accounts_->project_of(spec.owner);
  entry.user = spec.owner;
  entry.enqueued_us = steady_us(task.queued_at);
  entry.shape = spec.shape;
  entry.milli_tflops = spec.milli_tflops;
  entry.preemptible = spec.preemptible;
  if (spec.vgpu == kNoVgpu) {
    // A TFLOPS request holds a share that depends on the model: count the first model's.
    const std::vector<TaskShape> shapes = pool_->candidate_shapes(spec.shape, spec.milli_tflops);
    entry.gpu_milli = shapes.empty() ? 0 : shapes.front().total_gpu_milli();
  }
  return entry;
}

void Scheduler::enqueue(const LiveTask& task) { queue_.push(queue_entry(task)); }

Holding Scheduler::vgpu_holding(uint64_t key, const std::string& owner, const TaskShape& shape,
                                const Placement& placement) const {
  Holding held;
  held.id = key;
  held.project = accounts_->project_of(owner);
  held.user = owner;
  held.priority = INT32_MAX;  // never stopped for a task (it is not a task)
  held.gpu_milli = shape.total_gpu_milli();
  held.gpu_memory_mib = shape.gpu_memory_mib > 0
                            ? shape.gpu_memory_mib
                            : memory_of_share(model_at(placement), shape.gpu_milli);
  held.node = placement.node;
  held.counts_as_task = false;
  return held;
}

Holding Scheduler::holding_of(const LiveTask& task) const {
  const TaskSpec& spec = task.record.spec;
  Holding held;
  held.id = static_cast<uint64_t>(task.record.id);
  held.project = accounts_->project_of(spec.owner);
  held.user = spec.owner;
  held.priority = spec.priority;
  held.preemptible = spec.preemptible;
  held.node = task.placement.node;
  if (task.pool_shape) {
    held.gpu_milli = task.pool_shape->total_gpu_milli();
    held.gpu_memory_mib = int64_t{task.pool_shape->num_gpu} * task.pool_shape->gpu_memory_mib;
    held.cpu_milli = task.pool_shape->cpu_milli;
    held.memory_mib = task.pool_shape->memory_mib;
  }
  return held;
}

StartVerdict Scheduler::start_from_queue(LiveTask& task, const QuotaRoom& room) {
  StartVerdict verdict;
  const TaskSpec& spec = task.record.spec;
  if (spec.vgpu != kNoVgpu) {
    if (const VgpuSlice* slice = vgpus_.placed(spec.vgpu)) {
      const GpuModelId model = model_at(*slice->record().placement);
      if (std::string why = slice->infeasibility(spec, model); !why.empty()) {
        task.ending = true;
        const TaskId id = task.record.id;
        batch_.add(
            charged(transition(id, TaskState::kPending, TaskState::kFailed, why), task.record, 0),
            [this, id](const WriteResult&) { forget(id); });
        verdict.outcome = StartVerdict::Outcome::kLeft;
        return verdict;
      }
    }
  }
  std::optional<Placement> placement = reserve(task, room, &verdict.reason);
  if (!placement) return verdict;
  task.placement = *placement;
  verdict.outcome = StartVerdict::Outcome::kStarted;
  verdict.held = holding_of(task);
  launch(task);
  return verdict;
}

std::optional<Placement> Scheduler::reserve(LiveTask& task, const QuotaRoom& room,
                                            PendingReason* reason) {
  const TaskSpec& spec = task.record.spec;
  if (spec.vgpu != kNoVgpu) {
    VgpuSlice* placed = vgpus_.placed(spec.vgpu);
    if (placed == nullptr) {
      *reason = PendingReason::kNodeNotReady;
      return std::nullopt;
    }
    VgpuSlice& slice = *placed;
    const GpuModelId model = model_at(*slice.record().placement);
    if (!slice.fits_now(spec, model)) {
      *reason = PendingReason::kVgpuBusy;
      return std::nullopt;
    }
    slice.take(spec, model);
    task.holds_vgpu = true;
    return slice.record().placement;
  }
  *reason = PendingReason::kResources;
  bool over_quota = false;
  for (const TaskShape& shape : pool_->candidate_shapes(spec.shape, spec.milli_tflops)) {
    if (!room.holds(shape)) {
      over_quota = true;
      continue;
    }
    const PlaceDecision decision = placer_->decide(shape);
    if (decision.outcome != PlaceOutcome::kPlaced) continue;
    if (!ledger_.allocate(shape, decision.placement).is_ok()) continue;
    task.pool_shape = shape;
    return decision.placement;
  }
  if (over_quota) *reason = PendingReason::kQuota;
  return std::nullopt;
}

bool Scheduler::fits_pool_now(const TaskSpec& spec) {
  for (const TaskShape& shape : pool_->candidate_shapes(spec.shape, spec.milli_tflops)) {
    if (placer_->decide(shape).outcome == PlaceOutcome::kPlaced) return true;
  }
  return false;
}

std::shared_ptr<const Accounts> Scheduler::accounts() const { return admission_.accounts(); }

std::string Scheduler::project_of(const std::string& user) const {
  const std::shared_ptr<const Accounts> accounts = this->accounts();
  return accounts->projects[accounts->project_of(user)].name;
}

void Scheduler::reload_accounts(Accounts accounts) {
  auto fresh = std::make_shared<const Accounts>(std::move(accounts));
  {
    std::lock_guard lock(inbox_mu_);
    commands_.push_back([this, fresh] { apply_accounts(fresh); });
  }
  inbox_cv_.notify_one();
}

void Scheduler::apply_accounts(std::shared_ptr<const Accounts> accounts) {
  queue_.regroup(accounts->projects,
                 [&](const std::string& user) { return accounts->project_of(user); });
  queue_.set_usage_half_life(accounts->usage_half_life_us);
  accounts_ = accounts;
  admission_.publish_accounts(std::move(accounts));
  dirty_ = true;
  snapshot_stale_ = true;
}

Status Scheduler::pending_reasons(std::vector<TaskId> ids, std::vector<PendingReason>* out) {
  return run_on_loop([this, ids = std::move(ids), out](auto reply) {
    out->clear();
    for (TaskId id : ids) out->push_back(queue_.reason(static_cast<uint64_t>(id)));
    reply({});
  });
}

}  // namespace fastgpu
