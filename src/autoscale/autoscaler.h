#pragma once
// The autoscaler's decision engine: pending demand and the current pool in, node requests and
// removals out, each with its reason. It knows no clock and no provider: the caller passes the
// time, carries the decisions out and calls again.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "autoscale/node_catalog.h"
#include "core/task.h"
#include "sched/placement_policy.h"

namespace fastgpu {

/// Where a node of the pool is in its life.
enum class PoolNodeState : uint8_t {
  kBooting,   // requested, not yet taking tasks
  kReady,     // taking tasks
  kDraining,  // being removed; counts neither as capacity nor toward the limits
};

/// One node of the pool as the autoscaler sees it.
struct PoolNode {
  uint64_t id = 0;
  size_t type = 0;  // index into the catalog
  PoolNodeState state = PoolNodeState::kReady;
  bool idle = false;       // ready and running no task
  int64_t idle_since = 0;  // seconds; meaningful when idle
};

/// Ask the provider for `count` nodes of catalog type `type`.
struct ScaleUp {
  size_t type = 0;
  int64_t count = 0;
  std::string reason;
};

/// Remove node `node` (a PoolNode id).
struct ScaleDown {
  uint64_t node = 0;
  std::string reason;
};

/// One pass's decisions. `held_back` explains demand left uncovered (limits, budget).
struct AutoscaleDecisions {
  std::vector<ScaleUp> up;
  std::vector<ScaleDown> down;
  std::vector<std::string> held_back;
  int64_t ignored_infeasible = 0;  // pending tasks no catalog type could ever hold
};

/// Builds the placement policy used to pack demand onto candidate nodes.
using PolicyFactory = std::function<std::unique_ptr<PlacementPolicy>()>;

/// Decides how the pool should change.
///
/// Scale-up covers the pending tasks (those waiting for lack of capacity) as follows: the
/// tasks are first packed onto the nodes already booting, so demand they will serve is not
/// bought twice; the rest is covered greedily, one new node at a time. For each catalog type
/// the remaining tasks are packed onto one empty node of that type with the scheduling library
/// (a CapacityLedger and a Placer under the factory's policy, largest shapes first) and the
/// type with the least price per task it takes is added; a spot type's price is its expected
/// price (expected_price_per_hour: counting the node time its reclaims waste). This is the classic
/// greedy for weighted set cover (price / newly covered elements), within a factor ln(n) of the
/// least cost; ties go to the cheaper type, then to the earlier one in the catalog. A type that
/// would break max_nodes or the hourly budget is not considered; demand nothing can cover is
/// reported in `held_back`. The pool is also topped up to min_nodes with the base type.
///
/// Scale-down removes ready nodes idle for at least the cooldown, longest idle first, never
/// below min_nodes.
///
/// Pending tasks that fit no catalog type even on an empty node are infeasible: ignored and
/// counted. Stateless between calls; thread-compatible.
class Autoscaler {
 public:
  Autoscaler(const NodeCatalog& catalog, PoolLimits limits, PolicyFactory policy);

  /// The decisions at time `now` for the pending task shapes and the pool's nodes. Types
  /// `withheld` (by index; SpotFallback::withheld) are not started for the demand.
  AutoscaleDecisions decide(int64_t now, std::span<const TaskShape> pending,
                            std::span<const PoolNode> nodes,
                            const std::vector<bool>& withheld = {}) const;

  /// True when `shape` fits an empty node of some catalog type.
  bool feasible(const TaskShape& shape) const;

  /// A task sized in TFLOPS as a shape the engine can pack: `shape` with the GPU share
  /// `milli_tflops` is of the first catalog type (in catalog order) whose GPU model holds it on
  /// one GPU and whose empty node fits it, restricted to that model. nullopt when no type does.
  std::optional<TaskShape> tflops_shape(const TaskShape& shape, int64_t milli_tflops) const;

  const PoolLimits& limits() const { return limits_; }

 private:
  struct Demand;
  // The nodes that stay after this pass's removals, plus its top-up: how many, at what price.
  struct Committed {
    int64_t count = 0;
    MicroDollars cost = 0;
  };
  // The type that covers the most remaining demand per dollar within the budget.
  struct Pick {
    size_t type = 0;  // == catalog size when none can take any of it
    int64_t taken = 0;
    std::vector<int64_t> placed;  // per demand group
    bool over_budget = false;     // some type was left out for the budget
  };
  // The feasible pending tasks by shape; counts the others in *infeasible.
  Demand group_demand(std::span<const TaskShape> pending, int64_t* infeasible) const;
  Committed absorb_into_committed(Demand& demand, std::span<const PoolNode> nodes,
                                  const AutoscaleDecisions& so_far) const;
  Pick pick_type(const Demand& demand, MicroDollars pool_cost,
                 const std::vector<bool>& withheld) const;
  std::string expected_price_note(const NodeType& type) const;
  void top_up_to_min(int64_t active, AutoscaleDecisions* out) const;
  void cover_demand(Demand& demand, std::span<const PoolNode> nodes,
                    const std::vector<bool>& withheld, AutoscaleDecisions* out) const;
  void remove_idle(int64_t now, std::span<const PoolNode> nodes, int64_t active,
                   AutoscaleDecisions* out) const;

  const NodeCatalog& catalog_;
  PoolLimits limits_;
  PolicyFactory policy_;
  std::vector<NodeSpec> type_specs_;  // by type index
};

}  // namespace fastgpu
