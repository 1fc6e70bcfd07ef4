#include "autoscale/autoscaler.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "core/capacity_ledger.h"
#include "sched/placer.h"

namespace fastgpu {

// The pending tasks still to be covered, grouped by shape, largest shapes first (first-fit
// decreasing packs tighter than arrival order).
struct Autoscaler::Demand {
  struct Group {
    TaskShape shape;
    int64_t count = 0;
  };
  std::vector<Group> groups;
  int64_t remaining = 0;

  // Removes what a packing took: placed[g] tasks of group g.
  void take(const std::vector<int64_t>& placed) {
    for (size_t g = 0; g < groups.size(); ++g) {
      groups[g].count -= placed[g];
      remaining -= placed[g];
    }
  }

  int64_t remaining_gpu_milli() const {
    int64_t sum = 0;
    for (const Group& g : groups) sum += g.count * g.shape.total_gpu_milli();
    return sum;
  }
};

namespace {

__extension__ typedef __int128 Wide;

// True when price_a for n_a tasks is less per task than price_b for n_b (n_b == 0: always),
// compared exactly by cross-multiplying; equal ratios go to the lower price.
bool cheaper_per_task(MicroDollars price_a, int64_t n_a, MicroDollars price_b, int64_t n_b) {
  if (n_b == 0) return true;
  const Wide a = Wide{price_a} * n_b, b = Wide{price_b} * n_a;
  return a < b || (a == b && price_a < price_b);
}

std::string dollars(MicroDollars micro) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.2f", static_cast<double>(micro) / kMicroPerDollar);
  return buf;
}

std::string gpus(int64_t milli) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g GPUs", static_cast<double>(milli) / kMilliPerGpu);
  return buf;
}

bool larger_shape(const TaskShape& a, const TaskShape& b) {
  if (a.total_gpu_milli() != b.total_gpu_milli()) return a.total_gpu_milli() > b.total_gpu_milli();
  if (a.cpu_milli != b.cpu_milli) return a.cpu_milli > b.cpu_milli;
  return a.memory_mib > b.memory_mib;
}

// "1 pending task", "3 pending tasks".
std::string pending_tasks(int64_t n) {
  return std::to_string(n) + (n == 1 ? " pending task" : " pending tasks");
}

int64_t sum(const std::vector<int64_t>& v) {
  int64_t s = 0;
  for (int64_t x : v) s += x;
  return s;
}

bool is_active(const PoolNode& n) { return n.state != PoolNodeState::kDraining; }

// Packs as many of `groups` as fit onto one empty node `spec`, in group order, with the
// scheduling library; returns how many of each group it took.
template <typename Groups>
std::vector<int64_t> pack_onto_empty_node(const NodeSpec& spec, const Groups& groups,
                                          const PolicyFactory& policy) {
  std::vector<int64_t> placed(groups.size(), 0);
  CapacityLedger ledger({spec});
  Placer placer(ledger, policy(), /*seed=*/0);
  for (size_t g = 0; g < groups.size(); ++g) {
    while (placed[g] < groups[g].count) {
      const PlaceDecision d = placer.decide(groups[g].shape);
      if (d.outcome != PlaceOutcome::kPlaced) break;
      if (!ledger.allocate(groups[g].shape, d.placement).is_ok()) break;
      ++placed[g];
    }
  }
  return placed;
}

}  // namespace

Autoscaler::Autoscaler(const NodeCatalog& catalog, PoolLimits limits, PolicyFactory policy)
    : catalog_(catalog), limits_(limits), policy_(std::move(policy)) {
  for (const NodeType& t : catalog_.types) type_specs_.push_back(t.node_spec(t.name));
}

bool Autoscaler::feasible(const TaskShape& shape) const {
  return std::any_of(type_specs_.begin(), type_specs_.end(),
                     [&](const NodeSpec& spec) { return fits_when_empty(spec, shape); });
}

std::optional<TaskShape> Autoscaler::tflops_shape(const TaskShape& shape,
                                                  int64_t milli_tflops) const {
  for (size_t t = 0; t < catalog_.types.size(); ++t) {
    const GpuModelId model = catalog_.types[t].gpu_model;
    const std::optional<MilliGpu> share = milli_tflops_to_milli_gpu(milli_tflops, model);
    if (!share) continue;
    TaskShape resolved = shape;
    resolved.gpu_milli = *share;
    resolved.allowed_models = model_bit(model);
    if (fits_when_empty(type_specs_[t], resolved)) return resolved;
  }
  return std::nullopt;
}

Autoscaler::Demand Autoscaler::group_demand(std::span<const TaskShape> pending,
                                            int64_t* infeasible) const {
  Demand demand;
  std::unordered_map<TaskShape, size_t, TaskShapeHash> group_of;
  for (const TaskShape& shape : pending) {
    if (!feasible(shape)) {
      ++*infeasible;
      continue;
    }
    auto [it, inserted] = group_of.try_emplace(shape, demand.groups.size());
    if (inserted) demand.groups.push_back({shape, 0});
    ++demand.groups[it->second].count;
    ++demand.remaining;
  }
  std::stable_sort(demand.groups.begin(), demand.groups.end(),
                   [](const auto& a, const auto& b) { return larger_shape(a.shape, b.shape); });
  return demand;
}

AutoscaleDecisions Autoscaler::decide(int64_t now, std::span<const TaskShape> pending,
                                      std::span<const PoolNode> nodes,
                                      const std::vector<bool>& withheld) const {
  AutoscaleDecisions out;
  Demand demand = group_demand(pending, &out.ignored_infeasible);
  const int64_t active = std::count_if(nodes.begin(), nodes.end(), is_active);
  remove_idle(now, nodes, active, &out);
  top_up_to_min(active - static_cast<int64_t>(out.down.size()), &out);
  cover_demand(demand, nodes, withheld, &out);
  return out;
}

void Autoscaler::remove_idle(int64_t now, std::span<const PoolNode> nodes, int64_t active,
                             AutoscaleDecisions* out) const {
  std::vector<const PoolNode*> idle;
  for (const PoolNode& n : nodes) {
    if (n.state == PoolNodeState::kReady && n.idle &&
        now - n.idle_since >= limits_.cooldown_seconds) {
      idle.push_back(&n);
    }
  }
  std::sort(idle.begin(), idle.end(), [](const PoolNode* a, const PoolNode* b) {
    return a->idle_since != b->idle_since ? a->idle_since < b->idle_since : a->id < b->id;
  });
  for (const PoolNode* n : idle) {
    if (active <= limits_.min_nodes) break;
    --active;
    out->down.push_back({n->id, "idle for " + std::to_string(now - n->idle_since) +
                                    " s, cooldown " + std::to_string(limits_.cooldown_seconds) +
                                    " s"});
  }
}

void Autoscaler::top_up_to_min(int64_t active, AutoscaleDecisions* out) const {
  if (active >= limits_.min_nodes) return;
  out->up.push_back({limits_.base_type, limits_.min_nodes - active,
                     "pool has " + std::to_string(active) + " nodes, below min_nodes " +
                         std::to_string(limits_.min_nodes)});
}

Autoscaler::Committed Autoscaler::absorb_into_committed(Demand& demand,
                                                        std::span<const PoolNode> nodes,
                                                        const AutoscaleDecisions& so_far) const {
  Committed pool;
  auto absorb = [&](size_t type) {
    ++pool.count;
    pool.cost += catalog_.types[type].price_per_hour;
    if (demand.remaining > 0) {
      demand.take(pack_onto_empty_node(type_specs_[type], demand.groups, policy_));
    }
  };
  for (const PoolNode& n : nodes) {
    const bool removed = std::any_of(so_far.down.begin(), so_far.down.end(),
                                     [&](const ScaleDown& d) { return d.node == n.id; });
    if (!is_active(n) || removed) continue;
    if (n.state == PoolNodeState::kBooting) {
      absorb(n.type);
    } else {
      ++pool.count;
      pool.cost += catalog_.types[n.type].price_per_hour;
    }
  }
  for (const ScaleUp& u : so_far.up) {  // the top-up to min_nodes
    for (int64_t k = 0; k < u.count; ++k) absorb(u.type);
  }
  return pool;
}

Autoscaler::Pick Autoscaler::pick_type(const Demand& demand, MicroDollars pool_cost,
                                       const std::vector<bool>& withheld) const {
  Pick best;
  best.type = catalog_.types.size();
  for (size_t t = 0; t < catalog_.types.size(); ++t) {
    if (t < withheld.size() && withheld[t]) continue;
    const MicroDollars price = catalog_.types[t].price_per_hour;
    if (limits_.budget_per_hour > 0 && pool_cost + price > limits_.budget_per_hour) {
      best.over_budget = true;
      continue;
    }
    std::vector<int64_t> placed = pack_onto_empty_node(type_specs_[t], demand.groups, policy_);
    const int64_t n = sum(placed);
    if (n == 0) continue;
    if (best.type == catalog_.types.size() ||
        cheaper_per_task(expected_price_per_hour(catalog_.types[t], limits_), n,
                         expected_price_per_hour(catalog_.types[best.type], limits_), best.taken)) {
      best.type = t;
      best.taken = n;
      best.placed = std::move(placed);
    }
  }
  return best;
}

std::string Autoscaler::expected_price_note(const NodeType& type) const {
  const MicroDollars expected = expected_price_per_hour(type, limits_);
  if (expected == type.price_per_hour) return "";
  return " (" + dollars(expected) + "/h counting its expected reclaims)";
}

void Autoscaler::cover_demand(Demand& demand, std::span<const PoolNode> nodes,
                              const std::vector<bool>& withheld, AutoscaleDecisions* out) const {
  Committed pool = absorb_into_committed(demand, nodes, *out);
  const int64_t pending = demand.remaining;
  const int64_t pending_milli = demand.remaining_gpu_milli();
  std::vector<int64_t> added(catalog_.types.size(), 0), covered(catalog_.types.size(), 0);
  while (demand.remaining > 0) {
    if (pool.count >= limits_.max_nodes) {
      out->held_back.push_back(pending_tasks(demand.remaining) + " left uncovered: max_nodes " +
                               std::to_string(limits_.max_nodes) + " reached");
      break;
    }
    const Pick pick = pick_type(demand, pool.cost, withheld);
    if (pick.type == catalog_.types.size()) {
      out->held_back.push_back(
          pending_tasks(demand.remaining) + " left uncovered: " +
          (pick.over_budget
               ? "the hourly budget " + dollars(limits_.budget_per_hour) + " is reached"
               : std::string("no node type can take them")));
      break;
    }
    demand.take(pick.placed);
    ++added[pick.type];
    covered[pick.type] += pick.taken;
    ++pool.count;
    pool.cost += catalog_.types[pick.type].price_per_hour;
  }
  for (size_t t = 0; t < added.size(); ++t) {
    if (added[t] == 0) continue;
    const NodeType& type = catalog_.types[t];
    out->up.push_back({t, added[t],
                       pending_tasks(pending) + " (" + gpus(pending_milli) +
                           ") wait for capacity; " + std::to_string(added[t]) + " x " + type.name +
                           " at " + dollars(type.price_per_hour) + "/h each" +
                           expected_price_note(type) + " take " + std::to_string(covered[t]) +
                           " of them, the least price per task"});
  }
}

}  // namespace fastgpu
