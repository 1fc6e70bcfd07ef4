#include "sim/elastic_pool.h"

#include <algorithm>
#include <cmath>

namespace fastgpu {
namespace {

// The placeholder that holds a whole node out of the pool: every GPU, CPU and byte of memory.
TaskShape whole_node(const NodeSpec& spec) {
  TaskShape shape;
  shape.cpu_milli = spec.cpu_milli;
  shape.memory_mib = spec.memory_mib;
  shape.num_gpu = spec.num_gpus;
  shape.gpu_milli = spec.num_gpus > 0 ? kMilliPerGpu : 0;
  shape.gpu_memory_mib = spec.num_gpus > 0 ? spec.gpu_memory_mib : 0;
  return shape;
}

Placement whole_node_at(NodeIndex n, const NodeSpec& spec) {
  return {n, static_cast<GpuMask>((uint64_t{1} << spec.num_gpus) - 1)};
}

// Most nodes of `type` the limits could ever let run at once.
int64_t slots_for(const NodeType& type, const PoolLimits& limits, bool is_base) {
  int64_t n = limits.max_nodes;
  if (limits.budget_per_hour > 0) n = std::min(n, limits.budget_per_hour / type.price_per_hour);
  if (is_base) n = std::max(n, limits.min_nodes);
  return n;
}

}  // namespace

ElasticPool::ElasticPool(const NodeCatalog& catalog, const Autoscaler& autoscaler, int64_t period,
                         bool strict_fifo, ReclaimModel reclaims)
    : catalog_(catalog),
      autoscaler_(autoscaler),
      period_(period),
      strict_fifo_(strict_fifo),
      free_slots_(catalog.types.size()),
      model_(std::move(reclaims)),
      rng_(model_.seed),
      fallback_(catalog.types.size(), autoscaler.limits()),
      costs_(catalog) {
  model_.per_hour.resize(catalog.types.size(), 0.0);
  const PoolLimits& limits = autoscaler.limits();
  for (size_t t = 0; t < catalog.types.size(); ++t) {
    const NodeType& type = catalog.types[t];
    const int64_t count = slots_for(type, limits, t == limits.base_type);
    for (int64_t k = 0; k < count; ++k) {
      const auto n = static_cast<NodeIndex>(slot_specs_.size());
      slot_specs_.push_back(type.node_spec(type.name + "-" + std::to_string(k)));
      slots_.push_back({t, SlotState::kOut, 0, 0, 0});
      total_milli_ += int64_t{type.gpu_count} * kMilliPerGpu;
      free_slots_[t].push_back(n);
    }
    std::reverse(free_slots_[t].begin(), free_slots_[t].end());  // lowest index is used first
  }
}

Status ElasticPool::open_initial(CapacityLedger& ledger, int64_t start_time) {
  for (NodeIndex n = 0; n < slot_specs_.size(); ++n) {
    const NodeSpec& spec = slot_specs_[n];
    if (Status s = ledger.allocate(whole_node(spec), whole_node_at(n, spec)); !s.is_ok()) return s;
  }
  next_tick_ = start_time;
  const PoolLimits& limits = autoscaler_.limits();
  if (limits.min_nodes > 0) {
    events_.push_back({start_time, "scale-up", catalog_.types[limits.base_type].name,
                       limits.min_nodes, "", "the pool starts at min_nodes"});
  }
  for (int64_t k = 0; k < limits.min_nodes; ++k) {
    const NodeIndex n = free_slots_[limits.base_type].back();
    free_slots_[limits.base_type].pop_back();
    const NodeSpec& spec = slot_specs_[n];
    if (Status s = ledger.release(whole_node(spec), whole_node_at(n, spec)); !s.is_ok()) return s;
    slots_[n] = {limits.base_type, SlotState::kReady, start_time, 0, start_time, 1};
    draw_reclaim(n, start_time);
    active_.push_back(n);
    active_gpus_ += spec.num_gpus;
    ready_milli_ += gpu_milli_of(n);
    ++nodes_started_;
  }
  record_size(start_time);
  return Status::ok();
}

int64_t ElasticPool::next_time() const {
  int64_t next = next_tick_;
  if (!boots_.empty()) next = std::min(next, boots_.top().ready_at);
  if (!reclaims_.empty()) next = std::min(next, reclaims_.top().at);
  return next;
}

// When node `n`, ready at `ready_at`, will be taken back, if its type is reclaimed at all.
void ElasticPool::draw_reclaim(NodeIndex n, int64_t ready_at) {
  const double per_hour = model_.per_hour[slots_[n].type];
  if (per_hour <= 0) return;
  const double uniform = (static_cast<double>(rng_.next() >> 11) + 0.5) * 0x1p-53;  // (0, 1)
  const double hours = -std::log(uniform) / per_hour;
  const double seconds = std::min(hours * 3600.0, 1e15);
  reclaims_.push({ready_at + std::max<int64_t>(1, std::llround(seconds)), n, slots_[n].life});
}

// Spot nodes whose time has come are taken back: their tasks queue again, the node leaves.
Status ElasticPool::take_back_reclaimed(int64_t t, ReplayEngine& engine) {
  while (!reclaims_.empty() && reclaims_.top().at <= t) {
    const Reclaim due = reclaims_.top();
    reclaims_.pop();
    Slot& slot = slots_[due.slot];
    if (slot.life != due.life || slot.state != SlotState::kReady) continue;  // already gone
    const int64_t evicted = engine.evict_node(due.slot, t);
    const std::string reason =
        "spot reclaim; " + std::to_string(evicted) + " task(s) queue again, their work lost";
    if (Status s = scale_down(t, ScaleDown{due.slot, reason}, engine, "reclaimed"); !s.is_ok()) {
      return s;
    }
    ++nodes_reclaimed_;
    if (fallback_.record(slot.type, t)) {
      events_.push_back({t, "fallback", catalog_.types[slot.type].name, 0, "",
                         "reclaimed too often: on-demand types take its place for a while"});
    }
    record_size(t);
    changed_ = true;
  }
  return Status::ok();
}

// The types not to start at `t`: spot ones fallen back, or all spot ones when so modeled.
std::vector<bool> ElasticPool::withheld(int64_t t) const {
  std::vector<bool> out = fallback_.withheld(t);
  for (size_t type = 0; type < out.size(); ++type) {
    if (model_.spot_never && catalog_.types[type].market == Market::kSpot) out[type] = true;
  }
  return out;
}

// Booted nodes join the pool, and reclaimed ones leave it, before the queue is scanned.
Status ElasticPool::before_scan(int64_t t, ReplayEngine& engine) {
  while (!boots_.empty() && boots_.top().ready_at <= t) {
    const NodeIndex n = boots_.top().slot;
    boots_.pop();
    const NodeSpec& spec = slot_specs_[n];
    if (Status s = engine.release_capacity(whole_node(spec), whole_node_at(n, spec)); !s.is_ok()) {
      return s;
    }
    slots_[n].state = SlotState::kReady;
    slots_[n].idle_since = t;
    draw_reclaim(n, t);
    ready_milli_ += gpu_milli_of(n);
    changed_ = true;
  }
  return take_back_reclaimed(t, engine);
}

// On a tick, the autoscaler sees the tasks the scan left waiting.
Status ElasticPool::after_scan(int64_t t, ReplayEngine& engine) {
  if (t < next_tick_) return Status::ok();
  while (next_tick_ <= t) next_tick_ += period_;
  if (!pass_may_differ(t, engine.queued_count())) return Status::ok();
  changed_ = false;
  queued_at_last_pass_ = engine.queued_count();
  const AutoscaleDecisions d = decide(t, engine.queued_shapes());
  for (const ScaleDown& down : d.down) {
    if (Status s = scale_down(t, down, engine); !s.is_ok()) return s;
  }
  for (const ScaleUp& up : d.up) {
    if (Status s = scale_up(t, up); !s.is_ok()) return s;
  }
  log_held_back(t, d);
  if (!d.up.empty() || !d.down.empty()) {
    record_size(t);
    changed_ = true;
  }
  return Status::ok();
}

// The decisions depend on the waiting tasks, the nodes' states and, through the cooldown, on
// the time (only while the pool is above min nodes). Tasks leave the queue only by starting
// (on_start) or when the trace ends (the count drops), so with no such change and no idle node
// reaching its cooldown, a pass would decide what the last one did: nothing (it changed nothing) or
// the same held-back demand.
bool ElasticPool::pass_may_differ(int64_t t, size_t queued) const {
  if (changed_ || queued != queued_at_last_pass_) return true;
  const PoolLimits& limits = autoscaler_.limits();
  if (static_cast<int64_t>(active_.size()) <= limits.min_nodes) return false;  // none may go
  const int64_t cooldown = limits.cooldown_seconds;
  return std::any_of(active_.begin(), active_.end(), [&](NodeIndex n) {
    const Slot& s = slots_[n];
    return s.state == SlotState::kReady && s.running == 0 && t - s.idle_since >= cooldown;
  });
}

AutoscaleDecisions ElasticPool::decide(int64_t t, const std::vector<TaskShape>& pending) const {
  const std::vector<PoolNode> nodes = pool_nodes();
  return strict_fifo_ ? decide_in_order(t, pending, nodes)
                      : autoscaler_.decide(t, pending, nodes, withheld(t));
}

// Exponential, then binary search for a prefix the limits cover in full while one more task is
// not (cheap when the head itself is held back); the decisions cover that prefix and explain
// what holds the next task back.
AutoscaleDecisions ElasticPool::decide_in_order(int64_t t, const std::vector<TaskShape>& pending,
                                                const std::vector<PoolNode>& nodes) const {
  const std::vector<bool> types_withheld = withheld(t);
  auto first = [&](size_t n) {
    return autoscaler_.decide(t, std::span<const TaskShape>(pending).first(n), nodes,
                              types_withheld);
  };
  size_t covered = 0, uncovered = 0;  // first(covered) holds nothing back, first(uncovered) does
  for (size_t probe = 1;; probe *= 2) {
    const size_t n = std::min(probe, pending.size());
    AutoscaleDecisions d = first(n);
    if (!d.held_back.empty()) {
      uncovered = n;
      break;
    }
    if (n == pending.size()) return d;
    covered = n;
  }
  while (uncovered - covered > 1) {
    const size_t mid = covered + (uncovered - covered) / 2;
    (first(mid).held_back.empty() ? covered : uncovered) = mid;
  }
  AutoscaleDecisions d = first(covered);
  d.held_back = first(covered + 1).held_back;
  if (covered + 1 < pending.size()) {
    d.held_back.push_back("strict FIFO: the tasks behind it wait too");
  }
  return d;
}

void ElasticPool::on_start(NodeIndex n, int64_t) {
  ++slots_[n].running;
  changed_ = true;
}

void ElasticPool::on_release(NodeIndex n, int64_t t) {
  if (--slots_[n].running == 0) slots_[n].idle_since = t;
  changed_ = true;
}

std::vector<PoolNode> ElasticPool::pool_nodes() const {
  std::vector<PoolNode> nodes;
  nodes.reserve(active_.size());
  for (NodeIndex n : active_) {
    const Slot& s = slots_[n];
    const bool ready = s.state == SlotState::kReady;
    nodes.push_back({n, s.type, ready ? PoolNodeState::kReady : PoolNodeState::kBooting,
                     ready && s.running == 0, s.idle_since});
  }
  return nodes;
}

Status ElasticPool::scale_up(int64_t t, const ScaleUp& up) {
  std::vector<NodeIndex>& free = free_slots_[up.type];
  const NodeType& type = catalog_.types[up.type];
  if (static_cast<int64_t>(free.size()) < up.count) {
    return Status::failed_precondition("autoscale replay: no slot left for " + type.name);
  }
  events_.push_back({t, "scale-up", type.name, up.count, "", up.reason});
  for (int64_t k = 0; k < up.count; ++k) {
    const NodeIndex n = free.back();
    free.pop_back();
    slots_[n] = {up.type, SlotState::kBooting, t, 0, t, slots_[n].life + 1};
    boots_.push({t + type.boot_seconds, n});
    active_.push_back(n);
    active_gpus_ += type.gpu_count;
    ++nodes_started_;
  }
  return Status::ok();
}

Status ElasticPool::scale_down(int64_t t, const ScaleDown& down, ReplayEngine& engine,
                               const char* action) {
  const auto n = static_cast<NodeIndex>(down.node);
  Slot& slot = slots_[n];
  const NodeSpec& spec = slot_specs_[n];
  if (Status s = engine.hold_capacity(whole_node(spec), whole_node_at(n, spec)); !s.is_ok()) {
    return s;
  }
  events_.push_back({t, action, catalog_.types[slot.type].name, 1, spec.name, down.reason});
  costs_.charge(slot.type, t - slot.requested_at);
  ready_milli_ -= gpu_milli_of(n);
  active_gpus_ -= spec.num_gpus;
  active_.erase(std::find(active_.begin(), active_.end(), n));
  free_slots_[slot.type].push_back(n);
  slot.state = SlotState::kOut;
  ++nodes_removed_;
  return Status::ok();
}

// Logs uncovered demand when its explanation changes, not at every tick it persists.
void ElasticPool::log_held_back(int64_t t, const AutoscaleDecisions& d) {
  std::string reasons;
  for (const std::string& r : d.held_back) reasons += (reasons.empty() ? "" : "; ") + r;
  if (reasons == last_held_back_) return;
  last_held_back_ = reasons;
  if (!reasons.empty()) events_.push_back({t, "held-back", "", 0, "", reasons});
}

void ElasticPool::record_size(int64_t t) {
  const auto nodes = static_cast<int64_t>(active_.size());
  max_nodes_seen_ = std::max(max_nodes_seen_, nodes);
  if (!sizes_.empty() && sizes_.back().time == t) sizes_.pop_back();
  sizes_.push_back({t, nodes, active_gpus_});
}

void ElasticPool::finish(int64_t end_time) {
  for (NodeIndex n : active_) costs_.charge(slots_[n].type, end_time - slots_[n].requested_at);
  double area = 0;
  for (size_t i = 0; i < sizes_.size(); ++i) {
    const int64_t until = i + 1 < sizes_.size() ? sizes_[i + 1].time : end_time;
    area += static_cast<double>(sizes_[i].nodes) * static_cast<double>(until - sizes_[i].time);
  }
  const int64_t span = sizes_.empty() ? 0 : end_time - sizes_.front().time;
  mean_nodes_ = span > 0 ? area / static_cast<double>(span) : 0.0;
}

int64_t ElasticPool::gpu_milli_of(NodeIndex n) const {
  return int64_t{slot_specs_[n].num_gpus} * kMilliPerGpu;
}

}  // namespace fastgpu
