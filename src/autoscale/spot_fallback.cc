#include "autoscale/spot_fallback.h"

namespace fastgpu {

SpotFallback::SpotFallback(size_t type_count, const PoolLimits& limits)
    : threshold_(limits.spot_fallback_interruptions),
      window_(limits.spot_fallback_window_seconds),
      recent_(type_count),
      reclaims_(type_count, 0) {}

bool SpotFallback::record(size_t type, int64_t now) {
  const bool before = is_withheld(type, now);
  std::deque<int64_t>& times = recent_[type];
  times.push_back(now);
  if (static_cast<int64_t>(times.size()) > threshold_) times.pop_front();  // only the last count
  ++reclaims_[type];
  return !before && is_withheld(type, now);
}

bool SpotFallback::is_withheld(size_t type, int64_t now) const {
  const std::deque<int64_t>& times = recent_[type];
  if (times.empty() || static_cast<int64_t>(times.size()) < threshold_) return false;
  // The last `threshold_` reclaims fell within one window, and that window is not over yet.
  const int64_t first = times.front();
  return times.back() - first <= window_ && now - times.back() < window_;
}

std::vector<bool> SpotFallback::withheld(int64_t now) const {
  std::vector<bool> out(recent_.size());
  for (size_t t = 0; t < recent_.size(); ++t) out[t] = is_withheld(t, now);
  return out;
}

}  // namespace fastgpu
