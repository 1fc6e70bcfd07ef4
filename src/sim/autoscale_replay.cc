#include "sim/autoscale_replay.h"

#include <algorithm>
#include <chrono>

#include "autoscale/autoscaler.h"
#include "core/capacity_ledger.h"
#include "sched/placer.h"
#include "sched/policy_registry.h"
#include "sim/replay_engine.h"

namespace fastgpu {
namespace {

Status check_options(const NodeCatalog& catalog, const AutoscaleReplayOptions& o) {
  if (o.period <= 0) return Status::invalid_argument("autoscale replay: period must be > 0");
  if (o.replay.interval <= 0) return Status::invalid_argument("replay: interval must be > 0");
  const PoolLimits& l = o.limits;
  if (l.min_nodes < 0 || l.max_nodes < 1 || l.min_nodes > l.max_nodes) {
    return Status::invalid_argument("autoscale replay: need 0 <= min_nodes <= max_nodes, >= 1");
  }
  if (l.cooldown_seconds < 0 || l.budget_per_hour < 0) {
    return Status::invalid_argument("autoscale replay: cooldown and budget must be >= 0");
  }
  if (l.base_type >= catalog.types.size()) {
    return Status::invalid_argument("autoscale replay: base type out of the catalog");
  }
  if (o.reclaim_rate && !(*o.reclaim_rate >= 0 && *o.reclaim_rate <= 3600)) {
    return Status::invalid_argument("autoscale replay: the reclaim rate must be in [0, 3600]");
  }
  std::string error;
  if (!make_policy(o.pack_policy, PolicyContext{}, &error)) return Status::invalid_argument(error);
  return Status::ok();
}

// The catalog with every spot type's reclaim rate set to `rate` when it is given.
NodeCatalog with_reclaim_rate(NodeCatalog catalog, std::optional<double> rate) {
  if (!rate) return catalog;
  for (NodeType& type : catalog.types) {
    if (type.market == Market::kSpot) type.interruptions_per_hour = *rate;
  }
  return catalog;
}

// The reclaims the elastic pool simulates: each type's rate; none in the on-demand-only pool
// (whose only spot nodes, if any, are the min_nodes of a spot base type).
ReclaimModel reclaim_model(const NodeCatalog& catalog, uint64_t seed, bool spot_never) {
  ReclaimModel model;
  for (const NodeType& type : catalog.types) {
    model.per_hour.push_back(spot_never ? 0.0 : type.interruptions_per_hour);
  }
  model.seed = seed;
  model.spot_never = spot_never;
  return model;
}

// The elastic replay proper: slots ledger, placer, pool hooks, the shared event loop.
Status replay_elastic(const NodeCatalog& catalog, std::span<const Task> trace,
                      const AutoscaleReplayOptions& options, bool spot_never,
                      AutoscaleReplayRun* run) {
  PolicyContext context{TypicalWorkload::from_tasks(trace)};
  std::string error;
  auto policy = make_policy(options.replay.policy, context, &error);
  if (!policy) return Status::invalid_argument(error);
  const std::string pack_policy = options.pack_policy;
  Autoscaler autoscaler(catalog, options.limits, [pack_policy] {
    std::string unused;
    return make_policy(pack_policy, PolicyContext{}, &unused);
  });
  ElasticPool pool(catalog, autoscaler, options.period, !options.replay.backfill,
                   reclaim_model(catalog, options.replay.seed, spot_never));
  CapacityLedger ledger(pool.slot_specs());
  if (ledger.total_gpu_milli() == 0) {
    return Status::invalid_argument("autoscale replay: the catalog allows no GPU");
  }
  Placer placer(ledger, std::move(policy), options.replay.seed);
  ReplayRun& r = run->elastic;
  r.policy = options.replay.policy;
  r.seed = options.replay.seed;
  r.backfill = options.replay.backfill;
  r.interval = options.replay.interval;
  r.tasks_total = static_cast<int64_t>(trace.size());
  ReplayEngine engine(trace, ledger, placer, options.replay, &r, &pool);
  if (Status s = pool.open_initial(ledger, r.start_time); !s.is_ok()) return s;
  if (Status s = engine.run(); !s.is_ok()) return s;
  pool.finish(r.end_time);
  for (size_t t = 0; t < catalog.types.size(); ++t) {
    const CostAccount& c = pool.costs();
    run->types.push_back({catalog.types[t].name, catalog.types[t].market, c.node_seconds(t),
                          c.gpu_seconds(t), c.cost(t)});
  }
  run->gpu_seconds = pool.costs().total_gpu_seconds();
  run->cost = pool.costs().total_cost();
  run->nodes_started = pool.nodes_started();
  run->nodes_removed = pool.nodes_removed();
  run->nodes_reclaimed = pool.nodes_reclaimed();
  run->nodes_max = pool.max_nodes_seen();
  run->nodes_mean = pool.mean_nodes();
  run->sizes = pool.sizes();
  run->events = pool.events();
  return Status::ok();
}

// Price per hour of the cheapest catalog type with the node's GPU model and count, on demand
// when the catalog has one (a fixed pool is not reclaimed like spot nodes); 0 when none.
MicroDollars catalog_price_of(const NodeCatalog& catalog, const NodeSpec& node) {
  MicroDollars on_demand = 0, any = 0;
  auto lower = [](MicroDollars best, MicroDollars price) {
    return best == 0 ? price : std::min(best, price);
  };
  for (const NodeType& t : catalog.types) {
    if (t.gpu_count != node.num_gpus || (t.gpu_count > 0 && t.gpu_model != node.model)) continue;
    any = lower(any, t.price_per_hour);
    if (t.market == Market::kOnDemand) on_demand = lower(on_demand, t.price_per_hour);
  }
  return on_demand != 0 ? on_demand : any;
}

// Each fixed node at its catalog price over `seconds`; nullopt when some node has none.
std::optional<MicroDollars> price_fixed_pool(const NodeCatalog& catalog,
                                             std::span<const NodeSpec> nodes, int64_t seconds) {
  __extension__ typedef __int128 Wide;
  Wide total = 0;
  for (const NodeSpec& node : nodes) {
    const MicroDollars price = catalog_price_of(catalog, node);
    if (price == 0) return std::nullopt;
    total += Wide{price} * seconds;
  }
  return static_cast<MicroDollars>((total + 1800) / 3600);
}

}  // namespace

Status run_autoscale_replay(const NodeCatalog& catalog, std::span<const NodeSpec> fixed_nodes,
                            std::span<const Task> trace, const AutoscaleReplayOptions& options,
                            AutoscaleReplayRun* out) {
  const auto wall_start = std::chrono::steady_clock::now();
  if (Status s = validate_replay_trace(trace); !s.is_ok()) return s;
  if (Status s = check_options(catalog, options); !s.is_ok()) return s;
  AutoscaleReplayRun run;
  run.period = options.period;
  run.limits = options.limits;
  const NodeCatalog priced = with_reclaim_rate(catalog, options.reclaim_rate);
  if (Status s = replay_elastic(priced, trace, options, false, &run); !s.is_ok()) return s;
  const bool reclaimed = std::any_of(
      priced.types.begin(), priced.types.end(),
      [](const NodeType& t) { return t.market == Market::kSpot && t.interruptions_per_hour > 0; });
  if (reclaimed || options.reclaim_rate) {
    AutoscaleReplayRun on_demand;
    if (Status s = replay_elastic(priced, trace, options, true, &on_demand); !s.is_ok()) return s;
    run.on_demand_only =
        OnDemandOnly{on_demand.cost, on_demand.gpu_seconds, on_demand.elastic.delay,
                     on_demand.elastic.tasks_placed, on_demand.elastic.work_lost_gpu_seconds};
  }
  if (Status s = run_replay(fixed_nodes, trace, options.replay, &run.fixed); !s.is_ok()) return s;
  run.fixed_nodes = static_cast<int64_t>(fixed_nodes.size());
  for (const NodeSpec& n : fixed_nodes) run.fixed_gpus += n.num_gpus;
  run.fixed_cost = price_fixed_pool(catalog, fixed_nodes, run.fixed.makespan());
  run.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  run.elastic.seconds = run.seconds - run.fixed.seconds;
  *out = std::move(run);
  return Status::ok();
}

}  // namespace fastgpu
