#include "cli/replay_autoscale.h"

#include <charconv>
#include <cmath>

#include "autoscale/node_catalog.h"
#include "cli/cli_options.h"
#include "sim/autoscale_replay.h"
#include "sim/autoscale_report.h"

namespace fastgpu::cli {
namespace {

constexpr uint64_t kMaxNodesFlag = 1'000'000;

// Overrides `*value` with the integer flag when it was given.
std::string override_int(const std::string& flag, const std::string& text, uint64_t lo, uint64_t hi,
                         int64_t* value) {
  if (text.empty()) return {};
  uint64_t v = 0;
  if (auto e = parse_int_flag(flag, text, lo, hi, &v); !e.empty()) return e;
  *value = static_cast<int64_t>(v);
  return {};
}

// --budget in dollars per hour: a positive number.
std::string override_budget(const std::string& text, MicroDollars* value) {
  if (text.empty()) return {};
  double dollars = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), dollars);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(dollars) ||
      dollars <= 0 || dollars > 1e9) {
    return "--budget: '" + text + "' is not a number of dollars per hour in (0, 1e9]";
  }
  *value = std::llround(dollars * static_cast<double>(kMicroPerDollar));
  return {};
}

std::string limits_from_flags(const AutoscaleFlags& f, PoolLimits* l) {
  if (auto e = override_int("--min-nodes", f.min_nodes, 0, kMaxNodesFlag, &l->min_nodes);
      !e.empty()) {
    return e;
  }
  if (auto e = override_int("--max-nodes", f.max_nodes, 1, kMaxNodesFlag, &l->max_nodes);
      !e.empty()) {
    return e;
  }
  if (l->min_nodes > l->max_nodes) {
    return "--min-nodes: " + std::to_string(l->min_nodes) + " exceeds max nodes " +
           std::to_string(l->max_nodes);
  }
  constexpr uint64_t kMaxCooldown = uint64_t{1} << 32;
  if (auto e = override_int("--cooldown", f.cooldown, 0, kMaxCooldown, &l->cooldown_seconds);
      !e.empty()) {
    return e;
  }
  return override_budget(f.budget, &l->budget_per_hour);
}

// --reclaim-rate: reclaims per spot node-hour, a number in [0, 3600].
std::string reclaim_rate_from_flag(const std::string& text, std::optional<double>* rate) {
  if (text.empty()) return {};
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0 ||
      value > 3600) {
    return "--reclaim-rate: '" + text + "' is not a number of reclaims per node-hour in [0, 3600]";
  }
  *rate = value;
  return {};
}

}  // namespace

void add_autoscale_flags(CLI::App* cmd, AutoscaleFlags* flags) {
  cmd->add_option("--autoscale", flags->catalog,
                  "node-types.toml: replay on a pool the autoscaler sizes, next to the fixed one");
  cmd->add_option("--autoscale-period", flags->period,
                  "seconds of trace time between autoscaler passes")
      ->capture_default_str();
  cmd->add_option("--cooldown", flags->cooldown,
                  "seconds idle before a node is removed "
                  "(default: the catalog's)");
  cmd->add_option("--min-nodes", flags->min_nodes, "fewest nodes (default: the catalog's)");
  cmd->add_option("--max-nodes", flags->max_nodes, "most nodes (default: the catalog's)");
  cmd->add_option("--budget", flags->budget, "dollars per hour cap (default: the catalog's)");
  cmd->add_option("--reclaim-rate", flags->reclaim_rate,
                  "spot nodes are taken back at this rate per node-hour (default: each spot "
                  "type's interruptions_per_hour); the on-demand-only pool is replayed beside");
}

std::string run_autoscale_flags(const AutoscaleFlags& flags, const ReplayOptions& options,
                                const std::vector<NodeSpec>& nodes, const std::vector<Task>& tasks,
                                AutoscaleOutput* out) {
  AutoscaleReplayOptions o;
  o.replay = options;
  uint64_t period = 0;
  constexpr uint64_t kMaxPeriod = uint64_t{1} << 40;
  if (auto e = parse_int_flag("--autoscale-period", flags.period, 1, kMaxPeriod, &period);
      !e.empty()) {
    return e;
  }
  o.period = static_cast<int64_t>(period);
  NodeCatalog catalog;
  if (Status s = read_node_catalog(flags.catalog, &catalog); !s.is_ok()) {
    return "--autoscale: " + s.message();
  }
  o.limits = catalog.limits;
  if (auto e = limits_from_flags(flags, &o.limits); !e.empty()) return e;
  if (auto e = reclaim_rate_from_flag(flags.reclaim_rate, &o.reclaim_rate); !e.empty()) return e;
  AutoscaleReplayRun run;
  if (Status s = run_autoscale_replay(catalog, nodes, tasks, o, &run); !s.is_ok()) {
    return s.message();
  }
  out->table = autoscale_table(run);
  out->json = autoscale_json(run);
  out->csv = autoscale_csv(run);
  return {};
}

}  // namespace fastgpu::cli
