#pragma once
// The one small interface every placement policy implements (one policy per file).

#include <cstdint>
#include <limits>
#include <string_view>

#include "core/node.h"
#include "core/rng.h"
#include "core/task.h"

namespace fastgpu {

/// A policy's verdict on one node for one task: how good (higher is better) and which GPUs it
/// would use there.
struct NodeScore {
  int64_t score = 0;
  GpuMask gpus = 0;
};

/// How the engine chooses among nodes with the same best score.
enum class TieBreak {
  kFixedOrder,  // the first in an order of the nodes drawn once per engine (seeded): consistent
                // choices pack better; this is what the FGD reference's numbers reflect
  kUniform,     // a fresh uniform draw per decision (the Random policy)
};

/// A placement policy: scores the nodes that pass the filter (fits_now) for a task.
///
/// Contract: score() is a pure function of (spec, state, shape) and of the policy's own
/// configuration fixed at construction, and does not depend on shape.memory_mib (host memory
/// is a filter, never a score: the engine checks it). The placement engine relies on this to cache
/// scores per node and recompute only nodes whose state changed. Policies are immutable after
/// construction and so safe to share between threads.
class PlacementPolicy {
 public:
  virtual ~PlacementPolicy() = default;

  /// The policy's name as given to --policy.
  virtual std::string_view name() const = 0;

  /// Scores a node that fits `shape` now (precondition: fits_now(spec, state, shape)).
  /// For GPU tasks `gpus` must name exactly shape.num_gpu eligible GPUs.
  virtual NodeScore score(const NodeSpec& spec, const NodeState& state,
                          const TaskShape& shape) const = 0;

  /// How ties between equally scored nodes are broken.
  virtual TieBreak tie_break() const { return TieBreak::kFixedOrder; }

  /// Final choice of GPUs on the node the engine picked; `scored` is what score() returned.
  /// Policies that choose GPUs at random override this; the default keeps `scored`.
  virtual GpuMask choose_gpus(const NodeSpec& spec, const NodeState& state, const TaskShape& shape,
                              GpuMask scored, Rng& rng) const {
    (void)spec, (void)state, (void)shape, (void)rng;
    return scored;
  }
};

}  // namespace fastgpu
