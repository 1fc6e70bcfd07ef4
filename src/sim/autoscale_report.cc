#include "sim/autoscale_report.h"

#include <nlohmann/json.hpp>

#include "sim/replay_report.h"
#include "sim/text_format.h"

namespace fastgpu {
namespace {

double to_dollars(MicroDollars micro) {
  return static_cast<double>(micro) / static_cast<double>(kMicroPerDollar);
}

std::string cost_cell(std::optional<MicroDollars> micro) {
  return micro ? format("%.2f", to_dollars(*micro)) : std::string("n/a");
}

// One pool's row of the summary table.
std::string pool_row(const char* pool, const std::string& nodes, double gpu_hours,
                     const std::string& cost, const ReplayRun& r) {
  return format("%-11s %15s %12.1f %13s %7lld %7lld %7lld %9.1f %8lld %8lld %9lld\n", pool,
                nodes.c_str(), gpu_hours, cost.c_str(), static_cast<long long>(r.tasks_placed),
                static_cast<long long>(r.tasks_infeasible),
                static_cast<long long>(r.tasks_still_queued), r.delay.mean,
                static_cast<long long>(r.delay.p50), static_cast<long long>(r.delay.p99),
                static_cast<long long>(r.delay.max));
}

std::string types_table(const AutoscaleReplayRun& run) {
  std::string out = format("%-14s %-9s %12s %12s %13s\n", "node_type", "market", "node_hours",
                           "gpu_hours", "cost_usd");
  for (const NodeTypeUsage& t : run.types) {
    if (t.node_seconds == 0) continue;
    out += format("%-14s %-9s %12.1f %12.1f %13.2f\n", t.name.c_str(),
                  std::string(market_name(t.market)).c_str(), t.node_seconds / 3600.0,
                  t.gpu_seconds / 3600.0, to_dollars(t.cost));
  }
  return out;
}

int64_t count_action(const AutoscaleReplayRun& run, const std::string& action) {
  int64_t n = 0;
  for (const AutoscaleEvent& e : run.events) n += e.action == action;
  return n;
}

nlohmann::json limits_json(const PoolLimits& l) {
  return {{"min_nodes", l.min_nodes},
          {"max_nodes", l.max_nodes},
          {"budget_per_hour_dollars", to_dollars(l.budget_per_hour)},
          {"cooldown_seconds", l.cooldown_seconds}};
}

nlohmann::json types_json(const AutoscaleReplayRun& run) {
  nlohmann::json types = nlohmann::json::array();
  for (const NodeTypeUsage& t : run.types) {
    types.push_back({{"name", t.name},
                     {"market", market_name(t.market)},
                     {"node_seconds", t.node_seconds},
                     {"gpu_seconds", t.gpu_seconds},
                     {"cost_dollars", to_dollars(t.cost)}});
  }
  return types;
}

nlohmann::json sizes_json(const AutoscaleReplayRun& run) {
  nlohmann::json time = nlohmann::json::array(), nodes = nlohmann::json::array(),
                 gpus = nlohmann::json::array();
  for (const PoolSizeSample& s : run.sizes) {
    time.push_back(s.time);
    nodes.push_back(s.nodes);
    gpus.push_back(s.gpus);
  }
  return {{"time", std::move(time)}, {"nodes", std::move(nodes)}, {"gpus", std::move(gpus)}};
}

nlohmann::json decisions_json(const AutoscaleReplayRun& run) {
  nlohmann::json all = nlohmann::json::array();
  for (const AutoscaleEvent& e : run.events) {
    all.push_back({{"time", e.time},
                   {"action", e.action},
                   {"node_type", e.node_type},
                   {"count", e.count},
                   {"node", e.node},
                   {"reason", e.reason}});
  }
  return all;
}

// The elastic pool with spot reclaims beside the on-demand-only one; empty without them.
std::string spot_table(const AutoscaleReplayRun& run) {
  if (!run.on_demand_only) return "";
  const OnDemandOnly& od = *run.on_demand_only;
  std::string out = format("\n%-15s %12s %13s %7s %8s %16s %9s\n", "elastic_pool", "gpu_hours",
                           "cost_usd", "placed", "p99", "work_lost_gpu_h", "reclaims");
  out += format("%-15s %12.1f %13.2f %7lld %8lld %16.1f %9lld\n", "with spot", run.gpu_hours(),
                to_dollars(run.cost), static_cast<long long>(run.elastic.tasks_placed),
                static_cast<long long>(run.elastic.delay.p99),
                run.elastic.work_lost_gpu_seconds / 3600.0,
                static_cast<long long>(run.nodes_reclaimed));
  out += format("%-15s %12.1f %13.2f %7lld %8lld %16.1f %9d\n", "on-demand only",
                static_cast<double>(od.gpu_seconds) / 3600.0, to_dollars(od.cost),
                static_cast<long long>(od.tasks_placed), static_cast<long long>(od.delay.p99),
                od.work_lost_gpu_seconds / 3600.0, 0);
  return out +
         "(spot nodes taken back as a Poisson process of their type's rate per node-hour; a "
         "reclaimed node's tasks run again from the start: their GPU time so far is work lost)\n";
}

nlohmann::json on_demand_json(const AutoscaleReplayRun& run) {
  if (!run.on_demand_only) return nullptr;
  const OnDemandOnly& od = *run.on_demand_only;
  return {{"gpu_hours", static_cast<double>(od.gpu_seconds) / 3600.0},
          {"cost_dollars", to_dollars(od.cost)},
          {"tasks_placed", od.tasks_placed},
          {"delay_p99", od.delay.p99},
          {"work_lost_gpu_hours", od.work_lost_gpu_seconds / 3600.0}};
}

}  // namespace

std::string autoscale_table(const AutoscaleReplayRun& run) {
  std::string out = format("%-11s %15s %12s %13s %7s %7s %7s %9s %8s %8s %9s\n", "pool",
                           "nodes_max/mean", "gpu_hours", "cost_usd", "placed", "infeas", "queued",
                           "delay_avg", "p50", "p99", "max");
  out += pool_row("fixed",
                  format("%lld/%lld", static_cast<long long>(run.fixed_nodes),
                         static_cast<long long>(run.fixed_nodes)),
                  run.fixed_gpu_hours(), cost_cell(run.fixed_cost), run.fixed);
  out += pool_row("autoscaled",
                  format("%lld/%.1f", static_cast<long long>(run.nodes_max), run.nodes_mean),
                  run.gpu_hours(), cost_cell(run.cost), run.elastic);
  out +=
      "(delays in seconds; fixed cost: each node at the cheapest catalog type of its GPU model "
      "and count, on demand where the catalog has one)\n\n";
  out += types_table(run);
  out += spot_table(run);
  out += format(
      "\nnodes started %lld, removed %lld; decisions: %lld scale-up, %lld scale-down, %lld "
      "held-back (all with reasons in --format json); period %lld s, cooldown %lld s; "
      "%.3f s\n",
      static_cast<long long>(run.nodes_started), static_cast<long long>(run.nodes_removed),
      static_cast<long long>(count_action(run, "scale-up")),
      static_cast<long long>(count_action(run, "scale-down")),
      static_cast<long long>(count_action(run, "held-back")), static_cast<long long>(run.period),
      static_cast<long long>(run.limits.cooldown_seconds), run.seconds);
  return out;
}

std::string autoscale_json(const AutoscaleReplayRun& run) {
  nlohmann::json fixed_cost = nullptr;
  if (run.fixed_cost) fixed_cost = to_dollars(*run.fixed_cost);
  nlohmann::json body = {{"period", run.period},
                         {"limits", limits_json(run.limits)},
                         {"gpu_hours", run.gpu_hours()},
                         {"fixed_gpu_hours", run.fixed_gpu_hours()},
                         {"cost_dollars", to_dollars(run.cost)},
                         {"fixed_cost_dollars", fixed_cost},
                         {"nodes",
                          {{"max", run.nodes_max},
                           {"mean", run.nodes_mean},
                           {"started", run.nodes_started},
                           {"removed", run.nodes_removed},
                           {"reclaimed", run.nodes_reclaimed},
                           {"fixed", run.fixed_nodes}}},
                         {"types", types_json(run)},
                         {"sizes", sizes_json(run)},
                         {"decisions", decisions_json(run)},
                         {"work_lost_gpu_hours", run.elastic.work_lost_gpu_seconds / 3600.0},
                         {"on_demand_only", on_demand_json(run)},
                         {"elastic", replay_run_json(run.elastic)},
                         {"fixed", replay_run_json(run.fixed)},
                         {"seconds", run.seconds}};
  return nlohmann::json{{"autoscale", std::move(body)}}.dump(1) + "\n";
}

std::string autoscale_csv(const AutoscaleReplayRun& run) {
  std::string out = "time,nodes,gpus\n";
  for (const PoolSizeSample& s : run.sizes) {
    out += format("%lld,%lld,%lld\n", static_cast<long long>(s.time),
                  static_cast<long long>(s.nodes), static_cast<long long>(s.gpus));
  }
  return out;
}

}  // namespace fastgpu
