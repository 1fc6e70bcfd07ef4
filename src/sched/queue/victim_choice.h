#pragma once
// PostFilter: which running tasks to stop so that a waiting task fits.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/node.h"

namespace fastgpu {

/// A running task that may be stopped for the waiting one.
struct VictimCandidate {
  uint64_t id = 0;  // larger: newer
  int32_t priority = 0;
  NodeIndex node = 0;
};

/// The victims chosen, and whether the search was exhaustive.
struct VictimChoice {
  std::vector<uint64_t> victims;  // empty: no set of candidates makes room
  bool exact = true;              // false: the search budget ran out and a greedy set was taken
};

/// `fits(node, victims)`: whether the waiting task fits on `node` once `victims` (all on it)
/// are gone. It must be monotone: adding victims never makes it fit less.
using FitsIfReleased = std::function<bool(NodeIndex, std::span<const uint64_t>)>;

/// Chooses the victims to stop: all on one node (a task lands on one node, so a victim
/// elsewhere would be stopped for nothing), as few as possible; among sets of that size, the
/// one whose most important victim (highest priority, then oldest) is least important, then
/// the next most important, and so on. At most `budget` calls of `fits` search exhaustively;
/// past that, the nodes left get a greedy set (least important first until it fits, then each
/// victim dropped that is not needed) and `exact` is false.
VictimChoice choose_victims(std::span<const VictimCandidate> candidates, const FitsIfReleased& fits,
                            size_t budget = 4096);

/// Whether victim set `a` is better than `b` by the order above; both hold candidate ranks
/// (0: least important), sorted descending.
bool better_victim_set(std::span<const size_t> a, std::span<const size_t> b);

/// The rank order of candidates: least important first (lowest priority, then newest).
std::vector<VictimCandidate> ranked_victims(std::span<const VictimCandidate> candidates);

}  // namespace fastgpu
