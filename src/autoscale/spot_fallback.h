#pragma once
// The fallback from spot to on-demand: a spot type reclaimed too often is not started again for
// a while, so that the autoscaler's greedy picks on-demand types in its place. Shared by the live
// autoscaler and `fastgpu sim replay --autoscale`.

#include <cstdint>
#include <deque>
#include <vector>

#include "autoscale/node_catalog.h"

namespace fastgpu {

/// Counts reclaims per node type. A type with limits.spot_fallback_interruptions reclaims within
/// limits.spot_fallback_window_seconds is withheld until the window has passed since the last
/// of them. Times are seconds on the caller's clock. Not thread-safe.
class SpotFallback {
 public:
  SpotFallback(size_t type_count, const PoolLimits& limits);

  /// Records a reclaim of a node of `type` at `now`; true when it makes the type withheld (it
  /// was not before).
  bool record(size_t type, int64_t now);

  /// Per type, true while it is withheld at `now`: what Autoscaler::decide must not start.
  std::vector<bool> withheld(int64_t now) const;

  /// Reclaims recorded so far, per type.
  const std::vector<int64_t>& reclaims() const { return reclaims_; }

 private:
  bool is_withheld(size_t type, int64_t now) const;

  const int64_t threshold_;
  const int64_t window_;
  std::vector<std::deque<int64_t>> recent_;  // per type: its last reclaims, at most threshold_
  std::vector<int64_t> reclaims_;
};

}  // namespace fastgpu
